// Versioned schema for ClickHouse, applied at every start and recorded in
// `schema_migrations`. Every statement must run on ClickHouse 18.16 and on
// current releases, and must be safe to run twice (IF NOT EXISTS): a crash
// between a statement and its record, or two engines starting at once, reruns it.
// A shipped migration is never edited; change the schema with a new one.
// With a cluster (clickhouse.cluster) each table is a Replicated `<name>_local`
// plus a Distributed `<name>`, created ON CLUSTER (cluster-tables.ts); the
// single-server statements stay exactly what they always were.

import { ConfigError } from '../errors/index.ts';
import { clusterName, createTable, onCluster, type TableSpec } from './cluster-tables.ts';
import { rollupSchema } from './rollups.ts';
import { ident, isIdentifier, sql, type Sql } from './sql-escape.ts';

/** What migrations need from a connection; ClickHouseStore provides it. */
export interface SqlRunner {
  /** Runs a statement that returns no rows (DDL, INSERT … VALUES). */
  command(statement: Sql): Promise<void>;
  /** Runs a query and returns its rows as parsed JSONEachRow (UInt64 values arrive as strings). */
  queryRows<T = Record<string, unknown>>(query: Sql): Promise<T[]>;
  /**
   * The ClickHouse cluster (in the servers' remote_servers) the schema spans,
   * from clickhouse.cluster; undefined or '' for a single server. Migrations,
   * retention and rollup rebuilds follow it.
   */
  readonly cluster?: string;
}

export interface Migration {
  /** Increases by one from 1; the order they run in. */
  version: number;
  /** Short kebab-case name; recorded, and checked against the record on every start. */
  name: string;
  /** Its statements; `cluster` is set (a checked identifier) for a cluster schema. */
  statements(database: string, cluster?: string): readonly Sql[];
}

// Sharding keys (cluster only): a column of each row's identity, so that every
// copy of a row lands on the shard holding the others (decision 0601). Events
// and rollups go by zone, which is in their identity; the history tables by
// the id their copies share, which keeps an alert's or an incident's rows together.

const eventsTable: TableSpec = {
  name: 'events',
  columns: (derived) => sql`
        id String,
        type String,
        source String,
        time UInt64,
        day Date ${derived} toDate(intDiv(time, 1000), 'UTC'),
        value Nullable(Float64),
        unit String,
        lat Nullable(Float64),
        lon Nullable(Float64),
        zone String,
        attrs Nested(key String, value String),
        extra String,
        seq UInt64,
        ingested_at UInt64
      `,
  engine: 'ReplacingMergeTree',
  version: sql`ingested_at`,
  partitionBy: sql`day`,
  orderBy: sql`(type, zone, source, time, id)`,
  shardBy: sql`cityHash64(zone)`,
};

const alertsTable: TableSpec = {
  name: 'alerts',
  columns: (derived) => sql`
        fingerprint String,
        rule String,
        key String,
        state String,
        severity String,
        title_vi String,
        title_en String,
        message_vi String,
        message_en String,
        zone String,
        source String,
        value Nullable(Float64),
        event_id String,
        event_type String,
        starts_at UInt64,
        ends_at UInt64,
        event_time UInt64,
        emitted_at UInt64,
        day Date ${derived} toDate(intDiv(starts_at, 1000), 'UTC')
      `,
  engine: 'ReplacingMergeTree',
  version: sql`emitted_at`,
  partitionBy: sql`toYYYYMM(day)`,
  orderBy: sql`(rule, fingerprint, starts_at, state)`,
  shardBy: sql`cityHash64(fingerprint)`,
};

const alertEventsTable: TableSpec = {
  name: 'alert_events',
  columns: (derived) => sql`
        fingerprint String,
        rule String,
        zone String,
        source String,
        severity String,
        state String,
        starts_at UInt64,
        ends_at UInt64,
        value Nullable(Float64),
        event_id String,
        incident_id String,
        silenced UInt8,
        inhibited UInt8,
        flapping UInt8,
        at UInt64,
        day Date ${derived} toDate(intDiv(at, 1000), 'UTC')
      `,
  engine: 'ReplacingMergeTree',
  partitionBy: sql`toYYYYMM(day)`,
  orderBy: sql`(fingerprint, state, starts_at, at)`,
  shardBy: sql`cityHash64(fingerprint)`,
};

