// Fuzz suites: every decoder of outside input, the YAML rule loader and CEL
// evaluation get at least 10,000 generated hostile inputs each. Nothing may
// throw out of them, hang, or refuse without a reason. Counts are printed so
// the CI log shows what ran.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ioc } from '../protos/gen/ioc.js';
import { Base64ChunkDecoder, FrameDecoder } from './api/grpc-web-frames.ts';
import { IocError } from './errors/index.ts';
import { decodeEvent } from './events/index.ts';
import { compilePolicySources } from './incidents/index.ts';
import { compileRuleText } from './rules/index.ts';

const RUNS = 10_000;
const counts: Record<string, number> = {};
const count = (suite: string) => {
  counts[suite] = (counts[suite] ?? 0) + 1;
};
afterAll(() => {
  console.log(`fuzz: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
});

const opts = { now: () => Date.UTC(2026, 6, 1), maxFutureMs: 600_000 };

/** Strings that break parsers: quotes, escapes, NUL, lone surrogates, huge numbers, YAML and CEL syntax. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom('', '\u0000', '"', "'", '\\', '{{', '}}', '${', '\ud800', '1e309', '-0', 'NaN', 'Infinity', '&anchor', '*alias', '!!binary', '---', '...', '[', '{', ': ', '- ', '#', '%', '@', '`', '|', '>', 'e.value >', 'has(', '"\\u0000"', '9'.repeat(400)),
);

describe('fuzz', () => {
  it(`JSON event decoding: ${RUNS} hostile bodies, each accepted or refused with a reason`, () => {
    const field = fc.oneof(hostile, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(hostile, { maxLength: 3 }), fc.dictionary(hostile, hostile, { maxKeys: 3 }));
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.record({ id: field, type: field, source: field, time: field, value: field, lat: field, lon: field, zone: field, unit: field, attrs: field }, { requiredKeys: [] }).map((o) => new TextEncoder().encode(JSON.stringify(o))),
      fc.jsonValue().map((v) => new TextEncoder().encode(JSON.stringify(v))),
      hostile.map((s) => new TextEncoder().encode(s)),
    );
    fc.assert(
      fc.property(body, hostile, (bytes, subject) => {
        count('json');
        const r = decodeEvent(bytes, undefined, `ioc.events.${subject}`, opts);
        if (!r.ok) {
          expect(r.rejection.reason).toBeTruthy();
          expect(r.rejection.detail.length).toBeGreaterThan(0);
        } else {
          expect(Number.isFinite(r.event.time)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`protobuf event decoding: ${RUNS} hostile messages`, () => {
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc
        .record({ id: hostile, type: hostile, source: hostile, time: fc.oneof(fc.integer(), fc.double()), value: fc.double(), lat: fc.double(), lon: fc.double(), zone: hostile, unit: hostile, attrs: fc.dictionary(hostile, hostile, { maxKeys: 3 }) }, { requiredKeys: [] })
        .map((o) => {
          try {
            return ioc.v1.Event.encode(ioc.v1.Event.fromObject(o)).finish();
          } catch {
            return new Uint8Array([0xff, 0xff]);
          }
        }),
    );
    fc.assert(
      fc.property(message, (bytes) => {
        count('protobuf');
        const r = decodeEvent(bytes, 'application/protobuf', 'ioc.events.water.level', opts);
        if (!r.ok) expect(r.rejection.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it(`gRPC-web frames: ${RUNS} hostile bodies split at random points`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 4 }), (body, cuts) => {
        count('grpc-web frames');
        const d = new FrameDecoder(64);
        try {
          let at = 0;
          for (const c of [...cuts.sort((a, b) => a - b), body.length]) {
            for (const f of d.push(body.subarray(at, Math.max(at, Math.min(c, body.length))))) expect(f.payload.length).toBeLessThanOrEqual(64);
            at = Math.max(at, Math.min(c, body.length));
          }
          d.end();
        } catch (err) {
          expect(err).toBeInstanceOf(IocError);
          expect((err as Error).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`gRPC-web text mode (base64): ${RUNS} hostile texts`, () => {
    const text = fc.oneof(hostile, fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('base64')), fc.stringMatching(/^[A-Za-z0-9+/=\r\n]{0,40}$/));
    fc.assert(
      fc.property(fc.array(text, { maxLength: 4 }), (chunks) => {
        count('grpc-web text');
        const d = new Base64ChunkDecoder();
        try {
          for (const c of chunks) d.push(c);
          d.end();
        } catch (err) {
          expect(err).toBeInstanceOf(IocError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`YAML rule loader: ${RUNS} hostile rule files, each compiled or refused with file:line:column`, () => {
    const value = fc.oneof(hostile, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const rule = fc.record(
      {
        id: fc.oneof(hostile, fc.constantFrom('flood.x', 'a.b', 'x')),
        title: fc.oneof(value, fc.record({ vi: value, en: value })),
        on: fc.oneof(value, fc.constantFrom('water.level', 'aq.*')),
        where: fc.oneof(value, fc.constantFrom('e.value > 2.0', 'e.value >', 'has(e.value) && e.value > 1', 'e.attrs.x == "a"', 'distance(e, 21.0, 105.8) < 500')),
        severity: fc.oneof(value, fc.constantFrom('major', 'critical')),
        window: fc.oneof(value, fc.record({ size: value })),
        groupBy: fc.oneof(value, fc.array(value, { maxLength: 2 })),
      },
      { requiredKeys: [] },
    );
    const file = fc.oneof(
      hostile,
      fc.array(rule, { maxLength: 3 }).map((rules) => JSON.stringify({ rules })),
      fc.array(fc.oneof(hostile, fc.constantFrom('rules:', '  - id: a.b', '    on: [', '    where: "', '  title: &a *a', '\t- x')), { maxLength: 8 }).map((lines) => lines.join('\n')),
    );
    fc.assert(
      fc.property(file, (text) => {
        count('rule yaml');
        const r = compileRuleText(text, 'fuzz.yaml');
        for (const d of r.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it(`YAML policy loader: ${RUNS} hostile policy files`, () => {
    const file = fc.oneof(
      hostile,
      fc.array(fc.oneof(hostile, fc.constantFrom('policies:', '  - id: x', '    type: flood', '    match: {}', '    groupWait: soon', 'receivers:', '  - name: a', '    webhook: { url: 1 }', 'maintenance:', '  - { id: m, matchers: {}, reason: r, schedule: { cron: "* * *", duration: 1h } }')), { maxLength: 8 }).map((l) => l.join('\n')),
    );
    fc.assert(
      fc.property(file, (text) => {
        count('policy yaml');
        const r = compilePolicySources([{ file: 'fuzz.yaml', text }]);
        for (const d of r.diagnostics) expect(d.message.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it(`CEL evaluation: ${RUNS} hostile events through compiled conditions, each a boolean or a counted rule error`, () => {
    const compiled = compileRuleText(
      `rules:
  - { id: f.a, title: { vi: a, en: a }, on: "*", where: 'has(e.value) && e.value > 2.0 && e.value / 0.0 > 1.0', severity: major }
  - { id: f.b, title: { vi: b, en: b }, on: "*", where: 'e.attrs.category == "flood" || e.source.startsWith("wl-")', severity: major }
  - { id: f.c, title: { vi: c, en: c }, on: "*", where: 'distance(e, 21.03, 105.85) < 500.0 && within(e, "hoan-kiem")', severity: major }
  - { id: f.d, title: { vi: d, en: d }, on: "*", where: 'e.value * 1e308 > 1.0 && size(e.source) > 3 && e.unit.matches("^m+$")', severity: major }
`,
      'fuzz.yaml',
    );
    expect(compiled.diagnostics).toEqual([]);
    const event = fc.record({
      id: fc.string({ minLength: 1, maxLength: 10 }),
      type: fc.constant('water.level'),
      source: hostile,
      time: fc.integer({ min: 0, max: 2 ** 42 }),
      value: fc.option(fc.double(), { nil: undefined }),
      lat: fc.option(fc.double(), { nil: undefined }),
      lon: fc.option(fc.double(), { nil: undefined }),
      unit: hostile,
      zone: fc.option(hostile, { nil: undefined }),
      attrs: fc.dictionary(fc.constantFrom('category', 'x', ''), hostile, { maxKeys: 2 }),
    });
    fc.assert(
      fc.property(event, (e) => {
        count('cel');
        for (const rule of compiled.rules) {
          try {
            expect(typeof rule.matches(e)).toBe('boolean');
          } catch (err) {
            // A strange event may make a condition fail; the runtime counts it per rule. It must say which rule and why.
            expect(err).toBeInstanceOf(IocError);
            expect((err as Error).message).toContain(rule.id);
          }
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('fuzz, reference tables', () => {
  it(`YAML reference tables: ${RUNS / 5} hostile table files`, async () => {
    const { parseYamlTable } = await import('./rules/tables.ts');
    const file = fc.oneof(
      hostile,
      fc.array(fc.oneof(hostile, fc.constantFrom('table: t', 'key: zone', 'rows:', '  - { zone: a, v: 1 }', '  - *nope', '  - &a { zone: b }', '  - *a', 'key: [', '\t')), { maxLength: 8 }).map((l) => l.join('\n')),
    );
    fc.assert(
      fc.property(file, (text) => {
        count('table yaml');
        const r = parseYamlTable(text, 'fuzz.yaml');
        for (const d of r.diagnostics) expect(d.message.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS / 5 },
    );
  });
});
