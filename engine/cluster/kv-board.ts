// LeaseBoard on two NATS KV buckets with a max age: `<prefix>_MEMBERS`
// (key m.<id>) and `<prefix>_LEASES` (key p.<partition>). A lease is held by
// the revision its holder last wrote; create/update/delete are conditional
// on that revision, so a lost lease cannot be renewed or released by mistake.

import type { JetStreamManager, KV, NatsConnection } from 'nats';
import { kvKeys } from '../bus/kv-keys.ts';
import type { Lease, LeaseBoard, MemberInfo } from './board.ts';

export interface KvBoardOptions {
  /** Bucket name prefix; default `IOC_CLUSTER`. */
  prefix?: string;
  /** Lease length: entries not renewed within it expire. */
  leaseMs: number;
  replicas?: number;
  /** Read an existing board only (`ioc cluster status`): never create the buckets. */
  bindOnly?: boolean;
}

interface LeaseValue {
  owner: string;
  since: number;
}

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const decode = <T>(b: Uint8Array): T => JSON.parse(new TextDecoder().decode(b)) as T;

/** True for the JetStream error a failed compare-and-set gives (wrong last sequence, or key exists). */
function isConflict(err: unknown): boolean {
  const m = err instanceof Error ? err.message : String(err);
  return /wrong last sequence|key exists|10071/i.test(m);
}

export async function openKvBoard(nc: NatsConnection, opts: KvBoardOptions): Promise<LeaseBoard> {
  const prefix = opts.prefix ?? 'IOC_CLUSTER';
  const js = nc.jetstream();
  const bucket = (name: string) => js.views.kv(`${prefix}_${name}`, opts.bindOnly ? { bindOnly: true } : { history: 1, ttl: opts.leaseMs, replicas: opts.replicas ?? 1 });
  const [membersKv, leasesKv] = await Promise.all([bucket('MEMBERS'), bucket('LEASES')]);
  return new KvBoard(await nc.jetstreamManager(), `${prefix}_MEMBERS`, membersKv, `${prefix}_LEASES`, leasesKv);
}

class KvBoard implements LeaseBoard {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly membersBucket: string,
    private readonly membersKv: KV,
    private readonly leasesBucket: string,
    private readonly leasesKv: KV,
  ) {}

  async heartbeat(member: MemberInfo): Promise<void> {
    await this.membersKv.put(`m.${member.id}`, encode(member));
  }

  async leave(memberId: string): Promise<void> {
    await this.membersKv.delete(`m.${memberId}`);
  }

  async members(): Promise<MemberInfo[]> {
    const out: MemberInfo[] = [];
    for (const key of await kvKeys(this.jsm, this.membersBucket)) {
      const e = await this.membersKv.get(key);
      if (e && e.operation === 'PUT') out.push(decode<MemberInfo>(e.value));
    }
    return out;
  }

  async claim(partition: number, owner: string, now: number): Promise<number | undefined> {
    try {
      return await this.leasesKv.create(`p.${partition}`, encode({ owner, since: now } satisfies LeaseValue));
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  }

  async renew(partition: number, lease: Lease): Promise<number | undefined> {
    try {
      return await this.leasesKv.update(`p.${partition}`, encode({ owner: lease.owner, since: lease.since } satisfies LeaseValue), lease.revision);
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  }

  async release(partition: number, revision: number): Promise<void> {
    try {
      await this.leasesKv.delete(`p.${partition}`, { previousSeq: revision });
    } catch (err) {
      if (!isConflict(err)) throw err; // already lost: nothing to release
    }
  }

  async leases(): Promise<Map<number, Lease>> {
    const out = new Map<number, Lease>();
    for (const key of await kvKeys(this.jsm, this.leasesBucket)) {
      const e = await this.leasesKv.get(key);
      if (!e || e.operation !== 'PUT') continue;
      const v = decode<LeaseValue>(e.value);
      out.set(Number(key.slice(2)), { owner: v.owner, since: v.since, revision: e.revision });
    }
    return out;
  }
}
