import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { ev, MIN, run, runtimeFor, T0 } from './test-kit.ts';

const head = (id: string) => `id: ${id}\ntitle: { vi: "Cảnh báo", en: Alert }\nseverity: major\n`;
const count = head('zone.count') + `on: service.hotline
groupBy: [e.zone]
window: { size: 5m }
aggregate: { n: count() }
when: n >= 2
message: { vi: "{{ n }}", en: "n={{ n }}" }
`;
const call = (min: number, zone = 'hk') => ev(min, { type: 'service.hotline', zone });

describe('watermark and late events', () => {
  it('is the newest event time minus the allowed lateness, and never moves back', () => {
    const rt = runtimeFor(count, { allowedLatenessMs: 30_000 });
    expect(rt.watermark()).toBe(-Infinity);
    rt.process(call(10));
    expect(rt.watermark()).toBe(T0 + 10 * MIN - 30_000);
    rt.process(call(9.9));
    expect(rt.watermark()).toBe(T0 + 10 * MIN - 30_000);
    rt.advanceWatermark(T0);
    expect(rt.watermark()).toBe(T0 + 10 * MIN - 30_000);
  });

  it('dlq: an event older than the watermark is late and not evaluated', () => {
    const rt = runtimeFor(count, { allowedLatenessMs: 60_000 });
    expect(rt.process(call(1))).toBe('ok');
    expect(rt.process(call(6))).toBe('ok');
    expect(rt.process(call(3.5))).toBe('late');
    expect(run(rt, [20])).toEqual([]);
    expect(rt.counters().lateEvents).toBe(1);
  });

  it('process: a late event goes into windows still open, not into closed ones', () => {
    const rt = runtimeFor(count, { allowedLatenessMs: 60_000, latePolicy: 'process' });
    expect(run(rt, [call(1), call(7)])).toEqual([]);
    // Window [0,5) closed at watermark 6: the event at 3 is dropped for it.
    expect(rt.process(call(3))).toBe('late-processed');
    // Window [5,10) is open until the watermark reaches 10: 5.5 is late (watermark 6) but counts.
    expect(rt.process(call(5.5))).toBe('late-processed');
    expect(run(rt, [10])).toEqual(['firing zone.count hk @10']);
  });

  it('puts out-of-order events within the lateness into their own windows', () => {
    const inOrder = runtimeFor(count, { allowedLatenessMs: 5 * MIN });
    const shuffled = runtimeFor(count, { allowedLatenessMs: 5 * MIN });
    const times = [0.5, 1, 4, 6, 7, 8, 12, 13];
    const a = run(inOrder, [...times.map((t) => call(t)), 30]);
    const b = run(shuffled, [...[4, 0.5, 7, 1, 6, 13, 8, 12].map((t) => call(t)), 30]);
    expect(a).toEqual(['firing zone.count hk @5', 'resolved zone.count hk @20']);
    expect(b).toEqual(a);
  });

  it('closes windows on an idle advance of the watermark, without events', () => {
    const rt = runtimeFor(count);
    expect(run(rt, [call(0), call(1)])).toEqual([]);
    expect(run(rt, [4.99])).toEqual([]);
    expect(run(rt, [5])).toEqual(['firing zone.count hk @5']);
  });
});

