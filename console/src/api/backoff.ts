// How long to wait before reconnecting: exponential with jitter, so that a wall
// of consoles does not hammer an engine that just came back. Pure; the random
// source is injected.

export interface BackoffPolicy {
  /** Delay before retry number `attempt` (0 = the first retry), in ms. */
  delay(attempt: number): number;
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Returns a number in [0, 1); Math.random by default. */
  random?: () => number;
}

/**
 * "Equal jitter": half the exponential step is fixed, half random, so a retry never
 * comes at once yet clients spread out.
 * @example exponentialBackoff().delay(3) // between 2000 and 4000 ms
 */
export function exponentialBackoff({ baseMs = 500, maxMs = 30_000, random = Math.random }: BackoffOptions = {}): BackoffPolicy {
  return {
    delay(attempt) {
      const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
      return Math.round(step / 2 + (random() * step) / 2);
    },
  };
}
