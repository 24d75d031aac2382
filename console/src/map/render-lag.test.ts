import { describe, expect, it } from 'vitest';
import { RenderLag } from './render-lag.ts';

describe('RenderLag', () => {
  it('measures from the first update of a batch to the first complete frame after the source took it in', () => {
    const lag = new RenderLag();
    lag.arrived(100);
    lag.arrived(110);
    const v = lag.flushed();
    lag.drawn(120, true); // not yet taken in by the source
    lag.applied(v);
    lag.drawn(130, false); // tiles still reloading
    lag.drawn(150, true);
    lag.drawn(170, true);
    expect(lag.summary()).toEqual({ batches: 1, p50: 50, p95: 50, max: 50 });
  });

  it('counts batches that drew in one frame each from their own start', () => {
    const lag = new RenderLag();
    lag.arrived(0);
    const a = lag.flushed();
    lag.arrived(40);
    const b = lag.flushed();
    expect(lag.flushed()).toBe(b + 1); // nothing arrived: nothing to measure
    lag.applied(a);
    lag.applied(b);
    lag.drawn(100, true);
    expect(lag.summary()).toMatchObject({ batches: 2, p50: 100, max: 100 });
    lag.reset();
    expect(lag.summary()).toEqual({ batches: 0, p50: 0, p95: 0, max: 0 });
  });
});
