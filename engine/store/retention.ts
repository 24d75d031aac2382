// Retention for ClickHouse 18.16, which has no TTL: on a timer, list the
// active partitions of our tables, decide which are older than their table
// keeps, and drop them whole, logging each drop. Must never drop a partition
// that still holds data younger than its table's retention, nor touch a table
// it was not told about. On a cluster (runner.cluster) the parts are those of
// the `<name>_local` tables on every shard, and drops go to them ON CLUSTER.

import type { Logger } from '../log/index.ts';
import { errorMessage, InvalidArgumentError } from '../errors/index.ts';
import { clusterName, LOCAL_SUFFIX, localName, onCluster } from './cluster-tables.ts';
import type { SqlRunner } from './migrations.ts';
import { ident, isIdentifier, sql } from './sql-escape.ts';

const DAY_MS = 86_400_000;

/** Days each kind of table keeps; 0 keeps it forever. */
export interface RetentionPolicy {
  eventsDays: number;
  rollupsMinuteDays: number;
  rollupsHourDays: number;
  /** Alert, incident and notification history (monthly partitions). */
  alertsDays: number;
}

/** Which policy entry governs each table; tables not listed are never touched. */
export const retentionTables: Readonly<Record<string, keyof RetentionPolicy>> = {
  events: 'eventsDays',
  rollup_source_1m: 'rollupsMinuteDays',
  rollup_zone_1m: 'rollupsMinuteDays',
  rollup_source_1h: 'rollupsHourDays',
  rollup_zone_1h: 'rollupsHourDays',
  alerts: 'alertsDays',
  alert_events: 'alertsDays',
  incident_events: 'alertsDays',
  notification_deliveries: 'alertsDays',
};

/** An active partition as `system.parts` reports it, summed over its parts. */
export interface PartitionInfo {
  table: string;
  /** `partition_id`: `YYYYMMDD` for a day partition, `YYYYMM` for a `toYYYYMM` one. */
  partitionId: string;
  rows: number;
  bytes: number;
}

export interface ExpiredPartition extends PartitionInfo {
  /** Days its table keeps. */
  keepDays: number;
  /** End of the partition's period (exclusive), epoch ms: everything in it is older. */
  endsAt: number;
}

/**
 * The period a partition id covers, as [start, end) epoch ms (UTC), or
 * undefined when the id is neither a day (`YYYYMMDD`) nor a month (`YYYYMM`).
 *
 * @example partitionPeriod('202601') // { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 1, 1) }
 */
export function partitionPeriod(partitionId: string): { start: number; end: number } | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})?$/.exec(partitionId);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]) - 1;
  if (month > 11 || year < 1970) return undefined;
  if (m[3] === undefined) return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  const day = Number(m[3]);
  const start = Date.UTC(year, month, day);
  if (day < 1 || new Date(start).getUTCMonth() !== month) return undefined;
  return { start, end: start + DAY_MS };
}

/**
 * The partitions to drop at `now`: those of a governed table whose whole
 * period ended at least `keepDays` days ago. A day partition for day D goes
 * once `now >= D + 1 + keepDays` days; a month once its last day is that old.
 * Partitions of other tables, tables kept forever (0) and ids that are not a
 * day or a month are kept. Pure; sorted by table, then partition.
 *
 * @example expiredPartitions(parts, { eventsDays: 30, ... }, Date.now())
 */
