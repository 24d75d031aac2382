// What `ioc db status` shows: which migrations a database has and lacks, and
// its tables with rows, bytes and partitions. Read-only: must never create or
// change anything, so it can be pointed at a production server safely.

import { InvalidArgumentError } from '../errors/index.ts';
import { migrations as shipped, type Migration, type SqlRunner } from './migrations.ts';
import { ident, isIdentifier, sql } from './sql-escape.ts';

export interface AppliedMigration {
  version: number;
  name: string;
  /** Epoch ms. */
  appliedAt: number;
}

export interface TableStatus {
  name: string;
  /** ClickHouse engine, e.g. `ReplacingMergeTree` or `MaterializedView`. */
  engine: string;
  /** Rows in active parts (before background merges collapse duplicates). */
  rows: number;
  /** Bytes on disk of active parts. */
  bytes: number;
  partitions: number;
}

export interface SchemaStatus {
  database: string;
  /** False when the database does not exist yet (nothing applied). */
  exists: boolean;
  applied: AppliedMigration[];
  /** Migrations of this build not recorded in the database, in order. */
  pending: Pick<Migration, 'version' | 'name'>[];
  /** Every table and view of the database, by name. */
  tables: TableStatus[];
}

/**
 * Reads the migration record and table sizes of `database`.
 *
 * @example const s = await schemaStatus(store, { database: 'ioc' }); s.pending.length === 0
 */
export async function schemaStatus(runner: SqlRunner, options: { database: string; migrations?: readonly Migration[] }): Promise<SchemaStatus> {
  const { database } = options;
  const list = options.migrations ?? shipped;
  if (!isIdentifier(database)) throw new InvalidArgumentError(`database name "${database}" is not a plain identifier`);
  const tableRows = await runner.queryRows<{ name: string; engine: string }>(
    sql`SELECT name, engine FROM system.tables WHERE database = ${database} ORDER BY name`,
  );
  const exists = (await runner.queryRows(sql`SELECT name FROM system.databases WHERE name = ${database}`)).length > 0;

  let applied: AppliedMigration[] = [];
  if (tableRows.some((t) => t.name === 'schema_migrations')) {
    const rows = await runner.queryRows<{ version: number; name: string; applied_at: string }>(
      sql`SELECT version, any(name) AS name, min(applied_at) AS applied_at FROM ${ident(database, 'schema_migrations')} GROUP BY version ORDER BY version`,
    );
    applied = rows.map((r) => ({ version: Number(r.version), name: r.name, appliedAt: Number(r.applied_at) }));
  }
  const done = new Set(applied.map((a) => a.version));
  const pending = list.filter((m) => !done.has(m.version)).map((m) => ({ version: m.version, name: m.name }));

  const sizes = await runner.queryRows<{ table: string; rows: string; bytes: string; partitions: string }>(sql`
    SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, uniqExact(partition_id) AS partitions
    FROM system.parts
    WHERE database = ${database} AND active
    GROUP BY table`);
  const byTable = new Map(sizes.map((s) => [s.table, s]));
  const tables = tableRows.map((t) => {
    const s = byTable.get(t.name);
    return { name: t.name, engine: t.engine, rows: Number(s?.rows ?? 0), bytes: Number(s?.bytes ?? 0), partitions: Number(s?.partitions ?? 0) };
  });
  return { database, exists, applied, pending, tables };
}
