// Minute and hour rollups of `events` per (type, zone, source) and per
// (type, zone): the SQL of their tables and materialized views (migration 6),
// and the rebuild of one day from `events FINAL`. The SELECT here is the one
// the views run; changing it needs a new migration that recreates the views.
// Must never write a rollup row that a materialized view could not have written.
// On a cluster the views run on each node, from `events_local` into the
// `rollup_*_local` tables, sharded by zone like events (decision 0601).

import { InvalidArgumentError } from '../errors/index.ts';
import { clusterName, createTable, localName, onCluster, type TableSpec } from './cluster-tables.ts';
import type { SqlRunner } from './migrations.ts';
import { ident, sql, type Sql } from './sql-escape.ts';

/** One rollup table and the view that feeds it. */
export interface RollupTable {
  /** Table name, e.g. `rollup_source_1m`. */
  readonly table: string;
  /** Materialized view writing into it. */
  readonly view: string;
  readonly resolution: 'minute' | 'hour';
  /** True: keyed by (type, zone, source, bucket); false: by (type, zone, bucket). */
  readonly perSource: boolean;
}

/** The four rollups, in the order migration 6 creates them. */
export const rollupTables: readonly RollupTable[] = [
  { table: 'rollup_source_1m', view: 'mv_rollup_source_1m', resolution: 'minute', perSource: true },
  { table: 'rollup_source_1h', view: 'mv_rollup_source_1h', resolution: 'hour', perSource: true },
  { table: 'rollup_zone_1m', view: 'mv_rollup_zone_1m', resolution: 'minute', perSource: false },
  { table: 'rollup_zone_1h', view: 'mv_rollup_zone_1h', resolution: 'hour', perSource: false },
];

/** The quantile levels every rollup keeps; readers pass the same list to `quantilesMerge`. */
export const ROLLUP_QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

const LEVELS = sql`0.5, 0.9, 0.95, 0.99`;

function keyColumns(t: RollupTable): Sql {
  return t.perSource ? sql`type, zone, source` : sql`type, zone`;
}

function bucketExpr(t: RollupTable): Sql {
  return t.resolution === 'minute'
    ? sql`toStartOfMinute(toDateTime(intDiv(time, 1000), 'UTC'))`
    : sql`toStartOfHour(toDateTime(intDiv(time, 1000), 'UTC'))`;
}

/**
 * The declaration of one rollup table. `bucket` is DateTime('UTC') so its text
 * form is UTC whatever the server's time zone; `day` is `events.day` of the
 * rows, for partitions and retention. Aggregates over `value` skip events
 * without one. On a cluster, sharded by zone: the shard that holds a zone's
 * events is the one whose view writes that zone's rollups.
 */
export function rollupTableSpec(t: RollupTable): TableSpec {
  const source = t.perSource ? sql`source String,\n        ` : sql``;
  return {
    name: t.table,
    columns: () => sql`
        bucket DateTime('UTC'),
        day Date,
        type String,
        zone String,
        ${source}n AggregateFunction(count),
        nv AggregateFunction(count),
        sum AggregateFunction(sum, Float64),
        min AggregateFunction(min, Float64),
        max AggregateFunction(max, Float64),
        q AggregateFunction(quantiles(${LEVELS}), Float64)
      `,
    engine: 'AggregatingMergeTree',
    partitionBy: sql`day`,
    orderBy: sql`(${keyColumns(t)}, bucket)`,
    shardBy: sql`cityHash64(zone)`,
  };
}

/**
 * The rollup of `events` rows as the view computes it, one row per key and
 * bucket. `from` is what to read: the inserted block (`events` in a view) or a
 * day of `events FINAL` for a rebuild. The `day` column is selected as is
 * (never re-derived under its own name: 18.16 and current releases resolve a
 * shadowing alias differently).
 */