export function expiredPartitions(
  parts: readonly PartitionInfo[],
  policy: RetentionPolicy,
  now: number,
  tables: Readonly<Record<string, keyof RetentionPolicy>> = retentionTables,
): ExpiredPartition[] {
  const out: ExpiredPartition[] = [];
  for (const p of parts) {
    const key = Object.hasOwn(tables, p.table) ? tables[p.table] : undefined;
    if (key === undefined) continue;
    const keepDays = policy[key];
    if (!(keepDays > 0)) continue;
    const period = partitionPeriod(p.partitionId);
    if (period === undefined || period.end > now - keepDays * DAY_MS) continue;
    out.push({ ...p, keepDays, endsAt: period.end });
  }
  return out.sort((a, b) => (a.table === b.table ? compare(a.partitionId, b.partitionId) : compare(a.table, b.table)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface RetentionOptions {
  runner: SqlRunner;
  /** Database holding the tables; a plain identifier. */
  database: string;
  policy: RetentionPolicy;
  /** How often `start()` runs a pass, ms. */
  everyMs: number;
  /** Epoch ms; expiry is measured from it. */
  now(): number;
  log: Logger;
  /** Defaults to `retentionTables`. */
  tables?: Readonly<Record<string, keyof RetentionPolicy>>;
}

export interface RetentionRun {
  dropped: ExpiredPartition[];
  /** Partitions that were due but could not be dropped (logged; the next pass tries again). */
  failed: ExpiredPartition[];
}

/**
 * Drops expired partitions now (`run`) or every `everyMs` (`start`/`stop`).
 * Drops go by `DROP PARTITION ID`, which reads the same for a Date and a
 * `toYYYYMM` partition on 18.16 and current releases (18.16 refuses a quoted
 * `'202601'` for a UInt32 partition). Running it in two engines at once is
 * harmless: dropping a partition that is gone does nothing. On a cluster it
 * lists the parts of every shard (one replica each, through `cluster()`) and
 * drops from the local tables ON CLUSTER, where a shard without the partition
 * does nothing and a Replicated shard drops it on all its replicas.
 *
 * @example
 * const retention = new Retention({ runner: store, database: 'ioc', policy, everyMs: 3_600_000, now: Date.now, log });
 * retention.start();
 * await retention.stop();
 */
export class Retention {
  private readonly options: RetentionOptions;
  private readonly tables: Readonly<Record<string, keyof RetentionPolicy>>;
  private readonly cluster: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionRun> | undefined;
  private stopped = true;

  constructor(options: RetentionOptions) {
    if (!isIdentifier(options.database)) throw new InvalidArgumentError(`database name "${options.database}" is not a plain identifier`);
    if (!(options.everyMs > 0)) throw new InvalidArgumentError(`retention interval must be positive, got ${options.everyMs}`);
    this.options = options;
    this.tables = options.tables ?? retentionTables;
    this.cluster = clusterName(options.runner.cluster);
  }

  /** The active partitions of the governed tables, from `system.parts` (of every shard, on a cluster), by logical table name. */
  async partitions(): Promise<PartitionInfo[]> {
    const { cluster } = this;
    const names = Object.keys(this.tables);
    const parts = cluster === undefined ? sql`system.parts` : sql`cluster(${ident(cluster)}, system, parts)`;
    const rows = await this.options.runner.queryRows<{ table: string; partition_id: string; rows: string; bytes: string }>(sql`
      SELECT table, partition_id, sum(rows) AS rows, sum(bytes_on_disk) AS bytes
      FROM ${parts}
      WHERE database = ${this.options.database} AND active AND has(${cluster === undefined ? names : names.map(localName)}, table)
      GROUP BY table, partition_id
      ORDER BY table, partition_id`);
    const logical = (table: string): string => (cluster === undefined ? table : table.slice(0, -LOCAL_SUFFIX.length));
    return rows.map((r) => ({ table: logical(r.table), partitionId: r.partition_id, rows: Number(r.rows), bytes: Number(r.bytes) }));
  }

  /**
   * One pass: lists, decides at `now()`, drops. A failed drop is logged and
   * reported, and the pass goes on; a failed listing throws.
   */
  async run(): Promise<RetentionRun> {
    const { runner, database, policy, log } = this.options;
    const due = expiredPartitions(await this.partitions(), policy, this.options.now(), this.tables);
    const result: RetentionRun = { dropped: [], failed: [] };
    for (const p of due) {
      const fields = { table: p.table, partition: p.partitionId, rows: p.rows, bytes: p.bytes, keepDays: p.keepDays, ...(this.cluster === undefined ? {} : { cluster: this.cluster }) };
      try {
        const table = this.cluster === undefined ? ident(database, p.table) : sql`${ident(database, localName(p.table))}${onCluster(this.cluster)}`;
        await runner.command(sql`ALTER TABLE ${table} DROP PARTITION ID ${p.partitionId}`);
        result.dropped.push(p);
        log.info(fields, 'retention: dropped expired partition');
      } catch (err) {
        result.failed.push(p);
        log.warn({ ...fields, err: errorMessage(err) }, 'retention: could not drop expired partition; next pass retries');
      }
    }
    return result;
  }

  /** Runs a pass now and then every `everyMs`; a pass never overlaps the previous one. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.run();
      this.running
        .catch((err: unknown) => {
          this.options.log.warn({ err: errorMessage(err) }, 'retention: pass failed; next pass retries');
        })
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.options.everyMs);
        });
    }, delay);
    this.timer.unref();
  }
}
