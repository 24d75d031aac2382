import { describe, expect, it } from 'vitest';
import { partitionOf } from './partition.ts';
import { partitionsOf, planOwnership } from './plan.ts';

describe('partitionOf', () => {
  it('is stable and spreads Hanoi-like zone ids over the partitions', () => {
    expect(partitionOf('hoang-mai', 32)).toBe(partitionOf('hoang-mai', 32));
    const zones = Array.from({ length: 579 }, (_, i) => `ward-${i}`);
    const counts = new Array(32).fill(0);
    for (const z of zones) counts[partitionOf(z, 32)]++;
    // 579 wards over 32 partitions: about 18 each; none empty, none with a third of the city.
    expect(Math.min(...counts)).toBeGreaterThan(5);
    expect(Math.max(...counts)).toBeLessThan(40);
  });
  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('x', 0)).toThrow('positive integer');
    expect(() => partitionOf('x', 2.5)).toThrow('positive integer');
  });
});

describe('planOwnership', () => {
  it('gives every partition exactly one owner and each member a fair share', () => {
    const plan = planOwnership(['b', 'a', 'c'], 32);
    expect(plan.size).toBe(32);
    const shares = ['a', 'b', 'c'].map((m) => partitionsOf(plan, m).length);
    expect(shares.reduce((s, n) => s + n, 0)).toBe(32);
    for (const s of shares) expect(s === 10 || s === 11).toBe(true);
  });
  it('is the same whatever order the members are listed in', () => {
    expect([...planOwnership(['c', 'a', 'b'], 16)]).toEqual([...planOwnership(['a', 'b', 'c'], 16)]);
  });
  it('moves few partitions between the members that stay when one joins or leaves', () => {
    const three = planOwnership(['a', 'b', 'c'], 32);
    const four = planOwnership(['a', 'b', 'c', 'd'], 32);
    expect(partitionsOf(four, 'd')).toHaveLength(8);
    // Besides the 8 that d takes, at most a few move between a, b and c to keep shares even.
    const reshuffled = [...three].filter(([p, m]) => four.get(p) !== m && four.get(p) !== 'd').length;
    expect(reshuffled).toBeLessThanOrEqual(4);
    // And when d leaves again, the plan is the three-member plan: d's partitions go back.
    expect([...planOwnership(['a', 'b', 'c'], 32)]).toEqual([...three]);
  });
  it('gives one member everything and no member nothing', () => {
    expect(partitionsOf(planOwnership(['solo'], 4), 'solo')).toEqual([0, 1, 2, 3]);
    expect(planOwnership([], 4).size).toBe(0);
  });
});
