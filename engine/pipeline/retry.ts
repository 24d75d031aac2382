// Retrying a side effect until it succeeds or the engine stops. Used where
// giving up would lose data: storage writes, alert and dead-letter publishes,
// checkpoints. Backoff is exponential with jitter, capped.

import { errorMessage } from '../errors/index.ts';

export interface RetryPolicy {
  /** First pause, ms. */
  initialMs: number;
  /** Longest pause, ms. */
  maxMs: number;
  signal: AbortSignal;
  /** Called before each pause with the attempt number (1 = first failure). */
  onRetry?(err: unknown, attempt: number, pauseMs: number): void;
  /** Errors for which this returns false are thrown at once instead of retried (default: retry all). */
  retryIf?(err: unknown): boolean;
  /** Injected for tests; defaults to setTimeout. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
}

/** Thrown when the engine stopped while an operation was still being retried. */
export class StoppedError extends Error {
  constructor(what: string, cause: unknown) {
    super(`stopped while retrying ${what}: ${errorMessage(cause)}`, { cause });
    this.name = 'StoppedError';
  }
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `op` until it resolves.
 *
 * @example
 * await retrying('insert events', () => store.insertEvents(rows), { initialMs: 100, maxMs: 10_000, signal })
 */
export async function retrying<T>(what: string, op: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (policy.signal.aborted) throw new StoppedError(what, err);
      if (policy.retryIf && !policy.retryIf(err)) throw err;
      const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt - 1, 20));
      const pause = Math.round(base / 2 + Math.random() * (base / 2));
      policy.onRetry?.(err, attempt, pause);
      await sleep(pause, policy.signal);
      if (policy.signal.aborted) throw new StoppedError(what, err);
    }
  }
}
