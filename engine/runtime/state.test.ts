import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import { compileRuleText } from '../rules/index.ts';
import { createRuleRuntime, type Runtime } from './runtime.ts';
import { compile, ev, MIN, run, runtimeFor, T0 } from './test-kit.ts';

const mixed = `rules:
  - id: s.high
    title: { vi: t, en: t }
    severity: major
    on: water.level
    where: e.value >= 2.0
    clear: e.value < 1.5
    for: 3m
    keepFiringFor: 2m
    message: { vi: "{{ e.value }}", en: "{{ e.value }}" }
  - id: s.flap
    title: { vi: t, en: t }
    severity: minor
    on: water.level
    where: e.value >= 1.8
    throttle: 10m
    dedupKey: e.zone
  - id: w.avg
    title: { vi: t, en: t }
    severity: major
    on: water.level
    window: { size: 6m, slide: 2m }
    aggregate: { avg: avg(e.value), n: count(), p: p90(e.value), d: distinct(e.zone), sd: stddev(e.value), f: first(e.value) }
    when: avg > 1.6 && n >= 2
    clear: avg < 1.2
    message: { vi: "{{ avg }}", en: "{{ avg }} {{ p }} {{ d }} {{ sd }} {{ f }}" }
  - id: w.avg-high
    title: { vi: t, en: t }
    severity: critical
    on: water.level
    window: { size: 6m, slide: 2m }
    aggregate: { avg: avg(e.value), n: count(), p: p90(e.value), d: distinct(e.zone), sd: stddev(e.value), f: first(e.value) }
    when: avg > 2.0 && n >= 2
    for: 4m
  - id: w.zone
    title: { vi: t, en: t }
    severity: info
    on: [water.level, weather.rain]
    groupBy: [e.zone]
    window: { size: 5m }
    aggregate: { n: count(), hi: max(e.value) }
    when: n >= 4
    for: 5m
  - id: w.session
    title: { vi: t, en: t }
    severity: info
    on: weather.rain
    window: { session: 3m }
    aggregate: { n: count(), r: rate() }
    when: n >= 2
  - id: a.silent
    title: { vi: t, en: t }
    severity: major
    on: water.level
    absent: 7m
  - id: q.rise
    title: { vi: t, en: t }
    severity: major
    sequence:
      - { as: rain, on: weather.rain, where: e.value > 1.0 }
      - { as: rise, on: water.level, where: e.value > 1.7, within: 10m }
    sameKey: [e.zone]
    keepFiringFor: 4m
    message: { vi: "{{ rain.value }}", en: "{{ rain.value }} {{ rise.value }}" }
  - id: q.no-pump
    title: { vi: t, en: t }
    severity: critical
    sequence:
      - { as: high, on: water.level, where: e.value > 2.2 }
      - { as: pump, on: pump.status, within: 6m, not: true }
    sameKey: [e.zone]
    maxPartials: 3
`;

const event = fc.record({
  dt: fc.integer({ min: 0, max: 90_000 }),
  shift: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 120_000 }) }),
  type: fc.constantFrom('water.level', 'water.level', 'weather.rain', 'pump.status'),
  source: fc.constantFrom('a', 'b', 'c'),
  zone: fc.constantFrom('z1', 'z2'),
  value: fc.option(fc.constantFrom(0.5, 1.0, 1.4, 1.6, 1.9, 2.1, 2.5, 3.0), { nil: undefined, freq: 10 }),
});

type EventSpec = typeof event extends fc.Arbitrary<infer T> ? T : never;

/** Events with increasing base times, some shifted back (late or out of order), and idle watermark steps. */
function stream(specs: EventSpec[]): (IocEvent | { idle: number })[] {
  let t = T0;
  return specs.map((s, i) => {
    t += s.dt;
    if (s.type === 'pump.status' && s.source === 'c') return { idle: t };
    const e: IocEvent = { id: `e${i}`, type: s.type, source: `${s.zone}-${s.source}`, zone: s.zone, time: t - s.shift, attrs: {} };
    if (s.value !== undefined) e.value = s.value;
    return e;
  });
}

function feed(rt: Runtime, items: (IocEvent | { idle: number })[]): string[] {
  const out: string[] = [];
  for (const it of items) {
    if ('idle' in it) rt.advanceWatermark(it.idle - 60_000);
    else out.push(rt.process(it));
    for (const a of rt.takeChanges()) out.push(JSON.stringify(a));
  }
  return out;
}

