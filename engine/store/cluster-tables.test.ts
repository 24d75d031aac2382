import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.ts';
import { silentLogger } from '../log/index.ts';
import { clusterName, createTable, replicaPath } from './cluster-tables.ts';
import { migrate, migrations, type SqlRunner } from './migrations.ts';
import { Retention } from './retention.ts';
import { rebuildRollups } from './rollups.ts';
import { sql, type Sql } from './sql-escape.ts';

/** A runner on a cluster that records statements and answers queries from `answer`. */
class ClusterRunner implements SqlRunner {
  readonly statements: string[] = [];
  readonly queries: string[] = [];
  constructor(
    readonly cluster: string,
    private readonly answer: (query: string) => unknown[] = () => [],
  ) {}
  async command(statement: Sql): Promise<void> {
    this.statements.push(statement.text);
  }
  async queryRows<T>(query: Sql): Promise<T[]> {
    this.queries.push(query.text);
    return this.answer(query.text) as T[];
  }
}

describe('clusterName', () => {
  it('is undefined for a single server and refuses names that are not identifiers', () => {
    expect(clusterName('')).toBeUndefined();
    expect(clusterName(undefined)).toBeUndefined();
    expect(clusterName('ioc_cluster')).toBe('ioc_cluster');
    expect(() => clusterName('ioc-cluster')).toThrow(ConfigError);
  });
});

describe('createTable', () => {
  const spec = {
    name: 't',
    columns: (derived: Sql) => sql`a UInt64, d Date ${derived} toDate(a)`,
    engine: 'ReplacingMergeTree' as const,
    version: sql`a`,
    partitionBy: sql`d`,
    orderBy: sql`a`,
    shardBy: sql`cityHash64(a)`,
  };

  it('writes one plain table for a single server', () => {
    expect(createTable('db', spec, undefined).map((s) => s.text)).toEqual([
      'CREATE TABLE IF NOT EXISTS `db`.`t` (a UInt64, d Date MATERIALIZED toDate(a))\n      ENGINE = ReplacingMergeTree(a)\n      PARTITION BY d\n      ORDER BY a',
    ]);
  });

  it('writes a Replicated local table and a Distributed table over it, both ON CLUSTER, computed columns as ALIAS in the Distributed one', () => {
    expect(createTable('db', spec, 'c').map((s) => s.text)).toEqual([
      "CREATE TABLE IF NOT EXISTS `db`.`t_local` ON CLUSTER `c` (a UInt64, d Date MATERIALIZED toDate(a))\n      ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/t_local', '{replica}', a)\n      PARTITION BY d\n      ORDER BY a",
      'CREATE TABLE IF NOT EXISTS `db`.`t` ON CLUSTER `c` (a UInt64, d Date ALIAS toDate(a))\n      ENGINE = Distributed(`c`, `db`, `t_local`, cityHash64(a))',
    ]);
    expect(replicaPath('db', 't_local')).toBe('/clickhouse/tables/{shard}/db/t_local');
  });
});

describe('migrations on a cluster', () => {
  it('create every table as Replicated local plus Distributed ON CLUSTER, and views on the local tables', async () => {
    const runner = new ClusterRunner('c');
    await migrate(runner, { database: 'ioc', now: () => 1 });
    const ddl = runner.statements.filter((s) => s.startsWith('CREATE'));
    expect(ddl.length).toBeGreaterThan(0);
    for (const s of ddl) expect(s).toMatch(/^CREATE (TABLE|DATABASE|MATERIALIZED VIEW) IF NOT EXISTS \S+ ON CLUSTER `c`/);
    for (const s of ddl.filter((x) => x.includes('_local` ON CLUSTER'))) expect(s).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/ioc\/\w+_local', '\{replica\}'/);
    for (const s of ddl.filter((x) => x.includes('Distributed('))) expect(s).not.toContain('MATERIALIZED');
    const keys = Object.fromEntries(ddl.flatMap((s) => [...s.matchAll(/Distributed\(`c`, `ioc`, `(\w+)_local`, (.+)\)$/g)].map((m) => [m[1], m[2]])));
    expect(keys).toEqual({
      schema_migrations: 'version',
      events: 'cityHash64(zone)',
      alerts: 'cityHash64(fingerprint)',
      shadow_alerts: 'cityHash64(fingerprint)',
      alert_events: 'cityHash64(fingerprint)',
      incident_events: 'cityHash64(incident_id)',
      notification_deliveries: 'cityHash64(notification_id)',
      rollup_source_1m: 'cityHash64(zone)',
      rollup_source_1h: 'cityHash64(zone)',
      rollup_zone_1m: 'cityHash64(zone)',
      rollup_zone_1h: 'cityHash64(zone)',
    });
    for (const s of ddl.filter((x) => x.startsWith('CREATE MATERIALIZED VIEW'))) expect(s).toMatch(/TO `ioc`\.`rollup_\w+_local` AS .* FROM `ioc`\.`events_local`/s);
    expect(runner.statements.filter((s) => s.startsWith('INSERT INTO `ioc`.`schema_migrations`'))).toHaveLength(migrations.length);
  });

  it('refuse a database migrated for a single server before creating anything', async () => {
    const runner = new ClusterRunner('c', (q) => (q.includes('system.tables') ? [{ engine: 'MergeTree' }] : []));
    await expect(migrate(runner, { database: 'ioc', now: () => 1 })).rejects.toThrow(/migrated for a single server/);
    expect(runner.statements).toEqual([]);
  });

  it('leave the single-server statements free of cluster syntax', () => {
    for (const m of migrations) for (const s of m.statements('ioc')) expect(s.text).not.toMatch(/ON CLUSTER|_local|Replicated|Distributed/);
  });
});

describe('retention and rollup rebuilds on a cluster', () => {
  it('list the parts of every shard and drop from the local tables ON CLUSTER, by logical table name', async () => {
    const runner = new ClusterRunner('c', () => [{ table: 'events_local', partition_id: '20260101', rows: '5', bytes: '100' }]);
    const retention = new Retention({
      runner,
      database: 'ioc',
      policy: { eventsDays: 1, rollupsMinuteDays: 0, rollupsHourDays: 0, alertsDays: 0 },
      everyMs: 1000,
      now: () => Date.UTC(2026, 5, 1),
      log: silentLogger(),
    });
    const run = await retention.run();
    expect(runner.queries[0]).toContain('FROM cluster(`c`, system, parts)');
    expect(runner.queries[0]).toContain("'events_local'");
    expect(run.dropped.map((p) => p.table)).toEqual(['events']);
    expect(runner.statements).toEqual(["ALTER TABLE `ioc`.`events_local` ON CLUSTER `c` DROP PARTITION ID '20260101'"]);
  });

  it('rebuild a day by dropping it from the local rollups ON CLUSTER and inserting through the Distributed ones', async () => {
    const runner = new ClusterRunner('c', () => [{ rows: '0' }]);
    await rebuildRollups(runner, { database: 'ioc', day: '2026-01-01' });
    expect(runner.statements.filter((s) => s.startsWith('ALTER'))).toContain("ALTER TABLE `ioc`.`rollup_zone_1m_local` ON CLUSTER `c` DROP PARTITION ID '20260101'");
    expect(runner.statements.filter((s) => s.startsWith('INSERT'))).toContainEqual(expect.stringMatching(/^INSERT INTO `ioc`\.`rollup_zone_1m` .* FROM `ioc`\.`events` FINAL/s));
  });
});
