// The query methods over ClickHouse: checks each request, plans what to read,
// runs the SQL under the row and time limits and reads the rows back. Read-only:
// it must never write, and never send SQL that did not come from the builders here.

import { ConfigError, ResourceExhaustedError } from '../errors/index.ts';
import { isIdentifier } from '../store/index.ts';
import { alertCountsSql, incidentCountsSql, readAlertCount, readIncidentCount, type AlertCountsQuery, type AlertCountsResult } from './alert-counts.ts';
import { checkInstant, checkLookback, checkName, checkNames, checkRange, checkStep, checkTimeZone, checkTopLimit, MAX_RANGE_MS } from './checks.ts';
import { checkLimits, DEFAULT_LIMITS, runLimited, type QueryLimits, type QueryRunner } from './limits.ts';
import { bucketCount, chooseResolution, planBuckets } from './resolution.ts';
import { readSeriesPoint, seriesSql, type SeriesQuery, type SeriesResult, type SeriesTarget } from './series.ts';
import { DEFAULT_INCIDENT_LOOKBACK_MS, incidentsAtSql, readIncidentsAt, type IncidentAtRow, type IncidentsAtQuery, type IncidentsAtResult } from './incidents-at.ts';
import {
  alertsAtSql,
  DEFAULT_SENSOR_LOOKBACK_MS,
  MAX_SENSOR_LOOKBACK_MS,
  readAlertsAt,
  readSensorAt,
  sensorsAtSql,
  withSeverities,
  type AlertAtRow,
  type SensorAtRow,
  type SensorsAtQuery,
  type SensorsAtResult,
} from './sensors-at.ts';
import { readTopEntry, topSql, type TopQuery, type TopResult } from './top.ts';
import { joinKpis, kpiAggregatesSql, kpiLatestSql, type LatestRow, type ZoneKpisQuery, type ZoneKpisResult } from './zone-kpis.ts';

export interface QueryServiceOptions {
  /** Runs SQL on ClickHouse; ClickHouseStore does. */
  runner: QueryRunner;
  /** Database holding the tables; a plain identifier. Default `ioc`. */
  database?: string;
  /** Row and time limit of every query. Default 100,000 rows and 8 s. */
  limits?: Partial<QueryLimits>;
  /** Clock for "now" (ZoneKpis without `at`), epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Incidents not yet resolved in a zone, now. Default: none. */
  openIncidents?: (zone: string) => number;
}

/**
 * Series, zone KPIs, top-N and alert counts from ClickHouse. Bad input throws
 * InvalidArgumentError; a query past a limit, ResourceExhaustedError; the
 * server unreachable, UnavailableError.
 *
 * @example
 * const queries = new QueryService({ runner: store, database: 'ioc' });
 * const { resolution, points } = await queries.series({ target: { kind: 'zone', zone: 'hoan-kiem', type: 'rain' }, from, to });
 */
export class QueryService {
  readonly limits: QueryLimits;
  private readonly runner: QueryRunner;
  private readonly database: string;
  private readonly now: () => number;
  private readonly openIncidents: (zone: string) => number;

  constructor(options: QueryServiceOptions) {
    const database = options.database ?? 'ioc';
    if (!isIdentifier(database)) throw new ConfigError(`ClickHouse database name "${database}" is not a plain identifier`);
    this.database = database;
    this.runner = options.runner;
    this.limits = checkLimits({ ...DEFAULT_LIMITS, ...options.limits });
    this.now = options.now ?? Date.now;
    this.openIncidents = options.openIncidents ?? (() => 0);
  }

  /**
   * A time series at the resolution the range needs (or the forced one), in
   * buckets of `stepMs`; the result says what was read.
   */
  async series(q: SeriesQuery): Promise<SeriesResult> {
    const target = checkTarget(q.target);
    checkRange(q.from, q.to);
    const stepMs = checkStep(q.stepMs ?? 0);
    const plan = planBuckets(chooseResolution(q.to - q.from, q.resolution), q.from, q.to, stepMs);
    const buckets = bucketCount(plan);
    if (buckets > this.limits.maxRows) {
      throw new ResourceExhaustedError(
        `a step of ${plan.stepMs} ms over this range makes ${buckets} buckets; the query row limit is ${this.limits.maxRows}: use a larger step or a shorter range`,
      );
    }
    const rows = await runLimited<Record<string, unknown>>(this.runner, seriesSql(this.database, target, plan), {
      limits: this.limits,
      what: 'the series',
      narrow: plan.resolution === 'raw' ? 'use a shorter range, or minute resolution' : 'use a shorter range, a larger step or a coarser resolution',
    });
    return { ...plan, points: rows.map(readSeriesPoint) };
  }

