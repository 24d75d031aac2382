import { describe, expect, it } from 'vitest';
import { mulberry32, pick, subSeed, uniform } from './prng.ts';

describe('mulberry32', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(xs[0]).toBe(0.6011037519201636);
  });

  it('stays in [0, 1) and spreads evenly', () => {
    const r = mulberry32(1);
    const bins = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      if (x < 0 || x >= 1) outside++;
      else bins[Math.floor(x * 10)]! += 1;
    }
    expect(outside).toBe(0);
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });
});

describe('subSeed', () => {
  it('gives different streams for different labels and the same for the same', () => {
    expect(subSeed(7, 'storm', 1)).toBe(subSeed(7, 'storm', 1));
    expect(subSeed(7, 'storm', 1)).not.toBe(subSeed(7, 'storm', 2));
    expect(subSeed(7, 'storm', 1)).not.toBe(subSeed(8, 'storm', 1));
    expect(subSeed(7, 'storm', 12)).not.toBe(subSeed(7, 'storm1', 2));
  });
});

describe('uniform and pick', () => {
  it('draw inside the range and from the array', () => {
    const r = mulberry32(3);
    for (let i = 0; i < 1000; i++) {
      const x = uniform(r, 5, 6);
      expect(x >= 5 && x < 6).toBe(true);
      expect(['a', 'b', 'c']).toContain(pick(r, ['a', 'b', 'c']));
    }
  });
});
