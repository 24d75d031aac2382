// The shared board where engine processes announce themselves and lease
// partitions. Both are NATS KV buckets whose entries expire (the bucket's
// max age) unless renewed, so a process that dies — or stalls longer than the
// lease — disappears from the board by itself and its partitions become free.
// Claims are compare-and-set on the entry's revision, so two processes can
// never both hold a lease. Works on nats-server 2.9 (no per-message TTL).

export interface MemberInfo {
  /** Unique per process run: host, pid and start time. */
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  /** Partitions this member held at its last heartbeat (for `ioc cluster status`). */
  owned: number[];
}

export interface Lease {
  owner: string;
  revision: number;
  /** When the current owner first claimed it (epoch ms). */
  since: number;
}

/** Members and leases; implemented on NATS KV (kv-board.ts) and in memory for unit tests. */
export interface LeaseBoard {
  /** Announces this member again; it vanishes one lease length after the last heartbeat. */
  heartbeat(member: MemberInfo): Promise<void>;
  /** Removes this member at once (a clean stop). */
  leave(memberId: string): Promise<void>;
  members(): Promise<MemberInfo[]>;
  /** Takes a free partition; the lease revision, or undefined when someone holds it. */
  claim(partition: number, owner: string, now: number): Promise<number | undefined>;
  /** Extends a held lease; the new revision, or undefined when it was lost (expired and taken, or released). */
  renew(partition: number, lease: Lease): Promise<number | undefined>;
  /** Frees a held lease (only if still at `revision`). */
  release(partition: number, revision: number): Promise<void>;
  leases(): Promise<Map<number, Lease>>;
}
