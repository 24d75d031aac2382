// Keeps one server stream open for as long as it is started: connect, wait for
// the stream to say it is current, pass updates on, and on any failure, end or
// gap reconnect after a backoff and start again from a fresh snapshot. It never
// gives up while started and never throws into the UI: every outcome is a
// connection state. Any feed (Console/Watch, Incidents/Watch) can use it.

import { exponentialBackoff, type BackoffPolicy } from './backoff.ts';

export type Connection =
  | { phase: 'connecting'; attempt: number }
  | { phase: 'live'; since: number }
  | { phase: 'reconnecting'; attempt: number; retryAt: number; reason: string };

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
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
 * What an update did to the stream:
 * - `ok`: applied;
 * - `live`: applied, and the snapshot is complete, so what is shown is now current;
 * - `resync`: updates were missed (or the stream is malformed); reconnect for a fresh snapshot.
 */
export type UpdateOutcome = 'ok' | 'live' | 'resync';

export interface KeptStreamOptions<U> {
  /** Opens the stream; it ends or throws when the connection does. Each call must start with a fresh snapshot. */
  open(signal: AbortSignal): AsyncIterable<U>;
  onUpdate(update: U): UpdateOutcome;
  onConnection(connection: Connection): void;
  backoff?: BackoffPolicy;
  clock?: Clock;
}

/**
 * @example
 * const incidents = new KeptStream({
 *   open: (signal) => client.watch({}, { signal }),
 *   onUpdate: (u) => { store.apply(u); return u.snapshotEnd ? 'live' : 'ok'; },
 *   onConnection: (c) => connections.report('incidents', c),
 * });
 * void incidents.start();
 */
export class KeptStream<U> {
  private running?: AbortController;
  private readonly backoff: BackoffPolicy;
  private readonly clock: Clock;

  constructor(private readonly options: KeptStreamOptions<U>) {
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
      // A stream that went live was healthy: its end starts the backoff afresh.
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
      for await (const update of this.options.open(call.signal)) {
        const outcome = this.options.onUpdate(update);
        if (outcome === 'resync') return { live, reason: live ? 'updates were missed; reloading the snapshot' : 'the stream did not start with a snapshot' };
        if (outcome === 'live' && !live) {
          live = true;
          this.options.onConnection({ phase: 'live', since: this.clock.now() });
        }
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
