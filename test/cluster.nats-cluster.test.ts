// Scale-out on a NATS cluster: a 3-node JetStream cluster on loopback ports
// (deploy/local/nats-cluster.ts), every stream and bucket with 3 replicas,
// and 3 engine processes sharing 9 partitions under a steady feed. One
// engine is SIGKILLed (its partitions move to the two survivors once their
// leases expire); later the JetStream meta leader's node is SIGKILLed while
// events flow, and comes back; then the dead engine comes back and takes its
// share again. At the end every accepted event is in ClickHouse once, and
// IOC_ALERTS holds exactly the alerts each partition's rules give over its
// events undisturbed: none missing, none extra, none twice. Figures are printed.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../deploy/local/nats-cluster.ts';
import { hanoiDistricts } from '../engine/geo/index.ts';
import { CLUSTER_RULES, clusterStatus, compareAlerts, expectedPartitionAlerts, expectEveryEventAndAlertOnce, inStreamOrder, liveZonesEverywhere, outOfOrder, routedDisorder, ownedPartitions as owned, spawnClusterEngine, startFeed, waitStoredOnce, type EngineProcess } from './harness/cluster.ts';
import { startStack, waitUntil, type Stack } from './harness/engine.ts';

const P = 9;
let cluster: NatsCluster;
let stack: Stack;
const engines: EngineProcess[] = [];

async function engine(): Promise<EngineProcess> {
  const e = await spawnClusterEngine(stack, P, { IOC_NATS_REPLICAS: '3' });
  engines.push(e);
  return e;
}

/** The node that is the JetStream meta leader now. */
async function metaLeader(): Promise<number> {
  const jsz = (await (await fetch(`http://127.0.0.1:${cluster.nodes[0]!.monitorPort}/jsz`)).json()) as { meta_cluster: { leader: string } };
  const i = cluster.nodes.findIndex((n) => n.name === jsz.meta_cluster.leader);
  if (i < 0) throw new Error(`no meta leader: ${JSON.stringify(jsz.meta_cluster)}`);
  return i;
}

beforeAll(async () => {
  cluster = await startNatsCluster({ dir: mkdtempSync(join(tmpdir(), 'ioc-natsc-')), nodes: 3 });
  const first = cluster.nodes[0]!;
  stack = await startStack({
    rules: CLUSTER_RULES,
    database: 'ioc_cluster3',
    nats: { url: cluster.servers, port: first.port, start: () => first.start(), stop: () => first.stop(), destroy: () => cluster.destroy() },
  });
}, 120_000);
afterAll(async () => {
  if (process.env.IOC_TEST_DUMP_LOGS) engines.forEach((e, i) => writeFileSync(`${process.env.IOC_TEST_DUMP_LOGS}-${i}.log`, e.logs()));
  for (const e of engines) e.kill('SIGKILL');
  await stack?.destroy();
});

