// Versioned schema for ClickHouse, applied at every start and recorded in
// `schema_migrations`. Every statement must run on ClickHouse 18.16 and on
// current releases, and must be safe to run twice (IF NOT EXISTS): a crash
// between a statement and its record, or two engines starting at once, reruns it.
// A shipped migration is never edited; change the schema with a new one.

import { ConfigError } from '../errors/index.ts';
import { rollupTableDdl, rollupTables, rollupViewDdl } from './rollups.ts';
import { ident, isIdentifier, sql, type Sql } from './sql-escape.ts';

/** What migrations need from a connection; ClickHouseStore provides it. */
export interface SqlRunner {
  /** Runs a statement that returns no rows (DDL, INSERT … VALUES). */
  command(statement: Sql): Promise<void>;
  /** Runs a query and returns its rows as parsed JSONEachRow (UInt64 values arrive as strings). */
  queryRows<T = Record<string, unknown>>(query: Sql): Promise<T[]>;
}

export interface Migration {
  /** Increases by one from 1; the order they run in. */
  version: number;
  /** Short kebab-case name; recorded, and checked against the record on every start. */
  name: string;
  statements(database: string): readonly Sql[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events',
    // ReplacingMergeTree on a key that contains (source, id): a redelivered event
    // collapses into one row; `day` derives from `time`, which is in the key, so
    // both copies land in the same partition (merges never cross partitions).
    // 18.16 does not apply DEFAULT to columns omitted from JSONEachRow, hence MATERIALIZED.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${ident(db, 'events')} (
        id String,
        type String,
        source String,
        time UInt64,
        day Date MATERIALIZED toDate(intDiv(time, 1000), 'UTC'),
        value Nullable(Float64),
        unit String,
        lat Nullable(Float64),
        lon Nullable(Float64),
        zone String,
        attrs Nested(key String, value String),
        extra String,
        seq UInt64,
        ingested_at UInt64
      )
      ENGINE = ReplacingMergeTree(ingested_at)
      PARTITION BY day
      ORDER BY (type, zone, source, time, id)`,
    ],
  },
  {
    version: 2,
    name: 'alerts',
    // One row per alert state change, collapsed on (fingerprint, state, starts_at)
    // like the JetStream message id; partitioned by the start month, which is in
    // the key, for the same reason as events. Alert volume is small: monthly parts.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${ident(db, 'alerts')} (
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
        day Date MATERIALIZED toDate(intDiv(starts_at, 1000), 'UTC')
      )
      ENGINE = ReplacingMergeTree(emitted_at)
      PARTITION BY toYYYYMM(day)
      ORDER BY (rule, fingerprint, starts_at, state)`,
    ],
  },
  {
    version: 3,
    name: 'alert-events',
    // One row per alert change seen by incident management, collapsed on
    // (fingerprint, state, starts_at, at): a replayed change has the same wall-clock
    // `at`, which is in the key and gives the month, so copies share a partition.
    // Booleans are UInt8 (18.16 has no Bool).
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${ident(db, 'alert_events')} (
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
        day Date MATERIALIZED toDate(intDiv(at, 1000), 'UTC')
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(day)
      ORDER BY (fingerprint, state, starts_at, at)`,
    ],
  },
  {
    version: 4,
    name: 'incident-events',
    // One row per incident timeline entry, collapsed on (incident_id, seq).
    // Partitioned by the month the incident opened: `opened_at` never changes for
    // an incident, so every copy of its rows (and its whole history) is in one
    // partition, and dropping old months drops whole incidents, never half of one.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${ident(db, 'incident_events')} (
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
        opened_day Date MATERIALIZED toDate(intDiv(opened_at, 1000), 'UTC')
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(opened_day)
      ORDER BY (incident_id, seq)`,
    ],
  },
  {
    version: 5,
    name: 'notification-deliveries',
    // One row per delivery attempt, collapsed on (notification_id, attempt). A
    // re-recorded attempt carries the same `at`, so its copies share a month.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${ident(db, 'notification_deliveries')} (
        notification_id String,
        receiver String,
        incident_id String,
        attempt UInt32,
        at UInt64,
        ok UInt8,
        detail String,
        day Date MATERIALIZED toDate(intDiv(at, 1000), 'UTC')
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(day)
      ORDER BY (notification_id, attempt)`,
    ],
  },
  {
    version: 6,
    name: 'rollups',
    // Minute and hour aggregates per source and per zone, written by views on
    // every insert into `events` (see rollups.ts and decision 0510). Tables
    // first: a view whose target is missing would refuse every events insert.
    // Days stored before this migration are not backfilled: `ioc db rebuild-rollups`.
    statements: (db) => [...rollupTables.map((t) => rollupTableDdl(db, t)), ...rollupTables.map((t) => rollupViewDdl(db, t))],
  },
  {
    version: 7,
    name: 'shadow-alerts',
    // Alerts of rules in `mode: shadow`: the same shape and keys as `alerts`, kept
    // apart so live history, counts and MTTA never include them.
    statements: (db) => [sql`CREATE TABLE IF NOT EXISTS ${ident(db, 'shadow_alerts')} AS ${ident(db, 'alerts')}`],
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
 * build (the database was migrated by a diverging build).
 *
 * @example await migrate(store, { database: 'ioc', now: Date.now })
 */
export async function migrate(runner: SqlRunner, options: MigrateOptions): Promise<MigrateResult> {
  const { database, now } = options;
  const list = options.migrations ?? migrations;
  if (!isIdentifier(database)) throw new ConfigError(`ClickHouse database name "${database}" is not a plain identifier`);
  const table = ident(database, 'schema_migrations');

  await runner.command(sql`CREATE DATABASE IF NOT EXISTS ${ident(database)}`);
  await runner.command(
    sql`CREATE TABLE IF NOT EXISTS ${table} (version UInt32, name String, applied_at UInt64) ENGINE = MergeTree ORDER BY version`,
  );
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
    for (const statement of m.statements(database)) await runner.command(statement);
    await runner.command(sql`INSERT INTO ${table} (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${now()})`);
    recorded.set(m.version, m.name);
    applied.push(m.version);
  }
  return { applied, version: Math.max(0, ...recorded.keys()) };
}
