// Partition ownership on a real nats-server 2.9: three "engine processes"
// (each its own connection and PartitionOwnership) share 12 partitions
// through the KV lease board. One dies without a word (its connection closed,
// its rounds stopped): once its lease expires the survivors take its
// partitions. One joins: it gets a fair share, each partition released by its
// old owner before it is claimed. At no sampled moment do two hold the same partition.

import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openKvBoard, PartitionOwnership } from '../engine/cluster/index.ts';
import { waitUntil } from './harness/engine.ts';
import { startNats, type NatsServer } from './harness/nats.ts';

const P = 12;
const LEASE_MS = 3_000;
const ROUND_MS = 400;

let nats: NatsServer;
/** Each member's connection, by member id (joins run concurrently: no order to rely on). */
const connections = new Map<string, NatsConnection>();
const members = new Map<string, PartitionOwnership>();
/** Members whose rounds have stopped, as a killed process's would. */
const killed = new Set<string>();
const events: string[] = [];

beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  for (const id of members.keys()) killed.add(id);
  for (const m of members.values()) await m.stop().catch(() => undefined);
  for (const nc of connections.values()) await nc.close().catch(() => undefined);
  await nats?.destroy();
});

async function join(id: string): Promise<PartitionOwnership> {
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  connections.set(id, nc);
  const board = await openKvBoard(nc, { leaseMs: LEASE_MS });
  const o = new PartitionOwnership({
    board, partitions: P, leaseMs: LEASE_MS, member: { id, host: 'loopback', pid: process.pid, startedAt: Date.now() },
    handlers: {
      assigned: async (p) => void events.push(`${id} +${p}`),
      revoked: async (p, why) => void events.push(`${id} -${p} ${why}`),
    },
  });
  members.set(id, o);
  // Rounds as PartitionOwnership.start runs them, but stoppable without a clean stop().
  const loop = async () => {
    while (!killed.has(id)) {
      await o.round().catch(() => undefined);
      await new Promise((r) => setTimeout(r, ROUND_MS));
    }
  };
  void loop();
  return o;
}

function exclusive(ids: string[]): Map<number, string> {
  const holders = new Map<number, string>();
  for (const id of ids) for (const p of members.get(id)!.owned()) {
    if (holders.has(p)) throw new Error(`partition ${p} held by both ${holders.get(p)} and ${id}`);
    holders.set(p, id);
  }
  return holders;
}

it('spreads partitions over live engines, moves a dead one\'s within seconds, and gives a newcomer its share', async () => {
  await Promise.all(['e1', 'e2', 'e3'].map(join));
  // The first to finish a round may see only itself and claim everything; the next rounds even it out.
  const shares = () => ['e1', 'e2', 'e3'].map((id) => members.get(id)!.owned().length).join('/');
  await waitUntil(() => exclusive(['e1', 'e2', 'e3']).size === P && shares() === '4/4/4', 20_000, () => `12 partitions owned 4 each: ${shares()}`);

  // e3 dies: no stop(), no release; its connection simply goes away.
  const e3Had = members.get('e3')!.owned();
  killed.add('e3');
  await connections.get('e3')!.close();
  const died = Date.now();
  const sampler = setInterval(() => exclusive(['e1', 'e2']), 50);
  try {
    await waitUntil(() => exclusive(['e1', 'e2']).size === P, 30_000, () => `survivors own ${exclusive(['e1', 'e2']).size} of ${P}`);
  } finally {
    clearInterval(sampler);
  }
  const moved = Date.now() - died;
  console.log(`cluster leases: ${e3Had.length} partitions of a dead engine moved to the survivors in ${moved} ms (lease ${LEASE_MS} ms, rounds every ${ROUND_MS} ms)`);
  expect(moved).toBeGreaterThan(LEASE_MS / 2); // not before its lease could have expired
  members.delete('e3');

  // e4 joins and gets half of what two members shared.
  const joined = Date.now();
  await join('e4');
  await waitUntil(() => members.get('e4')!.owned().length === P / 3 && exclusive(['e1', 'e2', 'e4']).size === P, 30_000, () => `e4 owns ${members.get('e4')!.owned().length}`);
  console.log(`cluster leases: a joining engine took its share (${P / 3}) in ${Date.now() - joined} ms`);
  for (const p of members.get('e4')!.owned()) {
    // Its old owner gave it back (or, on a slow round, counted it lost) before e4 claimed it.
    const released = events.findIndex((l) => l.endsWith(` -${p} rebalanced`) || l.endsWith(` -${p} lost`));
    expect(released).toBeGreaterThanOrEqual(0);
    expect(released).toBeLessThan(events.indexOf(`e4 +${p}`));
  }
}, 90_000);
