import { describe, expect, it } from 'vitest';
import { nextView, Rotation, type Timer } from './rotation.ts';

/** Timers in virtual time. */
function virtualTimer() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timer: Timer = {
    set: (fn, ms) => { pending.set(next, { at: now + ms, fn }); return next++; },
    clear: (h) => { pending.delete(h); },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = [...pending].filter(([, p]) => p.at <= until).sort((x, y) => x[1].at - y[1].at)[0];
      if (!due) break;
      pending.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = until;
  };
  return { timer, advance };
}

describe('nextView', () => {
  it('cycles through the views present, and starts over from an absent one', () => {
    expect(nextView(['map', 'queue', 'kpis'], 'map')).toBe('queue');
    expect(nextView(['map', 'queue', 'kpis'], 'kpis')).toBe('map');
    expect(nextView(['map', 'queue'], 'kpis')).toBe('map');
    expect(nextView([], 'queue')).toBe('queue');
  });
});

describe('Rotation', () => {
  it('ticks once per interval after the last restart', () => {
    const { timer, advance } = virtualTimer();
    const ticks: number[] = [];
    let t = 0;
    const rotation = new Rotation(20_000, () => { ticks.push(t); rotation.restart(); }, timer);
    rotation.restart();
    t = 1; advance(19_999);
    expect(ticks).toEqual([]);
    t = 2; advance(1);
    expect(ticks).toEqual([2]);
    // Another window moved the wall on: the interval counts from then.
    t = 3; advance(15_000); rotation.restart();
    t = 4; advance(15_000);
    expect(ticks).toEqual([2]);
    t = 5; advance(5_000);
    expect(ticks).toEqual([2, 5]);
    rotation.stop();
    advance(100_000);
    expect(ticks).toEqual([2, 5]);
  });

  it('keeps ticking when a tick moved nothing, until stopped', () => {
    // The page's views come after sign-in: the first ticks find nothing to rotate to and restart nothing.
    const { timer, advance } = virtualTimer();
    let ticks = 0;
    const rotation = new Rotation(2_000, () => { ticks++; }, timer);
    rotation.restart();
    advance(6_000);
    expect(ticks).toBe(3);
    rotation.stop();
    advance(10_000);
    expect(ticks).toBe(3);
  });

  it('stays stopped when a tick stops it, and never runs with an interval of 0', () => {
    const { timer, advance } = virtualTimer();
    let ticks = 0;
    const stopping = new Rotation(2_000, () => { ticks++; stopping.stop(); }, timer);
    stopping.restart();
    advance(10_000);
    expect(ticks).toBe(1);
    new Rotation(0, () => { ticks++; }, timer).restart();
    advance(10_000);
    expect(ticks).toBe(1);
  });
});