it('3 engines on a 3-node NATS cluster: an engine and a NATS node are killed; every event is stored once and every alert fires once', async () => {
  const [a, b, c] = [await engine(), await engine(), await engine()];
  const feed = startFeed(stack.nc.jetstream(), hanoiDistricts().map((d) => d.id), { prefix: 'n3' });
  const total = async (...es: EngineProcess[]) => (await Promise.all(es.map(owned))).reduce((x, y) => x + y, 0);

  // A fair share: every partition owned, each engine some and none more than the plan's capacity
  // (the slots are the partitions, the router and the city-wide rules), the same on two looks a second apart.
  const cap = Math.ceil((P + 2) / 3);
  const fairShares = async (...es: EngineProcess[]) => {
    const look = async () => (await Promise.all(es.map(owned))).join('/');
    const first = await look();
    const shares = first.split('/').map(Number);
    if (shares.reduce((x, y) => x + y, 0) !== P || shares.some((n) => n === 0 || n > cap)) return false;
    await new Promise((r) => setTimeout(r, 1000));
    return (await look()) === first;
  };
  await waitUntil(() => fairShares(a, b, c), 60_000, () => 'all three engines own a fair share of the partitions');
  const shares = await Promise.all([a, b, c].map(owned));
  await new Promise((r) => setTimeout(r, 3000));

  // An engine dies: the survivors take its partitions once its leases expire.
  c.kill('SIGKILL');
  const killedAt = Date.now();
  await waitUntil(async () => (await total(a, b)) === P, 60_000, () => 'the two survivors own every partition');
  const takeover = Date.now() - killedAt;
  await new Promise((r) => setTimeout(r, 2000));

  // The JetStream meta leader's node dies while events flow, and comes back 8 s later.
  const leader = await metaLeader();
  const node = cluster.nodes[leader]!;
  await node.stop('SIGKILL');
  const nodeKilledAt = Date.now();
  await new Promise((r) => setTimeout(r, 8000));
  await node.start();
  await cluster.ready();
  const nodeBack = Date.now() - nodeKilledAt;
  // The engines kept their partitions through it (or took them back).
  await waitUntil(async () => (await total(a, b)) === P, 60_000, () => 'every partition owned after the NATS node came back');

  // The dead engine comes back as a new process and takes a fair share.
  const c2 = await engine();
  const joinedAt = Date.now();
  await waitUntil(() => fairShares(a, b, c2), 60_000, () => 'the restarted engine took its share');
  const rebalance = Date.now() - joinedAt;
  await waitUntil(() => {
    const status = clusterStatus(stack, P);
    const ids = new Set(status.members.map((m) => m.id));
    return status.members.length === 3 && status.rows.every((r) => r.owner !== undefined && ids.has(r.owner)) && ids.has(status.router.owner ?? '') && ids.has(status.city.owner ?? '');
  }, 30_000, () => 'ioc cluster status: three engines owning every partition');
  await new Promise((r) => setTimeout(r, 3000));
  await feed.stop();
  const { accepted } = feed;

  const stored = await waitStoredOnce(stack, 'ioc_cluster3', accepted, P, 120_000);
  const ordered = await inStreamOrder(stack.nc, accepted);
  const expected = expectedPartitionAlerts(CLUSTER_RULES, ordered, P, await inStreamOrder(stack.nc, accepted, 'IOC_PARTS'));
  const alerts = await compareAlerts(stack.nc, expected, 90_000);
  const districts = hanoiDistricts().map((d) => d.id);
  const liveZones = await liveZonesEverywhere([a, b, c2], districts);
  const disorder = await routedDisorder(stack.nc, accepted, P);
  console.log(`NATS cluster: 3 nodes (R3), ${P} partitions, 3 engines (shares ${shares.join('/')}); SIGKILL of an engine, then of NATS node ${node.name} (meta leader), then the engine restarted
  a dead engine's partitions moved in ${takeover} ms (lease 8 s); the NATS node was back and current ${nodeBack} ms after its kill; the restarted engine took its share in ${rebalance} ms
  events accepted ${accepted.length} (publishes retried ${feed.retried()}), stored ${stored.final} (distinct ${stored.distinct}, physical rows ${stored.physical}), duplicates ${stored.final - stored.distinct}, stored out of publish order ${outOfOrder(ordered)}, missing ${accepted.length - stored.distinct}, not published ${stored.foreign}
  alerts expected ${expected.size}, seen ${alerts.seen}, missing ${alerts.missing.length}, extra ${alerts.extra.length}, published twice ${alerts.twice}
  routed out of order (a NATS fail-over delays some routed publishes): ${disorder.events} events, by up to ${disorder.maxMs} ms of event time (allowed lateness 30 s)
  live map: districts with sensors shown by each engine's console ${liveZones.join('/')} of ${districts.length}`);
  expectEveryEventAndAlertOnce(accepted, stored, expected, alerts);
  expect(liveZones).toEqual([districts.length, districts.length, districts.length]);
}, 360_000);
