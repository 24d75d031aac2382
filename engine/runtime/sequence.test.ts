import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { ev, run, runtimeFor } from './test-kit.ts';

const rainThenRise = `id: flood.rain-then-rise
title: { vi: "Mưa rồi nước lên", en: Rain then rise }
severity: major
sequence:
  - { as: rain, on: weather.rain, where: e.value > 50.0 }
  - { as: rise, on: water.level, where: e.value > 1.5, within: 30m }
sameKey: [e.zone]
keepFiringFor: 10m
message: { vi: "{{ rain.value }} mm rồi {{ rise.value }} m", en: "{{ rain.value }} mm then {{ rise.value }} m in {{ key.zone }}" }
`;
const rain = (min: number, value: number, zone = 'hm') => ev(min, { type: 'weather.rain', source: 'r1', zone, value });
const level = (min: number, value: number, zone = 'hm') => ev(min, { type: 'water.level', source: 'w1', zone, value });

describe('sequences', () => {
  it('fire when the steps come in order within the time, per key, and resolve keepFiringFor later', () => {
    const rt = runtimeFor(rainThenRise);
    expect(run(rt, [rain(0, 60), level(10, 1.2), level(20, 1.8), rain(21, 70, 'other'), 40], true)).toEqual([
      'firing flood.rain-then-rise hm @20 60 mm then 1.8 m in hm',
      'resolved flood.rain-then-rise hm @30 60 mm then 1.8 m in hm',
    ]);
  });

  it('do not fire when the second step comes too late or in another key', () => {
    const rt = runtimeFor(rainThenRise);
    expect(run(rt, [rain(0, 60), level(30, 1.8), level(31, 1.9, 'other'), 60])).toEqual([]);
  });

  it('match in event time: a rise that arrives before the rain it follows still matches', () => {
    const rt = runtimeFor(rainThenRise, { allowedLatenessMs: 5 * 60_000 });
    expect(run(rt, [level(3, 1.8), rain(1, 60), 20])).toEqual(['firing flood.rain-then-rise hm @3', 'resolved flood.rain-then-rise hm @13']);
  });

  it('negation: A then no B within T fires when T has passed without B', () => {
    const rule = `id: flood.pump-silent
title: { vi: "Bơm không chạy", en: Pump did not start }
severity: critical
sequence:
  - { as: high, on: water.level, where: e.value > 2.0 }
  - { as: pump, on: pump.status, where: e.attrs.state == "on", within: 15m, not: true }
sameKey: [e.zone]
`;
    const rt = runtimeFor(rule);
    const pump = (min: number, zone: string) => ev(min, { type: 'pump.status', zone, attrs: { state: 'on' } });
    expect(run(rt, [level(0, 2.5, 'a'), level(1, 2.5, 'b'), pump(10, 'b'), 14.99, 15, 16, 60])).toEqual([
      'firing flood.pump-silent a @15',
      'resolved flood.pump-silent a @45',
    ]);
  });

  it('bound the partial matches per key, dropping the oldest', () => {
    const rt = runtimeFor(rainThenRise + 'maxPartials: 2\n');
    // Three rains start three partial matches; the first is dropped, so its own 30 min would not matter anyway,
    // but the counter shows it.
    expect(run(rt, [rain(0, 60), rain(1, 60), rain(2, 60), level(29.5, 1.8), 100])).toEqual(['firing flood.rain-then-rise hm @29.5', 'resolved flood.rain-then-rise hm @39.5']);
    expect(rt.counters().droppedPartials).toEqual({ 'flood.rain-then-rise': 1 });
  });

  it('drop the oldest partial: the match uses the newer one', () => {
    const bounded = runtimeFor(rainThenRise + 'maxPartials: 1\n');
    const unbounded = runtimeFor(rainThenRise);
    const steps = () => [rain(0, 60), rain(1, 55), level(5, 1.8), 6];
    expect(run(bounded, steps(), true)[0]).toBe('firing flood.rain-then-rise hm @5 55 mm then 1.8 m in hm');
    expect(run(unbounded, steps(), true)[0]).toBe('firing flood.rain-then-rise hm @5 60 mm then 1.8 m in hm');
  });

  it('give the same alerts whatever the arrival order within the allowed lateness', () => {
    const negation = `id: flood.rain-no-gauge
title: { vi: "Mưa, trạm im", en: "Rain, gauge silent" }
severity: major
sequence:
  - { as: rain, on: weather.rain, where: e.value > 50.0 }
  - { as: gauge, on: water.level, within: 20m, not: true }
sameKey: [e.zone]
maxPartials: 3
`;
    // Distinct times (seconds), so no two events tie and arrival order alone could decide.
    const step = fc.record({ rain: fc.boolean(), value: fc.integer({ min: 0, max: 100 }), zone: fc.constantFrom('a', 'b') });
    const feed = fc.uniqueArray(fc.integer({ min: 0, max: 180 * 60 }), { minLength: 1, maxLength: 40 }).chain((times) =>
      fc.tuple(fc.constant(times), fc.array(step, { minLength: times.length, maxLength: times.length }), fc.func(fc.integer())),
    );
    fc.assert(
      fc.property(feed, ([times, steps, order]) => {
        const events: IocEvent[] = times.map((sec, i) => {
          const s = steps[i]!;
          return s.rain ? rain(sec / 60, s.value, s.zone) : level(sec / 60, s.value / 40, s.zone);
        });
        const inTime = [...events].sort((x, y) => x.time - y.time);
        const shuffled = events.map((e, i) => ({ e, k: order(i) })).sort((x, y) => x.k - y.k).map((x) => x.e);
        const lateness = { allowedLatenessMs: 4 * 60 * 60_000 };
        for (const rule of [rainThenRise, negation]) {
          expect(run(runtimeFor(rule, lateness), [...shuffled, 500], true)).toEqual(run(runtimeFor(rule, lateness), [...inTime, 500], true));
        }
      }),
      { numRuns: 200 },
    );
  });
});
