// The Store on ClickHouse (18.16 and current) over HTTP with @clickhouse/client.
// One insert is one RowBinary statement and one attempt: batching, retry and
// backoff belong to the engine's batch writer, which needs to see each failure.
// Never retries here and never builds SQL outside sql-escape.

import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { Alert } from '../alerts/alert.ts';
import { redactUrl } from '../config/index.ts';
import { ConfigError, errorMessage } from '../errors/index.ts';
import type { AlertEventRow, DeliveryAttempt, IncidentEventRow } from '../incidents/model.ts';
import type { ClickHouseTls } from './clickhouse-connection.ts';
import { toStoreError } from './clickhouse-errors.ts';
import { clusterName } from './cluster-tables.ts';
import { checkStatsQuery } from './incident-stats.ts';
import { migrate, type MigrateResult, type SqlRunner } from './migrations.ts';
import {
  ALERT_COLUMNS,
  ALERT_EVENT_COLUMNS,
  DELIVERY_COLUMNS,
  EVENT_COLUMNS,
  INCIDENT_EVENT_COLUMNS,
  rowBinaryChunks,
  writeAlert,
  writeAlertEvent,
  writeDelivery,
  writeEvent,
  writeIncidentEvent,
  type RowBinaryWriter,
} from './row-binary.ts';
import { ident, isIdentifier, sql, type Sql } from './sql-escape.ts';
import type { IncidentStat, IncidentStatsQuery, Store, StoredEvent } from './store.ts';

/** A row of the incidentStats query; counts are UInt64, so strings in JSON. */
interface StatRow {
  inc_type: string;
  inc_zone: string;
  incidents: string;
  acknowledged: string;
  resolved: string;
  mtta_ms: number | null;
  mttr_ms: number | null;
}

/** An `incident_events` row as JSONEachRow returns it: what this store wrote, so its strings are the model's. */
interface HistoryRow {
  incident_id: string;
  seq: string;
  at: string;
  actor: string;
  kind: IncidentEventRow['kind'];
  detail: string;
  data: string;
  type: string;
  severity: IncidentEventRow['severity'];
  state: IncidentEventRow['state'];
  zones: string[];
  opened_at: string;
}

export interface ClickHouseStoreOptions {
  /** HTTP endpoint, e.g. `http://127.0.0.1:8123`. */
  url: string;
  /** Default `default`. */
  username?: string;
  /** Default empty. */
  password?: string;
  /** CA (and client certificate) for an `https://` URL; `clickHouseAccess(config)` builds it. */
  tls?: ClickHouseTls;
  /** Database holding the tables; a plain identifier. Default `ioc`. */
  database?: string;
  /**
   * How long one request may take before it fails as unavailable. Default
   * 10 s: a 50k-row batch takes well under a second on a healthy server.
   */
  requestTimeoutMs?: number;
  /** Clock for migration records, epoch ms. Default `Date.now`. */
  now?: () => number;
  /**
   * `clickhouse.cluster`: the cluster (in the servers' remote_servers) the
   * schema spans, or '' (the default) for one server. With a cluster,
   * migrations create Replicated `<name>_local` and Distributed `<name>`
   * tables ON CLUSTER, and inserts into them wait until every shard has its
   * rows (docs/decisions/0601).
   */
  cluster?: string;
}

/**
 * Events, alerts and incident history in ClickHouse. Failures to reach the server throw
 * UnavailableError; statements the server refuses throw ClickHouseQueryError.
 *
 * @example
 * const store = new ClickHouseStore({ url: 'http://127.0.0.1:8123' });
 * await store.migrate();
 * await store.insertEvents(batch);
 * const rows = await store.queryRows(sql`SELECT count() AS n FROM ${ident('ioc', 'events')} FINAL`);
 */
export class ClickHouseStore implements Store, SqlRunner {
  readonly kind = 'clickhouse' as const;
  readonly database: string;
  /** The cluster the schema spans; undefined for one server. */
  readonly cluster: string | undefined;
  private readonly client: ClickHouseClient;
  /** The server as messages name it: `ClickHouse at <url without credentials>`. */
  private readonly server: string;
  private readonly now: () => number;
  private readonly eventsTable: Sql;
  private readonly alertsTable: Sql;
  private readonly shadowAlertsTable: Sql;
  private readonly alertEventsTable: Sql;
  private readonly incidentEventsTable: Sql;
  private readonly deliveriesTable: Sql;