const incidentEventsTable: TableSpec = {
  name: 'incident_events',
  columns: (derived) => sql`
        incident_id String,
        seq UInt64,
        at UInt64,
        actor String,
        kind String,
        detail String,
        data String,
        type String,
        severity String,
        state String,
        zones Array(String),
        opened_at UInt64,
        opened_day Date ${derived} toDate(intDiv(opened_at, 1000), 'UTC')
      `,
  engine: 'ReplacingMergeTree',
  partitionBy: sql`toYYYYMM(opened_day)`,
  orderBy: sql`(incident_id, seq)`,
  shardBy: sql`cityHash64(incident_id)`,
};

const deliveriesTable: TableSpec = {
  name: 'notification_deliveries',
  columns: (derived) => sql`
        notification_id String,
        receiver String,
        incident_id String,
        attempt UInt32,
        at UInt64,
        ok UInt8,
        detail String,
        day Date ${derived} toDate(intDiv(at, 1000), 'UTC')
      `,
  engine: 'ReplacingMergeTree',
  partitionBy: sql`toYYYYMM(day)`,
  orderBy: sql`(notification_id, attempt)`,
  shardBy: sql`cityHash64(notification_id)`,
};

/** The migration record; on a cluster it is Distributed like the rest, so every node reads the same record. */
const schemaMigrationsTable: TableSpec = {
  name: 'schema_migrations',
  columns: () => sql`version UInt32, name String, applied_at UInt64`,
  engine: 'MergeTree',
  orderBy: sql`version`,
  shardBy: sql`version`,
};

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events',
    // ReplacingMergeTree on a key that contains (source, id): a redelivered event
    // collapses into one row; `day` derives from `time`, which is in the key, so
    // both copies land in the same partition (merges never cross partitions).
    // 18.16 does not apply DEFAULT to columns omitted from JSONEachRow, hence MATERIALIZED.
    statements: (db, cluster) => createTable(db, eventsTable, cluster),
  },
  {
    version: 2,
    name: 'alerts',
    // One row per alert state change, collapsed on (fingerprint, state, starts_at)
    // like the JetStream message id; partitioned by the start month, which is in
    // the key, for the same reason as events. Alert volume is small: monthly parts.
    statements: (db, cluster) => createTable(db, alertsTable, cluster),
  },
  {
    version: 3,
    name: 'alert-events',
    // One row per alert change seen by incident management, collapsed on
    // (fingerprint, state, starts_at, at): a replayed change has the same wall-clock
    // `at`, which is in the key and gives the month, so copies share a partition.
    // Booleans are UInt8 (18.16 has no Bool).
    statements: (db, cluster) => createTable(db, alertEventsTable, cluster),
  },
  {
    version: 4,
    name: 'incident-events',
    // One row per incident timeline entry, collapsed on (incident_id, seq).
    // Partitioned by the month the incident opened: `opened_at` never changes for
    // an incident, so every copy of its rows (and its whole history) is in one
    // partition, and dropping old months drops whole incidents, never half of one.
    statements: (db, cluster) => createTable(db, incidentEventsTable, cluster),
  },
  {
    version: 5,
    name: 'notification-deliveries',
    // One row per delivery attempt, collapsed on (notification_id, attempt). A
    // re-recorded attempt carries the same `at`, so its copies share a month.
    statements: (db, cluster) => createTable(db, deliveriesTable, cluster),
  },
  {
    version: 6,
    name: 'rollups',
    // Minute and hour aggregates per source and per zone, written by views on
    // every insert into `events` (see rollups.ts and decision 0510). Tables
    // first: a view whose target is missing would refuse every events insert.
    // Days stored before this migration are not backfilled: `ioc db rebuild-rollups`.
    statements: (db, cluster) => rollupSchema(db, cluster),
  },
  {
    version: 7,
    name: 'shadow-alerts',
    // Alerts of rules in `mode: shadow`: the same shape and keys as `alerts`, kept
    // apart so live history, counts and MTTA never include them.
    statements: (db, cluster) =>
      cluster === undefined
        ? [sql`CREATE TABLE IF NOT EXISTS ${ident(db, 'shadow_alerts')} AS ${ident(db, 'alerts')}`]
        : createTable(db, { ...alertsTable, name: 'shadow_alerts' }, cluster),
  },
];

