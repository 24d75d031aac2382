// One connection state for the whole page, made of every feed's own: the header
// shows the worst of them, and since when the data has been stale. Plain
// TypeScript, no DOM; the feeds report to it and the views subscribe.

import type { Connection } from './kept-stream.ts';

export type ConnectionPhase = Connection['phase'];

export interface FeedState {
  name: string;
  connection: Connection;
}

export interface ConnectionSummary {
  /** The worst phase of all feeds: reconnecting, then connecting, then live. */
  phase: ConnectionPhase;
  feeds: readonly FeedState[];
  /** When the first feed that had been live stopped being live; undefined while everything that was live still is. */
  staleSince: number | undefined;
  /** The earliest retry among the reconnecting feeds. */
  retryAt: number | undefined;
  /** Why the first reconnecting feed lost its stream. */
  reason: string;
}

const rank: Record<ConnectionPhase, number> = { live: 0, connecting: 1, reconnecting: 2 };

/**
 * @example
 * const board = new ConnectionBoard();
 * const off = board.subscribe((s) => render(s.phase));
 * new KeptStream({ ..., onConnection: (c) => board.report('incidents', c) });
 */
export class ConnectionBoard {
  private readonly feeds = new Map<string, Connection>();
  /** Per feed, when it left 'live' (only for feeds that had been live). */
  private readonly leftLive = new Map<string, number>();
  private readonly listeners = new Set<(summary: ConnectionSummary) => void>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Records a feed's new state and tells every subscriber. */
  report(name: string, connection: Connection): void {
    const before = this.feeds.get(name);
    this.feeds.set(name, connection);
    if (connection.phase === 'live') this.leftLive.delete(name);
    else if (before?.phase === 'live') this.leftLive.set(name, this.now());
    this.notify();
  }

  /** Forgets a feed (it was stopped on purpose). */
  remove(name: string): void {
    this.feeds.delete(name);
    this.leftLive.delete(name);
    this.notify();
  }

  summary(): ConnectionSummary {
    const feeds = [...this.feeds].map(([name, connection]) => ({ name, connection }));
    let phase: ConnectionPhase = feeds.length === 0 ? 'connecting' : 'live';
    let retryAt: number | undefined;
    let reason = '';
    for (const { connection: c } of feeds) {
      if (rank[c.phase] > rank[phase]) phase = c.phase;
      if (c.phase === 'reconnecting') {
        retryAt = retryAt === undefined ? c.retryAt : Math.min(retryAt, c.retryAt);
        reason ||= c.reason;
      }
    }
    const stale = [...this.leftLive.values()];
    return { phase, feeds, staleSince: stale.length ? Math.min(...stale) : undefined, retryAt, reason };
  }

  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: (summary: ConnectionSummary) => void): () => void {
    this.listeners.add(listener);
    listener(this.summary());
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    const summary = this.summary();
    for (const l of this.listeners) l(summary);
  }
}
