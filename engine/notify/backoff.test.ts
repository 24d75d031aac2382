import { expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

it('doubles from the initial delay up to the maximum, jittered within the upper half', () => {
  const b = { initialMs: 1000, maxMs: 300_000 };
  expect([1, 2, 3, 20].map((n) => backoffDelay(n, b, () => 0))).toEqual([500, 1000, 2000, 150_000]);
  expect([1, 2, 3, 20].map((n) => backoffDelay(n, b, () => 1))).toEqual([1000, 2000, 4000, 300_000]);
});
