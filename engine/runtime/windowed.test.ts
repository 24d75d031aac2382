import { describe, expect, it } from 'vitest';
import { ev, MIN, run, runtimeFor, T0 } from './test-kit.ts';

const head = (id: string) => `id: ${id}\ntitle: { vi: "Cảnh báo", en: Alert }\nseverity: major\n`;

describe('tumbling windows', () => {
  const rule = head('hotline.burst') + `on: service.hotline
groupBy: [e.zone]
window: { size: 5m }
aggregate: { n: count() }
when: n >= 3
message: { vi: "{{ n }} cuộc gọi tại {{ key.zone }}", en: "{{ n }} calls in {{ key.zone }}" }
`;
  const call = (min: number, zone = 'hoan-kiem') => ev(min, { type: 'service.hotline', zone });

  it('fires at the end of a window whose count passes, resolves at the end of the next that does not', () => {
    const rt = runtimeFor(rule);
    expect(run(rt, [call(0), call(1), call(2), call(4.5), call(6), 10], true)).toEqual([
      'firing hotline.burst hoan-kiem @5 4 calls in hoan-kiem',
      'resolved hotline.burst hoan-kiem @10 1 calls in hoan-kiem',
    ]);
  });

  it('carries the aggregates that made it fire and resolve, as evidence', () => {
    const rt = runtimeFor(rule);
    for (const e of [call(0), call(1), call(2), call(4.5)]) rt.process(e);
    rt.advanceWatermark(T0 + 5 * MIN);
    expect(rt.takeChanges().map((a) => [a.state, a.values])).toEqual([['firing', { n: 4 }]]);
    rt.process(call(6));
    rt.advanceWatermark(T0 + 10 * MIN);
    expect(rt.takeChanges().map((a) => [a.state, a.values])).toEqual([['resolved', { n: 1 }]]);
  });

  it('keeps groups apart and closes windows only when the watermark passes their end', () => {
    const rt = runtimeFor(rule);
    expect(run(rt, [call(0), call(1, 'ba-dinh'), call(2), call(3), call(4.99)])).toEqual([]);
    expect(run(rt, [5])).toEqual(['firing hotline.burst hoan-kiem @5']);
  });

  it('resolves when a window has no events at all (no data)', () => {
    const rt = runtimeFor(rule);
    expect(run(rt, [call(0), call(1), call(2), 5, 10, 15])).toEqual(['firing hotline.burst hoan-kiem @5', 'resolved hotline.burst hoan-kiem @10']);
  });
});

describe('sliding windows', () => {
  const rule = head('aq.sustained') + `on: aq.pm25
window: { size: 10m, slide: 2m }
aggregate: { avg: avg(e.value), n: count() }
when: avg > 150.0 && n >= 3
message: { vi: "{{ avg }}", en: "avg {{ avg }} over {{ n }}" }
`;
  const pm = (min: number, value: number) => ev(min, { type: 'aq.pm25', source: 'aq-1', value });

  it('evaluates every slide over the panes of the last size', () => {
    const rt = runtimeFor(rule);
    const out = run(rt, [pm(0, 160), pm(1, 170), pm(3, 180), 4, pm(5, 100), pm(9, 100), 10, pm(11, 100), 12, 14], true);
    expect(out).toEqual([
      'firing aq.sustained aq-1 @4 avg 170 over 3',
      // At 10 the window [0,10) holds 160,170,180,100,100: avg 142 → resolved.
      'resolved aq.sustained aq-1 @10 avg 142 over 5',
    ]);
  });

  it('rejects a size that is not a multiple of the slide, at the slide', () => {
    expect(() => runtimeFor(rule.replace('slide: 2m', 'slide: 3m'))).toThrow();
  });
});

describe('session windows', () => {
  const rule = head('traffic.burst') + `on: traffic.speed
window: { session: 5m }
aggregate: { n: count(), low: min(e.value) }
when: n >= 3 && low < 10.0
`;
  const sp = (min: number, value: number) => ev(min, { type: 'traffic.speed', source: 'tf-1', value });

  it('closes a session a gap after its last event, and resolves a gap later without a new session', () => {
    const rt = runtimeFor(rule);
    expect(run(rt, [sp(0, 20), sp(2, 5), sp(4, 8), 8.99, 9, 13.99, 14])).toEqual(['firing traffic.burst tf-1 @9', 'resolved traffic.burst tf-1 @14']);
  });

  it('merges two sessions an out-of-order event bridges', () => {
    const rt = runtimeFor(rule, { allowedLatenessMs: 10 * 60_000 });
    // Sessions [0] and [8] are 8 min apart; the late event at 4 bridges them into one of 3 events.
    expect(run(rt, [sp(0, 20), sp(8, 5), sp(4, 8), 30])).toEqual(['firing traffic.burst tf-1 @13', 'resolved traffic.burst tf-1 @18']);
  });
});
