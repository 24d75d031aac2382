// LeaseBoard in memory with expiry on an injected clock, for unit tests of
// ownership in virtual time. Same rules as the KV board: entries expire
// `leaseMs` after their last write; claims and renewals compare revisions.

import type { Lease, LeaseBoard, MemberInfo } from './board.ts';

export class MemoryBoard implements LeaseBoard {
  private revision = 0;
  private readonly memberEntries = new Map<string, { info: MemberInfo; at: number }>();
  private readonly leaseEntries = new Map<number, Lease & { at: number }>();

  constructor(
    private readonly leaseMs: number,
    private readonly clock: () => number,
  ) {}

  private live<T extends { at: number }>(e: T | undefined): T | undefined {
    return e && this.clock() - e.at < this.leaseMs ? e : undefined;
  }

  async heartbeat(member: MemberInfo): Promise<void> {
    this.memberEntries.set(member.id, { info: { ...member, owned: [...member.owned] }, at: this.clock() });
  }
  async leave(memberId: string): Promise<void> {
    this.memberEntries.delete(memberId);
  }
  async members(): Promise<MemberInfo[]> {
    return [...this.memberEntries.values()].filter((e) => this.live(e)).map((e) => e.info);
  }
  async claim(partition: number, owner: string, now: number): Promise<number | undefined> {
    if (this.live(this.leaseEntries.get(partition))) return undefined;
    const revision = ++this.revision;
    this.leaseEntries.set(partition, { owner, since: now, revision, at: this.clock() });
    return revision;
  }
  async renew(partition: number, lease: Lease): Promise<number | undefined> {
    const e = this.live(this.leaseEntries.get(partition));
    if (!e || e.revision !== lease.revision) return undefined;
    const revision = ++this.revision;
    this.leaseEntries.set(partition, { ...e, revision, at: this.clock() });
    return revision;
  }
  async release(partition: number, revision: number): Promise<void> {
    if (this.leaseEntries.get(partition)?.revision === revision) this.leaseEntries.delete(partition);
  }
  async leases(): Promise<Map<number, Lease>> {
    const out = new Map<number, Lease>();
    for (const [p, e] of this.leaseEntries) if (this.live(e)) out.set(p, { owner: e.owner, revision: e.revision, since: e.since });
    return out;
  }
}