export interface MigrateOptions {
  /** Database to create and migrate; a plain identifier. */
  database: string;
  /** Clock for `applied_at`, epoch ms. */
  now(): number;
  /** Defaults to the shipped `migrations`. */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  /** Versions applied by this call, in order (empty when the schema was current). */
  applied: number[];
  /** Highest version recorded after this call. */
  version: number;
}

/**
 * Creates the database and applies the migrations it has not recorded yet.
 * Throws ConfigError when the record names a version differently from this
 * build (the database was migrated by a diverging build). With
 * `runner.cluster`, everything is created ON CLUSTER in the cluster layout,
 * and a database migrated for a single server is refused (ConfigError).
 *
 * @example await migrate(store, { database: 'ioc', now: Date.now })
 */
export async function migrate(runner: SqlRunner, options: MigrateOptions): Promise<MigrateResult> {
  const { database, now } = options;
  const list = options.migrations ?? migrations;
  if (!isIdentifier(database)) throw new ConfigError(`ClickHouse database name "${database}" is not a plain identifier`);
  const cluster = clusterName(runner.cluster);
  const table = ident(database, 'schema_migrations');

  if (cluster === undefined) {
    await runner.command(sql`CREATE DATABASE IF NOT EXISTS ${ident(database)}`);
    await runner.command(
      sql`CREATE TABLE IF NOT EXISTS ${table} (version UInt32, name String, applied_at UInt64) ENGINE = MergeTree ORDER BY version`,
    );
  } else {
    await refuseSingleServerSchema(runner, database, cluster);
    await runner.command(sql`CREATE DATABASE IF NOT EXISTS ${ident(database)}${onCluster(cluster)}`);
    for (const statement of createTable(database, schemaMigrationsTable, cluster)) await runner.command(statement);
  }
  const rows = await runner.queryRows<{ version: number; name: string }>(
    sql`SELECT version, any(name) AS name FROM ${table} GROUP BY version ORDER BY version`,
  );
  const recorded = new Map<number, string>();
  for (const r of rows) recorded.set(Number(r.version), r.name);

  const applied: number[] = [];
  for (const m of list) {
    const name = recorded.get(m.version);
    if (name !== undefined) {
      if (name !== m.name) {
        throw new ConfigError(
          `database ${database} records migration ${m.version} as "${name}" but this build calls it "${m.name}"; it was migrated by a different build`,
        );
      }
      continue;
    }
    for (const statement of m.statements(database, cluster)) await runner.command(statement);
    await runner.command(sql`INSERT INTO ${table} (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${now()})`);
    recorded.set(m.version, m.name);
    applied.push(m.version);
  }
  return { applied, version: Math.max(0, ...recorded.keys()) };
}

/**
 * A database made for a single server cannot become a cluster schema by
 * configuration: its tables would stay where they are while new nodes got
 * Distributed ones. Refuse before creating anything (docs/decisions/0601).
 */
async function refuseSingleServerSchema(runner: SqlRunner, database: string, cluster: string): Promise<void> {
  const rows = await runner.queryRows<{ engine: string }>(
    sql`SELECT engine FROM system.tables WHERE database = ${database} AND name = 'schema_migrations'`,
  );
  const engine = rows[0]?.engine;
  if (engine !== undefined && engine !== 'Distributed') {
    throw new ConfigError(
      `database ${database} was migrated for a single server (its schema_migrations is ${engine}), but clickhouse.cluster is ${cluster}: ` +
        `a single-server schema is not converted in place; migrate a new database on the cluster and copy the data (docs/decisions/0601)`,
    );
  }
}