  /** Latest value, hour and 24 h figures and open incidents per zone for one event type, as of `at` (default now). */
  async zoneKpis(q: ZoneKpisQuery): Promise<ZoneKpisResult> {
    const type = checkName(q.type, 'type', 'event type');
    const zones = checkNames(q.zones, 'zones');
    const at = checkInstant(q.at, 'at', this.now);
    const how = { limits: this.limits, what: 'the zone KPIs', narrow: 'list fewer zones' };
    const [aggregates, latest] = await Promise.all([
      runLimited<Record<string, unknown>>(this.runner, kpiAggregatesSql(this.database, type, zones, at), how),
      runLimited<LatestRow>(this.runner, kpiLatestSql(this.database, type, zones, at), how),
    ]);
    return { at, kpis: joinKpis(zones, aggregates, latest, this.openIncidents) };
  }

  /** The top zones or sources by a metric of one event type over a range. */
  async top(q: TopQuery): Promise<TopResult> {
    const type = checkName(q.type, 'type', 'event type');
    checkRange(q.from, q.to);
    const take = checkTopLimit(q.limit ?? 0);
    const { resolution, from, to } = planBuckets(chooseResolution(q.to - q.from, q.resolution), q.from, q.to, 0);
    const rows = await runLimited<Record<string, unknown>>(this.runner, topSql(this.database, { by: q.by, type, metric: q.metric }, { resolution, from, to }), {
      limits: this.limits,
      what: 'the ranking',
      narrow: resolution === 'raw' ? 'use a shorter range, or minute resolution' : 'use a shorter range or a coarser resolution',
      take,
    });
    return { resolution, from, to, entries: rows.map(readTopEntry) };
  }

  /** Alerts that started firing (per rule) and incidents opened (per type), per zone and day. */
  async alertCounts(q: AlertCountsQuery): Promise<AlertCountsResult> {
    checkRange(q.from, q.to);
    const timeZone = checkTimeZone(q.timeZone);
    const checked: AlertCountsQuery = { from: q.from, to: q.to, rules: checkNames(q.rules, 'rules'), types: checkNames(q.types, 'types'), zones: checkNames(q.zones, 'zones') };
    const how = { limits: this.limits, what: 'the alert counts', narrow: 'use a shorter range, or name some rules, types or zones' };
    const [alerts, incidents] = await Promise.all([
      runLimited<Record<string, unknown>>(this.runner, alertCountsSql(this.database, checked, timeZone), how),
      runLimited<Record<string, unknown>>(this.runner, incidentCountsSql(this.database, checked, timeZone), how),
    ]);
    return { alerts: alerts.map(readAlertCount), incidents: incidents.map(readIncidentCount), timeZone };
  }

  /**
   * The city at an instant: each source's latest event at or before `at`
   * within the lookback (default 1 h, at most 24 h), colored by the alerts
   * firing then, and those alerts.
   */
  async sensorsAt(q: SensorsAtQuery): Promise<SensorsAtResult> {
    const at = checkInstant(q.at, 'at', this.now);
    const lookback = checkLookback(q.lookbackMs, 'lookback_ms', DEFAULT_SENSOR_LOOKBACK_MS, MAX_SENSOR_LOOKBACK_MS);
    const from = Math.max(0, at - lookback);
    const types = checkNames(q.types, 'types');
    const zones = checkNames(q.zones, 'zones');
    const [sensors, alerts] = await Promise.all([
      runLimited<SensorAtRow>(this.runner, sensorsAtSql(this.database, { at, from, types, zones }), {
        limits: this.limits,
        what: 'the sensors at that instant',
        narrow: 'use a shorter lookback, or name some types or zones',
      }),
      runLimited<AlertAtRow>(this.runner, alertsAtSql(this.database, { at, zones }), {
        limits: this.limits,
        what: 'the alerts firing at that instant',
        narrow: 'name some zones',
      }),
    ]);
    const firing = readAlertsAt(alerts);
    return { at, from, sensors: withSeverities(sensors.map(readSensorAt), firing), alerts: firing };
  }

  /** Incidents not resolved at `at`, as their history recorded them then (opened within the lookback, default 30 days). */
  async incidentsAt(q: IncidentsAtQuery): Promise<IncidentsAtResult> {
    const at = checkInstant(q.at, 'at', this.now);
    const lookback = checkLookback(q.lookbackMs, 'lookback_ms', DEFAULT_INCIDENT_LOOKBACK_MS, MAX_RANGE_MS);
    const from = Math.max(0, at - lookback);
    const rows = await runLimited<IncidentAtRow>(
      this.runner,
      incidentsAtSql(this.database, { at, from, types: checkNames(q.types, 'types'), zones: checkNames(q.zones, 'zones') }),
      { limits: this.limits, what: 'the incidents at that instant', narrow: 'use a shorter lookback, or name some types or zones' },
    );
    return { at, incidents: readIncidentsAt(rows) };
  }
}

function checkTarget(t: SeriesTarget): SeriesTarget {
  const type = t.type === undefined || t.type === '' ? undefined : checkName(t.type, 'type', 'event type');
  switch (t.kind) {
    case 'source':
      return { kind: 'source', source: checkName(t.source, 'source', 'source'), ...(type ? { type } : {}) };
    case 'zone':
      return { kind: 'zone', zone: checkName(t.zone, 'zone', 'zone'), ...(type ? { type } : {}) };
    case 'type':
      return { kind: 'type', type: checkName(t.type, 'type', 'event type') };
  }
}
