// Keeps the console connected to the engine's Console/Watch stream: a snapshot
// first, then deltas, each with its sequence number. On a gap, a failure or the
// engine's end of the stream it reconnects (see KeptStream) and starts again from
// a fresh snapshot, so nothing shown is silently stale.

import type { FeedUpdate } from '../state/index.ts';
import type { BackoffPolicy } from './backoff.ts';
import { KeptStream, type Clock, type Connection } from './kept-stream.ts';

export type { Clock, Connection } from './kept-stream.ts';

/** Opens one Watch stream; it ends or throws when the connection does. */
export type WatchFn = (signal: AbortSignal) => AsyncIterable<FeedUpdate>;

export interface FeedOptions {
  watch: WatchFn;
  /** Applies one update; 'resync' asks for a fresh snapshot (a gap was seen). */
  onUpdate(update: FeedUpdate): 'ok' | 'resync';
  onConnection(connection: Connection): void;
  backoff?: BackoffPolicy;
  clock?: Clock;
}

/**
 * @example
 * const feed = new ConsoleFeed({ watch: grpcWebWatch(location.origin), onUpdate, onConnection });
 * feed.start();
 */
export class ConsoleFeed {
  private readonly stream: KeptStream<FeedUpdate>;

  constructor(options: FeedOptions) {
    let started = false;
    this.stream = new KeptStream<FeedUpdate>({
      open: (signal) => {
        started = false;
        return options.watch(signal);
      },
      onUpdate: (update) => {
        // Console/Watch's snapshot is one message: the stream is current as soon as it is applied.
        if (!started && update.kind !== 'snapshot') return 'resync';
        if (options.onUpdate(update) === 'resync') return 'resync';
        if (started) return 'ok';
        started = true;
        return 'live';
      },
      onConnection: options.onConnection,
      backoff: options.backoff,
      clock: options.clock,
    });
  }

  /** Starts the connect loop; resolves when stop() is called. */
  start(): Promise<void> {
    return this.stream.start();
  }

  stop(): void {
    this.stream.stop();
  }
}