describe('for, clear and keepFiringFor', () => {
  const level = (min: number, value: number) => ev(min, { source: 'wl-1', value });

  it('stateless with for: pending, firing once the watermark passes start + for with no miss in between', () => {
    const rt = runtimeFor(head('flood.high') + 'on: water.level\nwhere: e.value >= 2.0\nfor: 10m\n');
    expect(run(rt, [level(0, 2.1), level(5, 2.3), level(9, 2.2), level(10, 2.4), level(20, 1.0)])).toEqual([
      'pending flood.high wl-1 @0',
      'firing flood.high wl-1 @10',
      'resolved flood.high wl-1 @20',
    ]);
  });

  it('stateless with for: a miss before the end cancels the pending alert without a change', () => {
    const rt = runtimeFor(head('flood.high') + 'on: water.level\nwhere: e.value >= 2.0\nfor: 10m\n');
    expect(run(rt, [level(0, 2.1), level(5, 1.9), level(8, 2.0), 15, 18])).toEqual(['pending flood.high wl-1 @0', 'pending flood.high wl-1 @8', 'firing flood.high wl-1 @18']);
  });

  it('clear: hysteresis keeps firing between the thresholds', () => {
    const rt = runtimeFor(head('flood.high') + 'on: water.level\nwhere: e.value >= 2.0\nclear: e.value < 1.5\n');
    expect(run(rt, [level(0, 2.1), level(1, 1.8), level(2, 2.5), level(3, 1.6), level(4, 1.4), level(5, 1.8)])).toEqual([
      'firing flood.high wl-1 @0',
      'resolved flood.high wl-1 @4',
    ]);
  });

  it('keepFiringFor: resolves only after the condition has stayed away that long', () => {
    const rt = runtimeFor(head('flood.high') + 'on: water.level\nwhere: e.value >= 2.0\nkeepFiringFor: 5m\n');
    expect(run(rt, [level(0, 2.1), level(1, 1.0), level(3, 2.2), level(4, 1.0), level(8, 1.1), 9])).toEqual(['firing flood.high wl-1 @0', 'resolved flood.high wl-1 @9']);
  });

  it('windowed with for and clear', () => {
    const rt = runtimeFor(head('aq.high') + `on: aq.pm25
window: { size: 2m }
aggregate: { avg: avg(e.value) }
when: avg > 150.0
clear: avg < 100.0
for: 4m
`);
    const pm = (min: number, value: number) => ev(min, { type: 'aq.pm25', source: 'aq-1', value });
    expect(run(rt, [pm(0, 200), pm(2, 200), pm(4, 160), pm(6, 120), pm(8, 90), 10])).toEqual([
      'pending aq.high aq-1 @2',
      'firing aq.high aq-1 @6',
      'resolved aq.high aq-1 @10',
    ]);
  });
});

describe('absence', () => {
  const rule = head('sensor.offline') + 'on: water.level\nabsent: 10m\nmessage: { vi: "{{ key.source }} im lặng", en: "{{ key.source }} silent" }\n';

  it('fires when a key seen before is silent that long, resolves when it speaks', () => {
    const rt = runtimeFor(rule);
    const out = run(rt, [ev(0, { source: 'a' }), ev(1, { source: 'b' }), ev(8, { source: 'b' }), 10.5, ev(15, { source: 'b' }), ev(16, { source: 'a' }), 40], true);
    expect(out).toEqual([
      'firing sensor.offline a @10 a silent',
      'resolved sensor.offline a @16 a silent',
      'firing sensor.offline b @25 b silent',
      'firing sensor.offline a @26 a silent',
    ]);
  });
});

describe('isolation', () => {
  it('reports a rule that throws and keeps it running for other events; other rules are untouched', () => {
    const errors: string[] = [];
    const rt = runtimeFor(head('bad.rule') + 'on: water.level\nwhere: e.value > 1.0\n', {
      onRuleError: (id, e, err) => errors.push(`${id} ${e?.id} ${(err as Error).message}`),
    });
    const noValue: IocEvent = ev(0, { source: 'x' });
    expect(run(rt, [noValue, ev(1, { source: 'y', value: 2 })])).toEqual(['firing bad.rule y @1']);
    expect(errors).toEqual([`bad.rule ${noValue.id} rule bad.rule: where: No such key: value`]);
    expect(rt.counters().ruleErrors).toEqual({ 'bad.rule': 1 });
  });
});

describe('shadow rules', () => {
  it('run beside the live rule of the same id; their alerts carry the same rule id, a shadow flag and their own fingerprint', () => {
    const rules = `rules:
  - ${head('flood.level').trimEnd().replace(/\n/g, '\n    ')}
    on: water.level
    where: e.value > 2.0
  - ${head('flood.level').trimEnd().replace(/\n/g, '\n    ')}
    on: water.level
    where: e.value > 1.5
    mode: shadow
`;
    const rt = runtimeFor(rules);
    rt.process(ev(0, { value: 1.8 }));
    rt.process(ev(1, { value: 2.2 }));
    const changes = rt.takeChanges();
    expect(changes.map((a) => [a.rule, a.shadow ?? false, a.eventTime - T0])).toEqual([
      ['flood.level', true, 0],
      ['flood.level', false, MIN],
    ]);
    expect(changes[0]!.fingerprint).not.toBe(changes[1]!.fingerprint);
  });
});