function rollupSelect(t: RollupTable, from: Sql): Sql {
  const key = keyColumns(t);
  return sql`SELECT ${key}, ${bucketExpr(t)} AS bucket, day,
        countState() AS n,
        countStateIf(value IS NOT NULL) AS nv,
        sumStateIf(assumeNotNull(value), value IS NOT NULL) AS sum,
        minStateIf(assumeNotNull(value), value IS NOT NULL) AS min,
        maxStateIf(assumeNotNull(value), value IS NOT NULL) AS max,
        quantilesStateIf(${LEVELS})(assumeNotNull(value), value IS NOT NULL) AS q
      FROM ${from}
      GROUP BY ${key}, bucket, day`;
}

/**
 * The materialized view feeding one rollup from every insert into `events`
 * (the portable `TO` form). On a cluster: on every node, from `events_local`
 * into the rollup's local table, so each shard aggregates what it stores.
 */
export function rollupViewDdl(database: string, t: RollupTable, cluster?: string): Sql {
  if (cluster === undefined) {
    return sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${ident(database, t.view)} TO ${ident(database, t.table)} AS ${rollupSelect(t, ident(database, 'events'))}`;
  }
  return sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${ident(database, t.view)}${onCluster(cluster)} TO ${ident(database, localName(t.table))} AS ${rollupSelect(t, ident(database, localName('events')))}`;
}

/**
 * Migration 6: the rollup tables, then their views (a view whose target is
 * missing would refuse every events insert).
 */
export function rollupSchema(database: string, cluster: string | undefined): Sql[] {
  return [...rollupTables.flatMap((t) => createTable(database, rollupTableSpec(t), cluster)), ...rollupTables.map((t) => rollupViewDdl(database, t, cluster))];
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks a `YYYY-MM-DD` day (a real calendar date) and returns it.
 * Throws InvalidArgumentError otherwise.
 *
 * @example parseDay('2026-07-01') === '2026-07-01'
 */
export function parseDay(day: string): string {
  const m = DAY.exec(day);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (d === undefined || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day || d.getUTCFullYear() < 1970) {
    throw new InvalidArgumentError(`"${day}" is not a day in the form YYYY-MM-DD`);
  }
  return day;
}

export interface RebuildResult {
  day: string;
  /** Rollup rows written per table (after the rebuild, before background merges). */
  rows: Record<string, number>;
}

/**
 * Rebuilds every rollup for one UTC day from `events FINAL`: drops the day's
 * partition in each rollup table, then inserts the aggregates of the day's
 * de-duplicated events. Use it after a redelivered batch counted twice, or to
 * backfill days stored before the rollups existed. Events inserted into that
 * day while it runs can be counted twice: rebuild past days, or stop the writer.
 * On a cluster (`runner.cluster`) the day is dropped from the local tables
 * ON CLUSTER and the aggregates go in through the Distributed tables, which
 * shard them as the views would; the runner must insert synchronously
 * (`insert_distributed_sync`, as ClickHouseStore does) for the counts to be current.
 *
 * @example await rebuildRollups(store, { database: 'ioc', day: '2026-07-01' })
 */
export async function rebuildRollups(runner: SqlRunner, options: { database: string; day: string }): Promise<RebuildResult> {
  const { database } = options;
  const cluster = clusterName(runner.cluster);
  const day = parseDay(options.day);
  const partitionId = day.replace(/-/g, '');
  const from = sql`${ident(database, 'events')} FINAL WHERE day = toDate(${day})`;
  const rows: Record<string, number> = {};
  for (const t of rollupTables) {
    const table = ident(database, t.table);
    const dropFrom = cluster === undefined ? table : sql`${ident(database, localName(t.table))}${onCluster(cluster)}`;
    await runner.command(sql`ALTER TABLE ${dropFrom} DROP PARTITION ID ${partitionId}`);
    const columns = t.perSource ? sql`type, zone, source, bucket, day, n, nv, sum, min, max, q` : sql`type, zone, bucket, day, n, nv, sum, min, max, q`;
    await runner.command(sql`INSERT INTO ${table} (${columns}) ${rollupSelect(t, from)}`);
    const [count] = await runner.queryRows<{ rows: string }>(sql`SELECT count() AS rows FROM ${table} WHERE day = toDate(${day})`);
    rows[t.table] = Number(count?.rows ?? 0);
  }
  return { day, rows };
}
