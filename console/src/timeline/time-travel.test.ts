import { describe, expect, it } from 'vitest';
import { CURSOR_SPAN_MS, TimeTravel, type PastView, type TimeView } from './time-travel.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const past = (at: number): PastView => ({ at, sensors: [], alerts: [], incidents: [] });

/** A fetch whose answers the test releases by hand, in any order. */
function manualFetch() {
  const waiting = new Map<number, (v: PastView) => void>();
  const fetch = (at: number) => new Promise<PastView>((resolve) => waiting.set(at, resolve));
  return { fetch, release: (at: number) => waiting.get(at)!(past(at)) };
}

describe('TimeTravel', () => {
  it('goes to a past instant through loading, and back to live', async () => {
    const seen: TimeView[] = [];
    const travel = new TimeTravel(async (at) => past(at), (v) => seen.push(v), () => NOW);
    await travel.goTo(NOW - 3600_000);
    expect(travel.isPast).toBe(true);
    expect(seen.map((v) => (v.mode === 'live' ? 'live' : v.status))).toEqual(['loading', 'ready']);
    travel.goLive();
    expect(travel.view).toEqual({ mode: 'live' });
  });

  it('shows the newest instant asked for, even when an older answer arrives last', async () => {
    const f = manualFetch();
    const travel = new TimeTravel(f.fetch, () => {}, () => NOW);
    const first = travel.goTo(NOW - 2 * 3600_000);
    const second = travel.goTo(NOW - 3600_000);
    f.release(NOW - 3600_000);
    await second;
    f.release(NOW - 2 * 3600_000);
    await first;
    expect(travel.view).toMatchObject({ mode: 'past', at: NOW - 3600_000, status: 'ready' });
  });

  it('drops an answer that arrives after returning to live', async () => {
    const f = manualFetch();
    const travel = new TimeTravel(f.fetch, () => {}, () => NOW);
    const going = travel.goTo(NOW - 60_000);
    travel.goLive();
    f.release(NOW - 60_000);
    await going;
    expect(travel.view).toEqual({ mode: 'live' });
  });

  it('clamps to the last 24 hours, treats now or later as live, and reports a failed fetch', async () => {
    const travel = new TimeTravel(async () => { throw new Error('RESOURCE_EXHAUSTED'); }, () => {}, () => NOW);
    await travel.goTo(NOW - 3 * CURSOR_SPAN_MS);
    expect(travel.view).toEqual({ mode: 'past', at: NOW - CURSOR_SPAN_MS, status: 'error', message: 'RESOURCE_EXHAUSTED' });
    await travel.goTo(NOW + 1);
    expect(travel.view).toEqual({ mode: 'live' });
  });
});
