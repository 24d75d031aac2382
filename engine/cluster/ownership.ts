// One process's side of partition ownership. Each round it heartbeats,
// computes the shared plan from the live members, gives back partitions the
// plan moved away (after its handler has checkpointed and stopped them),
// renews the rest, and claims the planned ones that are free. A partition
// moves only through a free lease, so two processes never run it at once;
// one that lost its lease (it stalled past the lease length) is told so and
// must drop that partition's state without writing it.
//
// A holder also expires its own leases, a margin before the board can: the
// board counts a lease from when it received the write, which is after the
// holder sent it, so "valid here" implies "not yet claimable by anyone else".
// That keeps two processes from believing they hold one partition even when
// a round is late; the checkpoint's compare-and-set still fences the state.

import type { Lease, LeaseBoard, MemberInfo } from './board.ts';
import { partitionsOf, planOwnership } from './plan.ts';

export type RevokeReason = 'rebalanced' | 'lost' | 'stopping';

export interface OwnershipHandlers {
  /** The partition is ours now: load its checkpoint and start consuming it. */
  assigned(partition: number): Promise<void>;
  /**
   * The partition is no longer ours. `rebalanced` and `stopping`: checkpoint
   * and stop before the lease is released. `lost`: another process may hold
   * it already; stop and write nothing.
   */
  revoked(partition: number, reason: RevokeReason): Promise<void>;
}

export interface OwnershipOptions {
  board: LeaseBoard;
  member: Omit<MemberInfo, 'owned'>;
  partitions: number;
  handlers: OwnershipHandlers;
  /** The board's lease length; leases count as lost here `safetyMs` before it. */
  leaseMs: number;
  /** Default: a tenth of the lease, at least 100 ms. */
  safetyMs?: number;
  /** Epoch ms, monotonic; injected so rounds can run in virtual time. */
  clock?: () => number;
  /** Called with each step of a round (for debugging stalls). */
  trace?(step: string): void;
}

interface HeldLease extends Lease {
  /** When the write that last claimed or renewed it was sent. */
  sentAt: number;
}

export interface RoundResult {
  assigned: number[];
  revoked: number[];
  lost: number[];
  /** Planned to be ours but still held by another member (it will release it, or its lease will expire). */
  waiting: number[];
}

export class PartitionOwnership {
  private readonly held = new Map<number, HeldLease>();
  private readonly clock: () => number;
  private readonly validMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: OwnershipOptions) {
    if (!Number.isInteger(opts.partitions) || opts.partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${opts.partitions}`);
    this.clock = opts.clock ?? (() => performance.timeOrigin + performance.now());
    this.validMs = opts.leaseMs - (opts.safetyMs ?? Math.max(100, opts.leaseMs / 10));
    if (this.validMs <= 0) throw new RangeError(`leaseMs ${opts.leaseMs} leaves no time to hold a lease`);
  }

  private valid(lease: HeldLease, now: number): boolean {
    return now - lease.sentAt < this.validMs;
  }

  get id(): string {
    return this.opts.member.id;
  }

  /** The partitions this process holds a still-valid lease on, ascending. */
  owned(): number[] {
    const now = this.clock();
    const out: number[] = [];
    for (const [p, lease] of this.held) if (this.valid(lease, now)) out.push(p);
    return out.sort((a, b) => a - b);
  }

  /** One round: heartbeat, plan, release, renew, claim. */
  async round(): Promise<RoundResult> {
    const { board, handlers, partitions } = this.opts;
    const self = this.id;
    const result: RoundResult = { assigned: [], revoked: [], lost: [], waiting: [] };
    // A round that comes too late: our leases may already be claimable, so they are gone.
    const start = this.clock();
    for (const [p, lease] of [...this.held]) {
      if (this.valid(lease, start)) continue;
      this.held.delete(p);
      await handlers.revoked(p, 'lost');
      result.lost.push(p);
    }
    this.opts.trace?.('heartbeat');
    await board.heartbeat({ ...this.opts.member, owned: this.owned() });
    this.opts.trace?.('members');
    const members = (await board.members()).map((m) => m.id);
    if (!members.includes(self)) members.push(self);
    const plan = planOwnership(members, partitions);

    // Renew what stays ours first, so slow hand-overs below cannot let those leases run out.
    const moving: [number, HeldLease][] = [];
    for (const [p, lease] of [...this.held]) {
      if (plan.get(p) !== self) {
        moving.push([p, lease]);
        continue;
      }
      const sentAt = this.clock();
      this.opts.trace?.(`renew ${p}`);
      const revision = await board.renew(p, lease);
      if (revision === undefined || !this.valid({ ...lease, sentAt }, this.clock())) {
        // Lost, or renewed too slowly to count on: give it up (the board will expire it).
        this.held.delete(p);
        await handlers.revoked(p, 'lost');
        result.lost.push(p);
      } else {
        lease.revision = revision;
        lease.sentAt = sentAt;
      }
    }
    // Hand over what the plan moved, all at once: each is checkpointed by its handler, then released.
    await Promise.all(moving.map(async ([p, lease]) => {
      this.held.delete(p);
      this.opts.trace?.(`revoke ${p}`);
      await handlers.revoked(p, 'rebalanced');
      await board.release(p, lease.revision);
      result.revoked.push(p);
    }));
    result.revoked.sort((a, b) => a - b);

    for (const p of partitionsOf(plan, self)) {
      if (this.held.has(p)) continue;
      const now = this.clock();
      this.opts.trace?.(`claim ${p}`);
      const revision = await board.claim(p, self, now);
      if (revision === undefined) {
        result.waiting.push(p);
        continue;
      }
      this.held.set(p, { owner: self, revision, since: now, sentAt: now });
      try {
        await handlers.assigned(p);
      } catch (err) {
        // Could not start it (e.g. its checkpoint did not load): let it go so another round, or another member, retries.
        this.held.delete(p);
        await board.release(p, revision);
        throw err;
      }
      result.assigned.push(p);
    }
    return result;
  }

  /**
   * Runs rounds every `intervalMs` until stop(); the lease length must be
   * several intervals, so a slow round cannot let a lease expire.
   */
  start(intervalMs: number, onRound: (r: RoundResult) => void = () => undefined, onError: (err: unknown) => void = () => undefined): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.round().then(onRound, onError).finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, intervalMs);
      });
    };
    loop();
  }

  /** Stops the rounds, hands every partition back (checkpointed by the handler) and leaves the board. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
    for (const [p, lease] of [...this.held]) {
      this.held.delete(p);
      await this.opts.handlers.revoked(p, 'stopping');
      await this.opts.board.release(p, lease.revision);
    }
    await this.opts.board.leave(this.id);
  }
}
