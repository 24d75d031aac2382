// Storage: events, alert and incident history in ClickHouse (or in memory for
// the embedded demo), incident MTTA/MTTR, the schema migrations, rollups,
// retention, and the one SQL escaping helper.
// Code outside this folder never writes SQL text except through `sql` and `ident`.
export type { IncidentStat, IncidentStatsQuery, Store, StoredEvent } from './store.ts';
export { ClickHouseStore, type ClickHouseStoreOptions } from './clickhouse-store.ts';
export { groupInserts, type RowInserts } from './group-inserts.ts';
export { clickHouseAccess, type ClickHouseAccess, type ClickHouseTls } from './clickhouse-connection.ts';
export { accessError, ClickHouseQueryError, toStoreError } from './clickhouse-errors.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
export { migrate, migrations, type MigrateOptions, type MigrateResult, type Migration, type SqlRunner } from './migrations.ts';
export { parseDay, rebuildRollups, ROLLUP_QUANTILES, rollupTables, type RebuildResult, type RollupTable } from './rollups.ts';
export {
  expiredPartitions,
  partitionPeriod,
  Retention,
  retentionTables,
  type ExpiredPartition,
  type PartitionInfo,
  type RetentionOptions,
  type RetentionPolicy,
  type RetentionRun,
} from './retention.ts';
export { schemaStatus, type AppliedMigration, type SchemaStatus, type TableStatus } from './status.ts';
export {
  formatNumber,
  ident,
  isIdentifier,
  literal,
  quoteIdentifier,
  quoteString,
  Sql,
  sql,
  toWellFormed,
  type SqlValue,
} from './sql-escape.ts';
