import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './backoff.ts';

describe('exponentialBackoff', () => {
  it('doubles the step per attempt up to the cap, jittering within its upper half', () => {
    fc.assert(
      fc.property(fc.nat({ max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const step = Math.min(30_000, 500 * 2 ** attempt);
        const d = exponentialBackoff({ random: () => r }).delay(attempt);
        expect(d).toBeGreaterThanOrEqual(step / 2);
        expect(d).toBeLessThanOrEqual(step);
      }),
    );
  });

  it('spreads clients over the range', () => {
    expect(exponentialBackoff({ random: () => 0 }).delay(2)).toBe(1000);
    expect(exponentialBackoff({ random: () => 0.999 }).delay(2)).toBe(1999);
  });
});
