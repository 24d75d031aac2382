// Bridges a live Observable to the async iterable a server-stream handler
// returns, with a bounded buffer: a client that reads too slowly gets a clear
// RESOURCE_EXHAUSTED and reconnects, instead of growing the engine's memory.

import type { Observable } from 'rxjs';
import { ResourceExhaustedError } from '../errors/index.ts';

/**
 * Yields the values of `source` until `signal` aborts or the source completes.
 * Subscribes at once (not at the first read), so nothing emitted between this
 * call and the first read is lost: take a snapshot after calling it.
 *
 * @example
 * for await (const alert of liveStream(bus.alerts(), { signal, maxBuffered: 10_000 })) send(alert)
 */
export function liveStream<T>(source: Observable<T>, opts: { signal: AbortSignal; maxBuffered: number }): AsyncGenerator<T> {
  const buffer: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sub = source.subscribe({
    next: (v) => {
      if (buffer.length >= opts.maxBuffered) {
        failure ??= new ResourceExhaustedError(`client is ${opts.maxBuffered} updates behind; reconnect to get a fresh snapshot`);
        notify();
        return;
      }
      buffer.push(v);
      notify();
    },
    error: (err: unknown) => {
      failure = err;
      notify();
    },
    complete: () => {
      done = true;
      notify();
    },
  });
  // Unsubscribe on abort too: a generator that is never read never reaches its `finally`.
  const onAbort = () => {
    sub.unsubscribe();
    notify();
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  return (async function* () {
    try {
      for (;;) {
        if (failure !== undefined) throw failure;
        if (buffer.length > 0) {
          yield buffer.shift()!;
          continue;
        }
        if (done || opts.signal.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      sub.unsubscribe();
      opts.signal.removeEventListener('abort', onAbort);
    }
  })();
}