  constructor(options: ClickHouseStoreOptions) {
    const database = options.database ?? 'ioc';
    if (!isIdentifier(database)) throw new ConfigError(`ClickHouse database name "${database}" is not a plain identifier`);
    this.database = database;
    this.cluster = clusterName(options.cluster);
    this.server = `ClickHouse at ${redactUrl(options.url)}`;
    this.now = options.now ?? Date.now;
    this.eventsTable = ident(database, 'events');
    this.alertsTable = ident(database, 'alerts');
    this.shadowAlertsTable = ident(database, 'shadow_alerts');
    this.alertEventsTable = ident(database, 'alert_events');
    this.incidentEventsTable = ident(database, 'incident_events');
    this.deliveriesTable = ident(database, 'notification_deliveries');
    try {
      this.client = createClient({
        url: options.url,
        username: options.username ?? 'default',
        password: options.password ?? '',
        ...(options.tls ? { tls: options.tls } : {}),
        request_timeout: options.requestTimeoutMs ?? 10_000,
        application: 'thang-long-ioc',
        // A Distributed insert otherwise returns once the rows are queued on this node, and
        // the engine would acknowledge JetStream before every shard has them (URL setting: 18.16 reads it).
        ...(this.cluster === undefined ? {} : { clickhouse_settings: { insert_distributed_sync: 1 } }),
        // Errors are thrown to the caller, who logs them once; the client's own logging would repeat each.
        log: { level: ClickHouseLogLevel.OFF },
      });
    } catch (err) {
      throw new ConfigError(`ClickHouse URL "${redactUrl(options.url)}" is not usable: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Applies pending migrations and reports what it did. */
  async migrateSchema(): Promise<MigrateResult> {
    return migrate(this, { database: this.database, now: this.now });
  }

  async migrate(): Promise<void> {
    await this.migrateSchema();
  }

  async insertEvents(rows: readonly StoredEvent[]): Promise<void> {
    await this.insert(this.eventsTable, EVENT_COLUMNS, rows, writeEvent);
  }

  async insertAlerts(rows: readonly Alert[]): Promise<void> {
    const live = rows.filter((a) => !a.shadow);
    const shadow = rows.filter((a) => a.shadow);
    if (live.length > 0) await this.insert(this.alertsTable, ALERT_COLUMNS, live, writeAlert);
    if (shadow.length > 0) await this.insert(this.shadowAlertsTable, ALERT_COLUMNS, shadow, writeAlert);
  }

  async insertAlertEvents(rows: readonly AlertEventRow[]): Promise<void> {
    await this.insert(this.alertEventsTable, ALERT_EVENT_COLUMNS, rows, writeAlertEvent);
  }

  async insertIncidentEvents(rows: readonly IncidentEventRow[]): Promise<void> {
    await this.insert(this.incidentEventsTable, INCIDENT_EVENT_COLUMNS, rows, writeIncidentEvent);
  }

  async insertDeliveries(rows: readonly DeliveryAttempt[]): Promise<void> {
    await this.insert(this.deliveriesTable, DELIVERY_COLUMNS, rows, writeDelivery);
  }

  /**
   * One pass over `incident_events` without FINAL: every figure is a min, max,
   * count of kinds or argMax by seq, which a replayed copy of a row cannot
   * change. The range applies to the computed opening, so the whole table is
   * grouped (incident volume is small: thousands of rows a month). Written for
   * 18.16 and current releases alike: no alias shadows a column (versions
   * resolve those differently), and an empty average is an explicit NULL
   * rather than avg's nan.
   */
  async incidentStats(q: IncidentStatsQuery): Promise<IncidentStat[]> {
    checkStatsQuery(q);
    const typeFilter = q.types !== undefined && q.types.length > 0 ? sql`AND has(${q.types}, inc_type)` : sql``;
    const zoneFilter = q.zones !== undefined && q.zones.length > 0 ? sql`WHERE has(${q.zones}, inc_zone)` : sql``;
    const rows = await this.queryRows<StatRow>(sql`
      SELECT inc_type, inc_zone,
             count() AS incidents,
             countIf(acked) AS acknowledged,
             countIf(closed) AS resolved,
             if(countIf(acked) = 0, NULL, avgIf(toInt64(acked_at) - toInt64(opened), acked)) AS mtta_ms,
             if(countIf(closed) = 0, NULL, avgIf(toInt64(closed_at) - toInt64(opened), closed)) AS mttr_ms
      FROM (
        SELECT argMax(type, seq) AS inc_type,
               argMax(zones, seq) AS inc_zones,
               if(countIf(kind = 'opened') > 0, minIf(at, kind = 'opened'), min(opened_at)) AS opened,
               countIf(kind = 'acknowledged') > 0 AS acked,
               minIf(at, kind = 'acknowledged') AS acked_at,
               countIf(kind = 'resolved') > 0
                 AND (countIf(kind = 'reopened') = 0 OR maxIf(seq, kind = 'resolved') > maxIf(seq, kind = 'reopened')) AS closed,
               maxIf(at, kind = 'resolved') AS closed_at
        FROM ${this.incidentEventsTable}
        GROUP BY incident_id
        HAVING opened >= ${q.from} AND opened < ${q.to} ${typeFilter}
      )
      ARRAY JOIN arrayDistinct(if(empty(inc_zones), [''], inc_zones)) AS inc_zone
      ${zoneFilter}
      GROUP BY inc_type, inc_zone
      ORDER BY inc_type, inc_zone`);
    return rows.map((r) => ({
      type: r.inc_type,
      zone: r.inc_zone,
      incidents: Number(r.incidents),
      acknowledged: Number(r.acknowledged),
      resolved: Number(r.resolved),
      mttaMs: r.mtta_ms,
      mttrMs: r.mttr_ms,
    }));
  }

  async incidentHistory(incidentId: string): Promise<IncidentEventRow[]> {
    const rows = await this.queryRows<HistoryRow>(
      sql`SELECT ${INCIDENT_EVENT_COLUMNS} FROM ${this.incidentEventsTable} FINAL WHERE incident_id = ${incidentId} ORDER BY seq`,
    );
    return rows.map((r) => ({
      incidentId: r.incident_id,
      seq: Number(r.seq),
      at: Number(r.at),
      actor: r.actor,
      kind: r.kind,
      detail: r.detail,
      data: r.data,
      type: r.type,
      severity: r.severity,
      state: r.state,
      zones: r.zones,
      openedAt: Number(r.opened_at),
    }));
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()).success;
    } catch {
      return false;
    }
  }

  async command(statement: Sql): Promise<void> {
    try {
      await this.client.command({ query: statement.text });
    } catch (err) {
      throw toStoreError(err, 'command', this.server);
    }
  }

  /**
   * Runs a query and returns its rows. Rows are not validated: `T` is the
   * caller's claim. UInt64 and Int64 values arrive as strings.
   */
  /** `settings` go with the request (URL settings): 18.16 applies some, such as `max_result_rows`, only from there. */
  async queryRows<T = Record<string, unknown>>(query: Sql, settings?: Record<string, string | number>): Promise<T[]> {
    try {
      const result = await this.client.query({ query: query.text, format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings as ClickHouseSettings } : {}) });
      return await result.json<T>();
    } catch (err) {
      throw toStoreError(err, 'query', this.server);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * Streams the rows as one INSERT, encoding while the server parses
   * (measured on 18.16, 2 cores: ~300k event rows/s; the client's own
   * JSONEachRow insert, which stringifies every row first, ~85k). A statement
   * the server refuses fails whole, with its message: 18.16 reads the body to
   * its end before answering.
   */
  private async insert<T>(table: Sql, columns: Sql, rows: readonly T[], write: (w: RowBinaryWriter, row: T) => void): Promise<void> {
    if (rows.length === 0) return;
    try {
      const body = Readable.from(rowBinaryChunks(rows, write), { objectMode: false });
      const result = await this.client.exec({ query: sql`INSERT INTO ${table} (${columns}) FORMAT RowBinary`.text, values: body });
      result.stream.resume();
      await finished(result.stream);
    } catch (err) {
      throw toStoreError(err, `insert into ${table.text}`, this.server);
    }
  }
}
