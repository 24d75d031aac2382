// Retry spacing for failing receivers: exponential, capped, with jitter so
// that many notifications to a receiver that comes back do not all hit it in
// the same millisecond. It must never return less than half the step.

export interface Backoff {
  /** Delay after the first failure, ms. */
  initialMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
}

/** Default: 1 s after the first failure, doubling up to 5 min. */
export const DEFAULT_BACKOFF: Readonly<Backoff> = { initialMs: 1000, maxMs: 5 * 60_000 };

/**
 * The delay before the next attempt after `attempts` failures: the step
 * `min(maxMs, initialMs · 2^(attempts−1))`, jittered within its upper half.
 *
 * @example
 * backoffDelay(3, { initialMs: 1000, maxMs: 300_000 }); // → between 2000 and 4000
 */
export function backoffDelay(attempts: number, b: Backoff, random: () => number = Math.random): number {
  const step = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(step / 2 + (random() * step) / 2);
}
