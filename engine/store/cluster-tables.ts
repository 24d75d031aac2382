// The CREATE statements of one table on a single server (the default, as the
// migrations have always written them) or on a ClickHouse cluster: a Replicated
// `<name>_local` on every node and a Distributed `<name>` over them, so readers
// and writers keep using `<name>` (docs/decisions/0601). Must never change the
// single-server text: shipped migrations produce it.

import { ConfigError } from '../errors/index.ts';
import { ident, isIdentifier, sql, type Sql } from './sql-escape.ts';

/** The MergeTree engines the schema uses, without their `Replicated` prefix. */
export type MergeEngine = 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree';

/** One table, declared once for both layouts. */
export interface TableSpec {
  /** The name readers and writers use; on a cluster, the Distributed table. */
  readonly name: string;
  /**
   * The text between the parentheses of CREATE TABLE. `derived` is the keyword
   * of computed columns: MATERIALIZED in a MergeTree table, ALIAS in a
   * Distributed one (18.16 forwards a Distributed table's MATERIALIZED columns
   * to the shards, which refuse them; an ALIAS is not inserted, and a query
   * naming it reaches the shards as the shard's own column).
   */
  readonly columns: (derived: Sql) => Sql;
  readonly engine: MergeEngine;
  /** Version column of a ReplacingMergeTree, e.g. sql`ingested_at`. */
  readonly version?: Sql;
  /** None: one partition (`schema_migrations`). */
  readonly partitionBy?: Sql;
  readonly orderBy: Sql;
  /**
   * Sharding key of the Distributed table. Every copy of a row (a redelivery)
   * must get the same value, so that copies meet on one shard, where
   * ReplacingMergeTree and FINAL collapse them: use columns of the row's identity.
   */
  readonly shardBy: Sql;
}

/** The suffix of the per-node tables of a cluster schema. */
export const LOCAL_SUFFIX = '_local';

/** The per-node table behind Distributed `name`. */
export function localName(name: string): string {
  return `${name}${LOCAL_SUFFIX}`;
}

/**
 * The cluster of `clickhouse.cluster`, or undefined for a single server ('').
 * Throws ConfigError unless it is a plain identifier (it is spliced into
 * ON CLUSTER and Distributed(...)).
 *
 * @example clusterName('ioc') === 'ioc'; clusterName('') === undefined
 */
export function clusterName(cluster: string | undefined): string | undefined {
  if (cluster === undefined || cluster === '') return undefined;
  if (!isIdentifier(cluster)) throw new ConfigError(`ClickHouse cluster name "${cluster}" (clickhouse.cluster) is not a plain identifier`);
  return cluster;
}

/** `ON CLUSTER <c>` with its leading space, or nothing for a single server. */
export function onCluster(cluster: string | undefined): Sql {
  return cluster === undefined ? sql`` : sql` ON CLUSTER ${ident(cluster)}`;
}

/**
 * ZooKeeper path of a Replicated table: one per shard, database and table.
 * `{shard}` (and `{replica}`, the other argument) are macros every node defines.
 */
export function replicaPath(database: string, table: string): string {
  return `/clickhouse/tables/{shard}/${database}/${table}`;
}

/** Engine names as SQL, single-server and Replicated (written out: SQL is only ever made by `sql`). */
const ENGINES: Readonly<Record<MergeEngine, readonly [Sql, Sql]>> = {
  MergeTree: [sql`MergeTree`, sql`ReplicatedMergeTree`],
  ReplacingMergeTree: [sql`ReplacingMergeTree`, sql`ReplicatedReplacingMergeTree`],
  AggregatingMergeTree: [sql`AggregatingMergeTree`, sql`ReplicatedAggregatingMergeTree`],
};

function engineClause(spec: TableSpec, replicated: { database: string; table: string } | undefined): Sql {
  const [single, replicatedEngine] = ENGINES[spec.engine];
  if (replicated === undefined) return spec.version === undefined ? single : sql`${single}(${spec.version})`;
  const path = replicaPath(replicated.database, replicated.table);
  return spec.version === undefined ? sql`${replicatedEngine}(${path}, '{replica}')` : sql`${replicatedEngine}(${path}, '{replica}', ${spec.version})`;
}

/**
 * CREATE TABLE statements for `spec`: one MergeTree table on a single server
 * (cluster undefined); on a cluster, the Replicated `<name>_local` ON CLUSTER
 * and the Distributed `<name>` ON CLUSTER over it, in that order.
 *
 * @example createTable('ioc', eventsSpec, 'ioc_cluster') // [events_local DDL, events DDL]
 */
export function createTable(database: string, spec: TableSpec, cluster: string | undefined): Sql[] {
  const partition = spec.partitionBy === undefined ? sql`` : sql`
      PARTITION BY ${spec.partitionBy}`;
  if (cluster === undefined) {
    return [
      sql`CREATE TABLE IF NOT EXISTS ${ident(database, spec.name)} (${spec.columns(sql`MATERIALIZED`)})
      ENGINE = ${engineClause(spec, undefined)}${partition}
      ORDER BY ${spec.orderBy}`,
    ];
  }
  const local = localName(spec.name);
  return [
    sql`CREATE TABLE IF NOT EXISTS ${ident(database, local)}${onCluster(cluster)} (${spec.columns(sql`MATERIALIZED`)})
      ENGINE = ${engineClause(spec, { database, table: local })}${partition}
      ORDER BY ${spec.orderBy}`,
    distributedTable(database, spec, cluster),
  ];
}

/** The Distributed `<name>` ON CLUSTER over `<name>_local`. */
function distributedTable(database: string, spec: TableSpec, cluster: string): Sql {
  return sql`CREATE TABLE IF NOT EXISTS ${ident(database, spec.name)}${onCluster(cluster)} (${spec.columns(sql`ALIAS`)})
      ENGINE = Distributed(${ident(cluster)}, ${ident(database)}, ${ident(localName(spec.name))}, ${spec.shardBy})`;
}
