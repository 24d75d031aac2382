// `ioc cluster status`: which engine process owns which partition, and how
// far behind each partition's consumer is. Reads the lease board and the
// consumers' info; changes nothing.

import type { NatsConnection } from 'nats';
import type { Lease, MemberInfo } from './board.ts';
import { openKvBoard } from './kv-board.ts';
import { CITY_CONSUMER, partitionSource, ROUTER_CONSUMER } from './router.ts';

export interface PartitionStatus {
  partition: number;
  owner: string | undefined;
  /** Events in the partition not yet delivered to its consumer; undefined when it has no consumer yet. */
  pending: number | undefined;
  /** Delivered but not yet acknowledged (committed). */
  inFlight: number | undefined;
}

export interface ClusterStatus {
  partitions: number;
  members: MemberInfo[];
  router: { owner: string | undefined; pending: number | undefined };
  /** The city-wide rules' slot: its owner, and what its consumer has not read yet (undefined while no city-wide rule has run). */
  city: { owner: string | undefined; pending: number | undefined };
  rows: PartitionStatus[];
}

/** Reads the board and every partition consumer of a deployment with `partitions` partitions. */
export async function readClusterStatus(nc: NatsConnection, o: { partitions: number; eventsStream: string; partitionsStream: string }): Promise<ClusterStatus> {
  let members: MemberInfo[] = [];
  let leases = new Map<number, Lease>();
  try {
    const board = await openKvBoard(nc, { leaseMs: 0, bindOnly: true });
    [members, leases] = await Promise.all([board.members(), board.leases()]);
  } catch {
    // No board yet: no engine has joined.
  }
  const jsm = await nc.jetstreamManager();
  const info = async (stream: string, consumer: string) => jsm.consumers.info(stream, consumer).catch(() => undefined);
  const rows: PartitionStatus[] = [];
  for (let p = 0; p < o.partitions; p++) {
    const source = partitionSource(o.partitionsStream, p);
    const c = await info(source.stream, source.consumer);
    rows.push({ partition: p, owner: leases.get(p)?.owner, pending: c?.num_pending, inFlight: c?.num_ack_pending });
  }
  const router = await info(o.eventsStream, ROUTER_CONSUMER);
  const city = await info(o.eventsStream, CITY_CONSUMER);
  return {
    partitions: o.partitions,
    members,
    router: { owner: leases.get(o.partitions)?.owner, pending: router?.num_pending },
    city: { owner: leases.get(o.partitions + 1)?.owner, pending: city?.num_pending },
    rows,
  };
}

/** The status as the terminal shows it. */
export function formatClusterStatus(s: ClusterStatus, now = Date.now()): string {
  const lines: string[] = [];
  lines.push(`${s.members.length} engine process(es), ${s.partitions} partitions`);
  for (const m of [...s.members].sort((a, b) => a.id.localeCompare(b.id))) {
    lines.push(`  ${m.id}  host ${m.host} pid ${m.pid}, up ${Math.round((now - m.startedAt) / 1000)} s, owns ${m.owned.length} slot(s)`);
  }
  const dash = (n: number | undefined) => (n === undefined ? '-' : String(n));
  lines.push(`router: ${s.router.owner ?? 'nobody'} (IOC_EVENTS not yet routed: ${dash(s.router.pending)})`);
  lines.push(`city-wide rules: ${s.city.owner ?? 'nobody'} (IOC_EVENTS not yet read: ${dash(s.city.pending)})`);
  lines.push('partition  owner                                    behind  in flight');
  for (const r of s.rows) lines.push(`${String(r.partition).padStart(9)}  ${(r.owner ?? 'nobody').padEnd(40)} ${dash(r.pending).padStart(7)}  ${dash(r.inFlight).padStart(9)}`);
  const orphans = s.rows.filter((r) => r.owner === undefined).length;
  if (orphans > 0) lines.push(`${orphans} partition(s) owned by nobody: they wait for a lease to expire or for an engine to join`);
  return lines.join('\n');
}