describe('snapshot and restore', () => {
  const rules = compile(mixed);

  it('after restore from JSON, the same events give exactly the same changes as an uninterrupted run', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 250 }), fc.nat(), fc.constantFrom<'dlq' | 'process'>('dlq', 'process'), (specs, cut, latePolicy) => {
        const items = stream(specs);
        const split = cut % (items.length + 1);
        const opts = { now: () => 7, allowedLatenessMs: 45_000, latePolicy };
        const whole = feed(createRuleRuntime(rules, opts), items);
        const first = createRuleRuntime(rules, opts);
        const before = feed(first, items.slice(0, split));
        const snap = JSON.stringify(first.snapshot());
        const second = createRuleRuntime(compileRuleText(mixed, 'test.yaml').rules, opts);
        second.restore(JSON.parse(snap));
        // A snapshot is deterministic: the restored runtime snapshots to the same text.
        expect(JSON.stringify(second.snapshot())).toBe(snap);
        const after = feed(second, items.slice(split));
        expect([...before, ...after]).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('runs every deadline due at a watermark step before later ones, past timers that no longer apply', () => {
    // Found by the property below: a stale `for` deadline at the top of a rule's heap
    // made the rule stop there, so a window closing later in event time came first.
    const specs = [
      { dt: 0, value: 0.5 }, { dt: 32201 }, { dt: 505, source: 'c', value: 3 }, { dt: 11812, value: 2.5 },
      { dt: 40687 }, { dt: 85749, shift: 1 }, { dt: 35790, source: 'c', value: 0.5 }, { dt: 44949 }, { dt: 33307 },
    ].map((x) => ({ shift: 0, type: 'water.level', source: 'a', zone: 'z1', value: undefined, ...x }) as EventSpec);
    const items = stream(specs);
    const opts = { now: () => 7, allowedLatenessMs: 45_000 };
    const whole = feed(createRuleRuntime(rules, opts), items);
    const first = createRuleRuntime(rules, opts);
    const before = feed(first, items.slice(0, 7));
    const second = createRuleRuntime(rules, opts);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect([...before, ...feed(second, items.slice(7))]).toEqual(whole);
    expect(whole.filter((x) => x.startsWith('{')).map((x) => JSON.parse(x) as Alert).slice(-2).map((a) => `${a.state} ${a.rule} ${a.eventTime - T0}`)).toEqual([
      'firing s.high 224518',
      'firing w.avg 240000',
    ]);
  });

  it('produces alerts in the uninterrupted run at all (the property is not vacuous)', () => {
    const items = stream(fc.sample(fc.array(event, { minLength: 300, maxLength: 300 }), { numRuns: 1, seed: 42 })[0]!);
    const changes = feed(createRuleRuntime(rules, { now: () => 7, allowedLatenessMs: 45_000 }), items).filter((x) => x.startsWith('{'));
    const rulesSeen = new Set(changes.map((c) => (JSON.parse(c) as Alert).rule));
    expect([...rulesSeen].sort()).toEqual(['a.silent', 'q.no-pump', 'q.rise', 's.flap', 's.high', 'w.avg', 'w.avg-high', 'w.session', 'w.zone']);
  });
});

describe('reload', () => {
  const count = (id: string, n = 2) => `- id: ${id}\n  title: { vi: t, en: t }\n  severity: info\n  on: service.hotline\n  groupBy: [e.zone]\n  window: { size: 10m }\n  aggregate: { n: count() }\n  when: n >= ${n}\n`;
  const high = (id: string, threshold = '2.0') => `- id: ${id}\n  title: { vi: t, en: t }\n  severity: major\n  on: water.level\n  where: e.value >= ${threshold}\n`;
  const call = (min: number) => ev(min, { type: 'service.hotline', zone: 'hk' });

  it('keeps open windows and firing alerts of unchanged rules; only changed rules restart', () => {
    const rt = runtimeFor(count('c.kept') + count('c.changed') + high('h.kept'));
    expect(run(rt, [call(1), ev(2, { value: 2.5 })])).toEqual(['firing h.kept s1 @2']);
    const report = rt.reload(compile(count('c.kept') + count('c.changed', 1) + high('h.kept') + high('h.new')));
    expect(report).toEqual({ kept: ['c.kept', 'h.kept'], restarted: ['c.changed'], added: ['h.new'], removed: [] });
    // c.kept still holds the call at 1: with the call at 3 its window has 2. c.changed forgot it, but needs only 1.
    expect(run(rt, [call(3), 10])).toEqual(['firing c.kept hk @10', 'firing c.changed hk @10']);
    expect(rt.firing().map((a) => a.rule).sort()).toEqual(['c.changed', 'c.kept', 'h.kept']);
  });

  it('shares the window of rules that hold the same one; a rule whose `when` changed keeps it', () => {
    const rt = runtimeFor(count('c.two') + count('c.three', 3));
    expect(run(rt, [call(1), call(2), call(3)])).toEqual([]);
    expect((rt.snapshot() as { windows: unknown[] }).windows).toHaveLength(1);
    const report = rt.reload(compile(count('c.two') + count('c.three', 4)));
    expect(report.restarted).toEqual(['c.three']);
    // c.three needs 4 now: the three calls before the reload still count.
    expect(run(rt, [call(4), 10])).toEqual(['firing c.two hk @10', 'firing c.three hk @10']);
  });

  it('keeps the firing alerts of a changed rule until it is evaluated again', () => {
    const rt = runtimeFor(high('h.x'));
    run(rt, [ev(0, { value: 2.5 })]);
    rt.reload(compile(high('h.x', '3.0')));
    expect(rt.firing().map((a) => a.rule)).toEqual(['h.x']);
    expect(run(rt, [ev(1, { value: 2.6 })])).toEqual(['resolved h.x s1 @1']);
  });

  it('resolves the alerts of removed and disabled rules at the watermark', () => {
    const rt = runtimeFor(high('h.a') + high('h.b'));
    run(rt, [ev(0, { value: 2.5 }), ev(5, { value: 1.0, source: 'other' })]);
    const report = rt.reload(compile(high('h.b').replace('severity: major', 'severity: major\n  enabled: false')));
    expect(report.removed).toEqual(['h.a', 'h.b']);
    expect(rt.takeChanges().map((a) => `${a.state} ${a.rule} @${(a.endsAt - T0) / MIN}`)).toEqual(['resolved h.a @5', 'resolved h.b @5']);
    expect(rt.firing()).toEqual([]);
  });
});
