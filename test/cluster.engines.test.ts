// Scale-out on one NATS: two engine processes (`ioc start` with
// cluster.partitions = 8) share the partitions under a steady feed. One is
// SIGKILLed mid-feed (its partitions and, if it held it, the router move to
// the survivor once its leases expire) and later started again (it takes a
// fair share back). Then: every accepted event is in ClickHouse exactly
// once, and the alerts on IOC_ALERTS are exactly those the same rules give
// when each partition's events run through their own runtime undisturbed —
// none missing, none extra, none twice — so window state moved with its
// partition. A city-wide rule (grouped by event type, across every zone)
// runs once, in the city slot, over every event. Figures are printed.

import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hanoiDistricts } from '../engine/geo/index.ts';
import { CLUSTER_RULES, clusterStatus, compareAlerts, expectedPartitionAlerts, expectEveryEventAndAlertOnce, inStreamOrder, liveZonesEverywhere, outOfOrder, ownedPartitions as owned, spawnClusterEngine, startFeed, waitStoredOnce, type EngineProcess } from './harness/cluster.ts';
import { startStack, waitUntil, type Stack } from './harness/engine.ts';

const P = 8;
let stack: Stack;
const engines: EngineProcess[] = [];

async function engine(): Promise<EngineProcess> {
  const e = await spawnClusterEngine(stack, P);
  engines.push(e);
  return e;
}

beforeAll(async () => {
  stack = await startStack({ rules: CLUSTER_RULES, database: 'ioc_cluster' });
}, 120_000);
afterAll(async () => {
  if (process.env.IOC_TEST_DUMP_LOGS) engines.forEach((e, i) => writeFileSync(`${process.env.IOC_TEST_DUMP_LOGS}-${i}.log`, e.logs()));
  for (const e of engines) e.kill('SIGKILL');
  await stack?.destroy();
});

it('two engines split the partitions; one is killed and restarted; every event is stored once and every alert fires once', async () => {
  const a = await engine();
  const b = await engine();
  const feed = startFeed(stack.nc.jetstream(), hanoiDistricts().map((d) => d.id));
  let kills = 0;
  let restarts = 0;

  await waitUntil(async () => (await owned(a)) + (await owned(b)) === P && (await owned(b)) > 0, 30_000, () => 'both engines own partitions');
  await new Promise((r) => setTimeout(r, 3000));
  b.kill('SIGKILL');
  kills++;
  const killedAt = Date.now();
  await waitUntil(async () => (await owned(a)) === P, 60_000, () => 'the survivor owns every partition');
  const takeover = Date.now() - killedAt;
  await new Promise((r) => setTimeout(r, 2000));
  const b2 = await engine(); // b again, as a new process
  restarts++;
  const joinedAt = Date.now();
  await waitUntil(async () => (await owned(b2)) >= P / 2 - 1 && (await owned(a)) + (await owned(b2)) === P, 60_000, () => 'the restarted engine took its share');
  const rebalance = Date.now() - joinedAt;
  // Each engine reports the lag of the partitions it owns.
  await waitUntil(async () => /^ioc_partition_lag\{partition="\d+"\} \d+/m.test(await (await fetch(`http://127.0.0.1:${a.httpPort}/metrics`)).text()), 20_000, () => 'ioc_partition_lag on /metrics');

  // `ioc cluster status` shows the same: two live engines, every partition and the router owned by one of them.
  await waitUntil(() => {
    const status = clusterStatus(stack, P);
    const ids = new Set(status.members.map((m) => m.id));
    return status.members.length === 2 && status.rows.every((r) => r.owner !== undefined && ids.has(r.owner) && r.pending !== undefined) && ids.has(status.router.owner ?? '') && ids.has(status.city.owner ?? '');
  }, 30_000, () => 'ioc cluster status: two engines owning every partition, the router and the city-wide rules');
  await new Promise((r) => setTimeout(r, 3000));
  await feed.stop();
  const { accepted } = feed;

  const stored = await waitStoredOnce(stack, 'ioc_cluster', accepted, P);
  const ordered = await inStreamOrder(stack.nc, accepted);
  const expected = expectedPartitionAlerts(CLUSTER_RULES, ordered, P, await inStreamOrder(stack.nc, accepted, 'IOC_PARTS'));
  const alerts = await compareAlerts(stack.nc, expected);
  // A console on either engine shows the whole city's sensors, not only its engine's partitions'.
  const districts = hanoiDistricts().map((d) => d.id);
  const liveZones = await liveZonesEverywhere([a, b2], districts);
  console.log(`cluster: ${P} partitions, 2 engines, ${kills} SIGKILL, ${restarts} restart; a dead engine's partitions moved in ${takeover} ms (lease 8 s), a restarted engine took its share in ${rebalance} ms
  events accepted ${accepted.length}, stored ${stored.final} (distinct ${stored.distinct}, physical rows ${stored.physical}), duplicates ${stored.final - stored.distinct}, stored out of publish order ${outOfOrder(ordered)}, not published ${stored.foreign}
  alerts expected ${expected.size}, seen ${alerts.seen}, missing ${alerts.missing.length}, extra ${alerts.extra.length}, published twice ${alerts.twice}
  live map: districts with sensors shown by each engine's console ${liveZones.join('/')} of ${districts.length}`);
  expectEveryEventAndAlertOnce(accepted, stored, expected, alerts);
  expect(liveZones).toEqual([districts.length, districts.length]);
}, 240_000);
