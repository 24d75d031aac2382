// `ioc db migrate|status|rebuild-rollups`: the operator's view of the
// ClickHouse schema, against the configured server (ioc.yaml, IOC_* variables).
// Prints results on stdout; never changes anything from `status`.

import { loadConfig } from '../config/index.ts';
import { FailedPreconditionError, UnavailableError } from '../errors/index.ts';
import { clickHouseAccess, ClickHouseStore, migrations, parseDay, rebuildRollups, schemaStatus, sql, type SchemaStatus } from '../store/index.ts';

export interface DbOptions {
  config?: string;
}

/** The URL without credentials, for messages. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Opens the configured store and checks the server answers, so that every
 * command fails the same clear way when it does not: where it tried and why.
 */
async function open(o: DbOptions): Promise<{ store: ClickHouseStore; where: string }> {
  const config = loadConfig(o.config ? { file: o.config } : {});
  const url = config['clickhouse.url'];
  const where = `${shownUrl(url)} (database ${config['clickhouse.db']})`;
  const store = new ClickHouseStore({
    ...clickHouseAccess(config),
    database: config['clickhouse.db'],
    cluster: config['clickhouse.cluster'],
    requestTimeoutMs: 60_000,
  });
  try {
    await store.queryRows(sql`SELECT 1`);
  } catch (err) {
    await store.close();
    if (err instanceof UnavailableError) {
      throw new UnavailableError(`cannot reach ClickHouse at ${shownUrl(url)} (clickhouse.url, IOC_CLICKHOUSE_URL): ${err.message}`, { cause: err });
    }
    throw err;
  }
  return { store, where };
}

export async function withStore<T>(o: DbOptions, work: (store: ClickHouseStore, where: string) => Promise<T>): Promise<T> {
  const { store, where } = await open(o);
  try {
    return await work(store, where);
  } finally {
    await store.close();
  }
}

/** `ioc db migrate`: applies pending migrations and prints each one applied. */
export async function runDbMigrate(o: DbOptions): Promise<void> {
  await withStore(o, async (store, where) => {
    const result = await store.migrateSchema();
    const names = new Map(migrations.map((m) => [m.version, m.name]));
    for (const v of result.applied) console.log(`applied ${v} ${names.get(v) ?? ''}`.trimEnd());
    console.log(
      result.applied.length === 0
        ? `${where}: schema is current (version ${result.version})`
        : `${where}: ${result.applied.length} migration(s) applied, now at version ${result.version}`,
    );
  });
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Left-aligned text columns, two spaces apart. */
function columns(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

/** The status report as lines of text. */
export function formatStatus(s: SchemaStatus, where: string): string[] {
  const out = [`${where}: ${s.applied.length} migration(s) applied, ${s.pending.length} pending`];
  if (!s.exists) out.push(`database ${s.database} does not exist yet: run \`ioc db migrate\``);
  for (const a of s.applied) out.push(`  applied  ${a.version} ${a.name} at ${new Date(a.appliedAt).toISOString()}`);
  for (const p of s.pending) out.push(`  pending  ${p.version} ${p.name}`);
  if (s.tables.length > 0) {
    out.push('tables:');
    const rows = [['  table', 'engine', 'rows', 'bytes', 'partitions']];
    for (const t of s.tables) rows.push([`  ${t.name}`, t.engine, String(t.rows), formatBytes(t.bytes), String(t.partitions)]);
    out.push(...columns(rows, new Set([2, 3, 4])));
  }
  return out;
}

/** `ioc db status`: applied and pending migrations, tables with rows, bytes and partitions. */
export async function runDbStatus(o: DbOptions): Promise<void> {
  await withStore(o, async (store, where) => {
    const s = await schemaStatus(store, { database: store.database });
    for (const line of formatStatus(s, where)) console.log(line);
  });
}

/**
 * `ioc db rebuild-rollups --day`: recomputes one UTC day of every rollup from
 * `events FINAL`. Refuses a database without the rollups migration.
 */
export async function runDbRebuildRollups(o: DbOptions & { day: string }, now: () => number = Date.now): Promise<void> {
  const day = parseDay(o.day);
  await withStore(o, async (store, where) => {
    const s = await schemaStatus(store, { database: store.database });
    if (s.pending.some((p) => p.name === 'rollups')) {
      throw new FailedPreconditionError(`${where} has no rollup tables yet: run \`ioc db migrate\` first`);
    }
    const today = new Date(now()).toISOString().slice(0, 10);
    if (day >= today) {
      process.stderr.write(`ioc: warning: ${day} is not over yet (UTC); events written during the rebuild may be counted twice\n`);
    }
    const result = await rebuildRollups(store, { database: store.database, day });
    for (const [table, rows] of Object.entries(result.rows)) console.log(`${table}: ${rows} rows for ${result.day}`);
    console.log(`${where}: rollups for ${result.day} rebuilt from events`);
  });
}
