// The cluster schema (clickhouse.cluster, decision 0601) on two private
// clickhouse-server instances (Debian's 18.16 in CI), one shard each, sharing
// a private ZooKeeper: migrations ON CLUSTER, the engine's own store writing
// through Distributed tables, rows placed by zone, FINAL reads and
// redeliveries across shards, rollups and their rebuild, and retention.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../engine/alerts/alert.ts';
import { ConfigError } from '../engine/errors/index.ts';
import type { IncidentEventRow } from '../engine/incidents/model.ts';
import { ClickHouseStore, ident, rebuildRollups, Retention, sql, type StoredEvent } from '../engine/store/index.ts';
import { startClickHouse, startClickHouseCluster, type ClickHouseCluster } from './harness/clickhouse.ts';
import { startZooKeeper, type ZooKeeperServer } from './harness/zookeeper.ts';

const DB = 'ioc_cluster_test';
const NOW = Date.UTC(2026, 2, 11, 6); // 2026-03-11T06:00:00Z
const OLD_DAY = Date.UTC(2026, 2, 1, 12);
const NEW_DAY = Date.UTC(2026, 2, 10, 12);
const ZONES = Array.from({ length: 30 }, (_, i) => `zone-${String(i + 1).padStart(2, '0')}`);
const PER_ZONE = 8;

let zk: ZooKeeperServer;
let cluster: ClickHouseCluster;
/** The engine's store on the cluster, connected to shard 1. */
let store: ClickHouseStore;
/** Plain connections to each node, to look at its local tables. */
let nodes: ClickHouseStore[];

/** PER_ZONE events in every zone, half on OLD_DAY and half on NEW_DAY. */
function events(ingestedAt: number): StoredEvent[] {
  return ZONES.flatMap((zone, z) =>
    Array.from({ length: PER_ZONE }, (_, i) => {
      const time = (i % 2 === 0 ? OLD_DAY : NEW_DAY) + i * 1000;
      return { id: `${zone}-${i}`, type: 'water.level', source: `wl-${z}`, time, value: i, unit: 'm', zone, attrs: { i: String(i) }, seq: i, ingestedAt };
    }),
  );
}

function alert(fingerprint: string, emittedAt: number): Alert {
  return {
    fingerprint,
    rule: 'flood.level',
    key: fingerprint,
    state: 'firing',
    severity: 'major',
    title: { vi: 'Ngập', en: 'Flood' },
    message: { vi: 'Ngập', en: 'Flood' },
    zone: 'zone-01',
    source: 'wl-1',
    value: 2,
    eventId: 'e1',
    eventType: 'water.level',
    startsAt: NEW_DAY,
    endsAt: 0,
    eventTime: NEW_DAY,
    emittedAt,
  };
}

function timeline(incidentId: string, seq: number): IncidentEventRow {
  return { incidentId, seq, at: NEW_DAY + seq, actor: 'engine', kind: seq === 1 ? 'opened' : 'alert.added', detail: '', data: '{}', type: 'flood', severity: 'major', state: 'open', zones: ['zone-01'], openedAt: NEW_DAY };
}

