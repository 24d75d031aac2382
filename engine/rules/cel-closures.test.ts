// The closures must agree with the CEL interpreter on every expression and
// event: same value, or an error with the same code. Checked on random
// expressions from the subset the closures cover, against random events.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { compileCel, type CelProgram } from './cel.ts';

function program(source: string, interpret: boolean): CelProgram {
  const r = compileCel(source, { interpret });
  if (!r.ok) throw new Error(`${source}: ${r.message}`);
  return r.program;
}

type Outcome = { value: unknown } | { error: string };

function outcome(p: CelProgram, e: IocEvent): Outcome {
  try {
    return { value: p.run(e) };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? 'unknown' };
  }
}

const { double, int, str, bool } = fc.letrec<{ double: string; int: string; str: string; bool: string }>((tie) => ({
  double: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('e.value', 'e.lat', '0.0', '1.5', '2.0', '-2.25', '150.5', '1e300'),
    fc.tuple(tie('double'), fc.constantFrom('+', '-', '*', '/'), tie('double')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('double').map((a) => `-(${a})`),
  ),
  int: fc.constantFrom('e.time', '0', '2', '-3', '1782867600000', '9223372036854775807'),
  str: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('e.zone', 'e.source', 'e.unit', 'e.attrs.kind', 'e.attrs["kind"]', '"a"', '""', '"hoan-kiem"', '"wl-1"'),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `(${a} + ${b})`),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('true', 'false', 'has(e.value)', 'has(e.lat)', '"kind" in e.attrs'),
    fc.tuple(tie('double'), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), tie('double')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('double'), fc.constantFrom('<', '<=', '>', '>='), tie('int')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('int'), fc.constantFrom('<', '==', '!=', '>='), tie('int')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('str'), fc.constantFrom('==', '!='), tie('str')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('str').map((a) => `(${a} in ["a", "hoan-kiem", ""])`),
    tie('double').map((a) => `(${a} in [1.5, 2.0, -2.25])`),
    tie('int').map((a) => `(${a} in [2, -3])`),
    fc.tuple(tie('str'), fc.constantFrom('startsWith', 'endsWith', 'contains'), tie('str')).map(([a, m, b]) => `${a}.${m}(${b})`),
    fc.tuple(tie('bool'), fc.constantFrom('&&', '||', '==', '!='), tie('bool')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('bool').map((a) => `!(${a})`),
    fc.tuple(tie('bool'), tie('bool'), tie('bool')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
  ),
}));

const event: fc.Arbitrary<IocEvent> = fc
  .record({
    value: fc.option(fc.constantFrom(0, -0, 1.5, 2, -2.25, 150.5, 1e300, 0.1), { nil: undefined }),
    lat: fc.option(fc.constantFrom(21.03, 0), { nil: undefined }),
    zone: fc.option(fc.constantFrom('a', 'hoan-kiem'), { nil: undefined }),
    unit: fc.option(fc.constantFrom('m', ''), { nil: undefined }),
    kind: fc.option(fc.constantFrom('a', '', 'wl'), { nil: undefined }),
    time: fc.constantFrom(1_782_867_600_000, 0),
  })
  .map((r) => {
    const e: IocEvent = { id: 'e1', type: 'water.level', source: 'wl-1', time: r.time, attrs: r.kind === undefined ? {} : { kind: r.kind } };
    if (r.value !== undefined) e.value = r.value;
    if (r.lat !== undefined) {
      e.lat = r.lat;
      e.lon = 105.85;
    }
    if (r.zone !== undefined) e.zone = r.zone;
    if (r.unit !== undefined) e.unit = r.unit;
    return e;
  });

describe('CEL closures', () => {
  it('agree with the interpreter on random expressions and events', () => {
    fc.assert(
      fc.property(fc.oneof(bool, double, str, int), fc.array(event, { minLength: 1, maxLength: 6 }), (source, events) => {
        const fast = program(source, false);
        const slow = program(source, true);
        expect(fast.engine).toBe('closure');
        for (const e of events) expect(outcome(fast, e)).toEqual(outcome(slow, e));
      }),
      { numRuns: 2000 },
    );
  });

  it('leave the rest of CEL to the interpreter', () => {
    for (const source of ['has(e.attrs.kind)', 'e.attrs[?"k"].orValue("") == "x"', 'e.time + 1 > 2', 'e.zone < "m"', '[1.5, 2.0].exists(x, x > e.value)', 'size(e.source) > 2', 'dyn(e.value) > 1.0']) {
      expect(program(source, false).engine).toBe('interpreter');
    }
  });
});
