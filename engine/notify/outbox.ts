// The outbox: notifications decided but not yet delivered, kept so that a
// crash loses none, plus a record of delivered ids so that a replayed decision
// is not sent twice. It must never deliver anything itself.

import type { NotificationRequest } from '../incidents/model.ts';

/** How long a delivered id is remembered by default (a replay later than this is sent again). */
export const DEFAULT_DELIVERED_RETENTION_MS = 7 * 24 * 3600_000;

/** A notification waiting for delivery. */
export interface PendingNotification {
  request: NotificationRequest;
  /** Attempts made so far. */
  attempts: number;
  /** Earliest wall-clock time of the next attempt, epoch ms (0: now). */
  nextAt: number;
}

/** How a notification left the outbox: delivered, or dropped after a permanent failure. */
export type OutboxOutcome = 'delivered' | 'dropped';

/**
 * Whether this process may attempt a notification now. Several engine
 * processes share one outbox; a claim (held until `until`) makes sure only
 * one attempts a notification at a time, and none after it was delivered.
 */
export type ClaimResult =
  | { kind: 'claimed' }
  /** Another process holds it until then. */
  | { kind: 'taken'; until: number }
  /** Delivered or dropped already (by any process), or gone. */
  | { kind: 'done' };

export interface Outbox {
  /** Adds a request; false (and no change) when its id is pending or was delivered within the retention. */
  add(req: NotificationRequest): Promise<boolean>;
  /** Every pending notification, oldest `createdAt` first. */
  pending(): Promise<PendingNotification[]>;
  /** Claims a pending notification for `owner` until `until` (epoch ms), unless another owner's claim still holds. */
  claim(id: string, owner: string, until: number): Promise<ClaimResult>;
  /** Records a failed attempt and when to try next (and releases the claim). */
  attempted(id: string, attempts: number, nextAt: number): Promise<void>;
  /** Removes it from the pending ones and remembers its id, so a later `add` of it returns false. */
  delivered(id: string, outcome?: OutboxOutcome): Promise<void>;
  /** Forgets delivered ids older than the retention; returns how many. */
  prune(): Promise<number>;
}

/** Oldest first, ties by id, so every engine orders a receiver's queue the same way. */
export function byCreatedAt(a: PendingNotification, b: PendingNotification): number {
  return a.request.createdAt - b.request.createdAt || (a.request.id < b.request.id ? -1 : a.request.id > b.request.id ? 1 : 0);
}

/**
 * An outbox in memory, for tests and the embedded mode without NATS (a crash
 * loses what it holds).
 *
 * @example
 * const outbox = new MemoryOutbox();
 * await outbox.add(req); // → true
 * await outbox.add(req); // → false
 */
export class MemoryOutbox implements Outbox {
  private readonly items = new Map<string, PendingNotification>();
  private readonly claims = new Map<string, { owner: string; until: number }>();
  /** Delivered id → when; insertion order is delivery order. */
  private readonly done = new Map<string, number>();
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(opts: { now?: () => number; retentionMs?: number } = {}) {
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? DEFAULT_DELIVERED_RETENTION_MS;
  }

  async add(req: NotificationRequest): Promise<boolean> {
    await this.prune();
    if (this.items.has(req.id) || this.done.has(req.id)) return false;
    this.items.set(req.id, { request: structuredClone(req), attempts: 0, nextAt: 0 });
    return true;
  }

  async pending(): Promise<PendingNotification[]> {
    return [...this.items.values()].map((p) => structuredClone(p)).sort(byCreatedAt);
  }

  async claim(id: string, owner: string, until: number): Promise<ClaimResult> {
    if (!this.items.has(id)) return { kind: 'done' };
    const c = this.claims.get(id);
    if (c && c.owner !== owner && c.until > this.now()) return { kind: 'taken', until: c.until };
    this.claims.set(id, { owner, until });
    return { kind: 'claimed' };
  }

  async attempted(id: string, attempts: number, nextAt: number): Promise<void> {
    const p = this.items.get(id);
    if (p) Object.assign(p, { attempts, nextAt });
    this.claims.delete(id);
  }

  async delivered(id: string): Promise<void> {
    this.items.delete(id);
    this.claims.delete(id);
    this.done.delete(id);
    this.done.set(id, this.now());
  }

  async prune(): Promise<number> {
    const cutoff = this.now() - this.retentionMs;
    let n = 0;
    for (const [id, at] of this.done) {
      if (at >= cutoff) break;
      this.done.delete(id);
      n++;
    }
    return n;
  }
}