async function count(runner: ClickHouseStore, from: ReturnType<typeof sql>): Promise<number> {
  const [row] = await runner.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${from}`);
  return Number(row!.n);
}

/**
 * Runs OPTIMIZE … FINAL on `local` of every node until `distributed` counts
 * `want` rows (or 30 s pass), and returns the last count: an OPTIMIZE that
 * finds the parts already in a background merge does nothing, and says nothing.
 */
async function mergedCount(local: ReturnType<typeof sql>, distributed: ReturnType<typeof sql>, want: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const n of nodes) await n.command(sql`OPTIMIZE TABLE ${local} FINAL`);
    const n = await count(store, distributed);
    if (n === want || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Zones stored in `events_local` of each node. */
async function zonesPerShard(): Promise<string[][]> {
  return Promise.all(
    nodes.map(async (n) => (await n.queryRows<{ zone: string }>(sql`SELECT DISTINCT zone FROM ${ident(DB, 'events_local')} ORDER BY zone`)).map((r) => r.zone)),
  );
}

beforeAll(async () => {
  zk = await startZooKeeper();
  cluster = await startClickHouseCluster({ shards: 2, zookeeper: zk, logLevel: 'warning' });
  store = new ClickHouseStore({ url: cluster.nodes[0]!.url, database: DB, cluster: cluster.name, now: () => NOW, requestTimeoutMs: 60_000 });
  nodes = cluster.nodes.map((n) => new ClickHouseStore({ url: n.url, database: DB, requestTimeoutMs: 60_000 }));
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  for (const n of nodes ?? []) await n.close();
  await cluster?.destroy();
  await zk?.destroy();
});

describe('ClickHouse cluster schema', () => {
  it('creates Replicated local tables, Distributed tables and the views on every node, and records the migrations once', async () => {
    const names = ['events', 'alerts', 'shadow_alerts', 'alert_events', 'incident_events', 'notification_deliveries', 'schema_migrations'];
    const rollups = ['rollup_source_1m', 'rollup_source_1h', 'rollup_zone_1m', 'rollup_zone_1h'];
    for (const node of nodes) {
      const rows = await node.queryRows<{ name: string; engine: string }>(sql`SELECT name, engine FROM system.tables WHERE database = ${DB}`);
      const engines = new Map(rows.map((r) => [r.name, r.engine]));
      for (const name of [...names, ...rollups]) {
        expect(engines.get(name), name).toBe('Distributed');
        expect(engines.get(`${name}_local`), `${name}_local`).toMatch(/^Replicated(Replacing|Aggregating)?MergeTree$/);
      }
      for (const t of rollups) expect(engines.get(`mv_${t}`)).toBe('MaterializedView');
    }
    const onShard2 = new ClickHouseStore({ url: cluster.nodes[1]!.url, database: DB, cluster: cluster.name, now: () => NOW });
    try {
      expect(await onShard2.migrateSchema()).toEqual({ applied: [], version: 7 });
    } finally {
      await onShard2.close();
    }
    expect(await count(store, ident(DB, 'schema_migrations'))).toBe(7);
  });

  it('spreads events over both shards by zone, each zone on one shard, and reads them all once through the Distributed table', async () => {
    const batch = events(NOW - 2000);
    await store.insertEvents(batch);

    const [shard1, shard2] = await zonesPerShard();
    expect(shard1!.length).toBeGreaterThan(0);
    expect(shard2!.length).toBeGreaterThan(0);
    expect(shard1!.filter((z) => shard2!.includes(z))).toEqual([]);
    expect([...shard1!, ...shard2!].sort()).toEqual(ZONES);
    const local = await Promise.all(nodes.map((n) => count(n, ident(DB, 'events_local'))));
    expect(local[0]! + local[1]!).toBe(batch.length);

    const [all] = await store.queryRows<{ n: string; ids: string; attrs: string }>(
      sql`SELECT count() AS n, uniqExact(source, id) AS ids, sum(length(attrs.key)) AS attrs FROM ${ident(DB, 'events')} FINAL`,
    );
    expect({ n: Number(all!.n), ids: Number(all!.ids), attrs: Number(all!.attrs) }).toEqual({ n: batch.length, ids: batch.length, attrs: batch.length });
    // `day` is an ALIAS on the Distributed table and reaches the shards as their own column.
    expect(await count(store, sql`${ident(DB, 'events')} FINAL WHERE day = toDate('2026-03-01')`)).toBe(batch.length / 2);
  });

  it('keeps one visible row per event when the same events are written again, the later copy winning', async () => {
    const batch = events(NOW);
    await store.insertEvents(batch);
    expect(await count(store, sql`${ident(DB, 'events')} FINAL`)).toBe(batch.length);
    const [latest] = await store.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${ident(DB, 'events')} FINAL WHERE ingested_at = ${NOW}`);
    expect(Number(latest!.n)).toBe(batch.length);
    // The copies share a shard: merging each shard on its own leaves exactly one row per event.
    expect(await mergedCount(ident(DB, 'events_local'), ident(DB, 'events'), batch.length)).toBe(batch.length);
    expect((await zonesPerShard()).flat().sort()).toEqual(ZONES);
  });

  it('rolls up on each shard and rebuilds a day through the cluster', async () => {
    const perZone = sql`SELECT zone, countMerge(n) AS n FROM ${ident(DB, 'rollup_zone_1m')} WHERE day = toDate('2026-03-01') GROUP BY zone ORDER BY zone`;
    // Written twice: the views counted both writes.
    const twice = await store.queryRows<{ zone: string; n: string }>(perZone);
    expect(twice.map((r) => [r.zone, Number(r.n)])).toEqual(ZONES.map((z) => [z, PER_ZONE]));
    const local = await Promise.all(nodes.map((n) => count(n, ident(DB, 'rollup_zone_1m_local'))));
    expect(local.every((n) => n > 0)).toBe(true);

    const result = await rebuildRollups(store, { database: DB, day: '2026-03-01' });
    expect(result.rows.rollup_zone_1m).toBeGreaterThan(0);
    const once = await store.queryRows<{ zone: string; n: string }>(perZone);
    expect(once.map((r) => [r.zone, Number(r.n)])).toEqual(ZONES.map((z) => [z, PER_ZONE / 2]));
    // Still each zone's rollups on the shard that holds its events.
    const [events1, events2] = await zonesPerShard();
    const rollupZones = await Promise.all(
      nodes.map(async (n) => (await n.queryRows<{ zone: string }>(sql`SELECT DISTINCT zone FROM ${ident(DB, 'rollup_zone_1m_local')} ORDER BY zone`)).map((r) => r.zone)),
    );
    expect(rollupZones).toEqual([events1, events2]);
  });

  it('writes and reads alert and incident history through the Distributed tables without duplicates', async () => {
    const alerts = Array.from({ length: 10 }, (_, i) => alert(`fp-${i}`, NOW - 1000));
    await store.insertAlerts(alerts);
    await store.insertAlerts(alerts.map((a) => ({ ...a, emittedAt: NOW })));
    expect(await count(store, sql`${ident(DB, 'alerts')} FINAL`)).toBe(10);

    const rows = [1, 2, 3].map((seq) => timeline('inc-1', seq));
    await store.insertIncidentEvents(rows);
    await store.insertIncidentEvents(rows);
    expect((await store.incidentHistory('inc-1')).map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('drops expired day partitions on every shard through the local tables, and keeps the rest', async () => {
    const logged: { msg: string; table: string; partition: string; cluster?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const retention = new Retention({
      runner: store,
      database: DB,
      policy: { eventsDays: 3, rollupsMinuteDays: 3, rollupsHourDays: 0, alertsDays: 0 },
      everyMs: 3_600_000,
      now: () => NOW,
      log,
    });
    const before = await retention.partitions();
    expect(before.filter((p) => p.table === 'events').map((p) => [p.partitionId, p.rows])).toEqual([
      ['20260301', events(0).length / 2],
      ['20260310', events(0).length / 2],
    ]);

    const run = await retention.run();
    expect(run.failed).toEqual([]);
    expect(run.dropped.map((p) => `${p.table} ${p.partitionId}`)).toEqual(['events 20260301', 'rollup_source_1m 20260301', 'rollup_zone_1m 20260301']);
    expect(logged.filter((l) => l.msg.startsWith('retention: dropped')).every((l) => l.cluster === cluster.name)).toBe(true);

    for (const n of nodes) {
      const parts = await n.queryRows<{ table: string; partition_id: string }>(
        sql`SELECT DISTINCT table, partition_id FROM system.parts WHERE database = ${DB} AND active AND partition_id = '20260301' AND table IN ('events_local', 'rollup_source_1m_local', 'rollup_zone_1m_local')`,
      );
      expect(parts).toEqual([]);
    }
    expect(await count(store, sql`${ident(DB, 'events')} FINAL`)).toBe(events(0).length / 2);
    expect(await count(store, sql`${ident(DB, 'rollup_zone_1h')} WHERE day = toDate('2026-03-01')`)).toBeGreaterThan(0);
    expect((await retention.run()).dropped).toEqual([]);
  });

  it('refuses to turn a single-server database into a cluster schema', async () => {
    const single = await startClickHouse({ logLevel: 'warning' });
    const plain = new ClickHouseStore({ url: single.url, database: DB });
    const clustered = new ClickHouseStore({ url: single.url, database: DB, cluster: 'ioc_cluster' });
    try {
      await plain.migrate();
      await expect(clustered.migrate()).rejects.toThrow(ConfigError);
      await expect(clustered.migrate()).rejects.toThrow(/migrated for a single server/);
    } finally {
      await plain.close();
      await clustered.close();
      await single.destroy();
    }
  });
});
