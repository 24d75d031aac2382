import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuantileSketch, SKETCH_ALPHA } from './sketch.ts';
import { ev, run, runtimeFor } from './test-kit.ts';

const rule = `id: agg.all
title: { vi: t, en: t }
on: water.level
severity: info
window: { size: 10m, slide: 5m }
aggregate:
  n: count()
  s: sum(e.value)
  a: avg(e.value)
  lo: min(e.value)
  hi: max(e.value)
  f: first(e.value)
  l: last(e.value)
  d: distinct(e.attrs.site)
  p50: p50(e.value)
  p99: p99(e.value)
  r: rate()
  sd: stddev(e.value)
  dbl: sum(e.value * 2.0)
when: n > 0
message:
  vi: x
  en: "n={{ n }} s={{ s }} a={{ a }} lo={{ lo }} hi={{ hi }} f={{ f }} l={{ l }} d={{ d }} p50={{ p50 }} p99={{ p99 }} r={{ r }} sd={{ sd }} dbl={{ dbl }}"
`;

describe('aggregates', () => {
  it('computes every function over the panes of a window, first and last by event time', () => {
    const rt = runtimeFor(rule.replace('when: n > 0', 'when: n >= 4'), { allowedLatenessMs: 5 * 60_000 });
    const w = (min: number, value: number, site: string) => ev(min, { value, attrs: { site } });
    // Arrival order differs from event time: 6 arrives before 2 (within the lateness). The
    // quantiles take the lower rank (p99 of 4 values is the 3rd) within 1%: 4 → 4.01484, 6 → 5.98951.
    const out = run(rt, [w(1, 4, 'a'), w(6, 8, 'b'), w(2, 2, 'a'), w(7, 6, 'c'), 20], true);
    expect(out[0]).toBe('firing agg.all s1 @10 n=4 s=20 a=5 lo=2 hi=8 f=4 l=6 d=3 p50=4.01484 p99=5.98951 r=0.4 sd=2.23607 dbl=40');
  });

  it('keeps counts and distinct as CEL ints, the others as doubles', () => {
    expect(() => runtimeFor(rule.replace('when: n > 0', 'when: n > 0.5 && d + 1 > 1 && s + 1.0 > 1.0'))).not.toThrow();
    expect(() => runtimeFor(rule.replace('when: n > 0', 'when: s + 1 > 1.0 && n + 1.0 > 1.0'))).toThrow();
  });

  it('skips an event whose argument fails and counts it as a rule error', () => {
    const errors: string[] = [];
    const rt = runtimeFor(rule, { onRuleError: (id, e, err) => errors.push(`${id} ${e?.id}: ${(err as Error).message}`) });
    const bad = ev(1, { attrs: { site: 'a' } });
    expect(run(rt, [bad, ev(2, { value: 3, attrs: { site: 'a' } }), 10], true)[0]).toMatch(/^firing agg.all s1 @5 n=1 /);
    expect(errors).toEqual([`agg.all ${bad.id}: rule agg.all: aggregate.s: No such key: value`]);
  });
});

describe('QuantileSketch', () => {
  const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 });
  const q = fc.constantFrom(0, 0.5, 0.9, 0.95, 0.99, 1);

  it('answers within the relative accuracy of the true value of that rank', () => {
    fc.assert(
      fc.property(values, q, (xs, quantile) => {
        const s = new QuantileSketch();
        for (const x of xs) s.add(x);
        const sorted = [...xs].sort((a, b) => a - b);
        const truth = sorted[Math.floor(quantile * (xs.length - 1))]!;
        const got = s.quantile(quantile);
        const tolerance = Math.abs(truth) < 1e-9 ? 1e-9 : SKETCH_ALPHA * Math.abs(truth) * (1 + 1e-9);
        expect(Math.abs(got - truth)).toBeLessThanOrEqual(tolerance);
      }),
    );
  });

  it('merges exactly: two halves give what the whole gives, and survive JSON', () => {
    fc.assert(
      fc.property(values, values, q, (a, b, quantile) => {
        const whole = new QuantileSketch();
        const left = new QuantileSketch();
        const right = new QuantileSketch();
        for (const x of a) (whole.add(x), left.add(x));
        for (const x of b) (whole.add(x), right.add(x));
        left.merge(QuantileSketch.fromJSON(JSON.parse(JSON.stringify(right.toJSON())) as number[]));
        expect(left.count).toBe(whole.count);
        expect(left.quantile(quantile)).toBe(whole.quantile(quantile));
      }),
    );
  });
});
