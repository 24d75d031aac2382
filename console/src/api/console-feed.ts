// Keeps the console connected to the engine's Watch stream: connect, expect a
// snapshot, pass updates on, and on any failure or sequence gap reconnect after
// a backoff, starting again from a fresh snapshot. It never gives up while started,
// and never throws into the UI: every outcome is a connection state.

import type { FeedUpdate } from '../state/index.ts';
import { exponentialBackoff, type BackoffPolicy } from './backoff.ts';

export type Connection =
  | { phase: 'connecting'; attempt: number }
  | { phase: 'live'; since: number }
  | { phase: 'reconnecting'; attempt: number; retryAt: number; reason: string };

/** Opens one Watch stream; it ends or throws when the connection does. */
export type WatchFn = (signal: AbortSignal) => AsyncIterable<FeedUpdate>;

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface FeedOptions {
  watch: WatchFn;
  /** Applies one update; 'resync' asks for a fresh snapshot (a gap was seen). */
  onUpdate(update: FeedUpdate): 'ok' | 'resync';
  onConnection(connection: Connection): void;
  backoff?: BackoffPolicy;
  clock?: Clock;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    }),
};

/**
 * @example
 * const feed = new ConsoleFeed({ watch: grpcWebWatch(location.origin), onUpdate, onConnection });
 * feed.start();
 */
export class ConsoleFeed {
  private running?: AbortController;
  private readonly backoff: BackoffPolicy;
  private readonly clock: Clock;

  constructor(private readonly options: FeedOptions) {
    this.backoff = options.backoff ?? exponentialBackoff();
    this.clock = options.clock ?? realClock;
  }

  /** Starts the connect loop; resolves when stop() is called. */
  start(): Promise<void> {
    this.stop();
    const running = new AbortController();
    this.running = running;
    return this.loop(running.signal);
  }

  stop(): void {
    this.running?.abort();
    this.running = undefined;
  }

  private async loop(stopped: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!stopped.aborted) {
      this.options.onConnection({ phase: 'connecting', attempt });
      const { live, reason } = await this.session(stopped);
      if (stopped.aborted) return;
      // A stream that reached a snapshot was healthy: its end starts the backoff afresh.
      if (live) attempt = 0;
      const delay = this.backoff.delay(attempt);
      this.options.onConnection({ phase: 'reconnecting', attempt: attempt + 1, retryAt: this.clock.now() + delay, reason });
      attempt++;
      await this.clock.sleep(delay, stopped);
    }
  }

  /** One stream, from connect to its end; says whether it went live and why it ended. */
  private async session(stopped: AbortSignal): Promise<{ live: boolean; reason: string }> {
    const call = new AbortController();
    const onStop = () => call.abort();
    stopped.addEventListener('abort', onStop, { once: true });
    let live = false;
    try {
      for await (const update of this.options.watch(call.signal)) {
        if (!live) {
          if (update.kind !== 'snapshot') return { live, reason: 'the stream did not start with a snapshot' };
          live = true;
          this.options.onConnection({ phase: 'live', since: this.clock.now() });
        }
        if (this.options.onUpdate(update) === 'resync') return { live, reason: 'updates were missed; reloading the snapshot' };
      }
      return { live, reason: 'the engine closed the stream' };
    } catch (err) {
      return { live, reason: err instanceof Error ? err.message : String(err) };
    } finally {
      call.abort();
      stopped.removeEventListener('abort', onStop);
    }
  }
}
