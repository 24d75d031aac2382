// The ioc.v1.Query service over QueryService: converts requests from protobuf
// (enums to names, zero values to "absent"), calls the query methods and
// converts their figures back. It must never build SQL itself; every check of
// ranges, names and limits is engine/query's.

import { ioc } from '../../protos/gen/ioc.js';
import { QueryService as QueryMethods } from '../../protos/gen/services.ts';
import { FailedPreconditionError, InvalidArgumentError } from '../errors/index.ts';
import {
  checkNames,
  checkRange,
  QueryService,
  type Aggregates,
  type AlertAt,
  type AlertSeverity,
  type IncidentAt,
  type QueryLimits,
  type QueryRunner,
  type Resolution,
  type SeriesTarget,
  type TopBy,
  type TopMetric,
} from '../query/index.ts';
import type { IncidentStat, IncidentStatsQuery } from '../store/index.ts';
import { incidentStatToProto, sensorToProto } from './convert.ts';
import type { MethodHandler, UnaryHandler } from './handlers.ts';

export interface QueryHandlerDeps {
  /** Runs SQL on ClickHouse (ClickHouseStore); absent when the engine has none: every method answers FAILED_PRECONDITION. */
  runner?: QueryRunner;
  /** Database holding the tables. Default `ioc`. */
  database?: string;
  /** Row and time limit of every query. Default 100,000 rows and 8 s (keep it under the store's request timeout). */
  limits?: Partial<QueryLimits>;
  /** Clock for ZoneKpis without `at`. Default `Date.now`. */
  now?: () => number;
  /** Incidents not yet resolved in a zone, now (from incident management). */
  openIncidents: (zone: string) => number;
  /** MTTA/MTTR from the incident history (Store.incidentStats, ClickHouse or memory). */
  incidentStats: (q: IncidentStatsQuery) => Promise<IncidentStat[]>;
}

const RESOLUTIONS: Record<number, Resolution | undefined> = {
  [ioc.v1.Resolution.RESOLUTION_AUTO]: undefined,
  [ioc.v1.Resolution.RESOLUTION_RAW]: 'raw',
  [ioc.v1.Resolution.RESOLUTION_MINUTE]: 'minute',
  [ioc.v1.Resolution.RESOLUTION_HOUR]: 'hour',
};
const RESOLUTION_TO_PROTO: Record<Resolution, ioc.v1.Resolution> = {
  raw: ioc.v1.Resolution.RESOLUTION_RAW,
  minute: ioc.v1.Resolution.RESOLUTION_MINUTE,
  hour: ioc.v1.Resolution.RESOLUTION_HOUR,
};
const METRICS: Record<number, TopMetric> = {
  [ioc.v1.TopMetric.TOP_METRIC_COUNT]: 'count',
  [ioc.v1.TopMetric.TOP_METRIC_AVG]: 'avg',
  [ioc.v1.TopMetric.TOP_METRIC_MAX]: 'max',
  [ioc.v1.TopMetric.TOP_METRIC_P95]: 'p95',
};
const BY: Record<number, TopBy> = {
  [ioc.v1.TopBy.TOP_BY_ZONE]: 'zone',
  [ioc.v1.TopBy.TOP_BY_SOURCE]: 'source',
};

function resolutionFromProto(r: ioc.v1.Resolution | null | undefined): Resolution | undefined {
  const value = r ?? 0;
  if (!(value in RESOLUTIONS)) throw new InvalidArgumentError(`resolution ${value} is unknown: use RESOLUTION_AUTO, RESOLUTION_RAW, RESOLUTION_MINUTE or RESOLUTION_HOUR`);
  return RESOLUTIONS[value];
}

function fromAllowList<T>(table: Record<number, T>, value: number | null | undefined, field: string, names: string): T {
  const found = table[value ?? 0];
  if (found === undefined) throw new InvalidArgumentError(`${field} ${value ?? 0} is not one of ${names}`);
  return found;
}

function targetFromProto(req: ioc.v1.SeriesRequest.$Properties): SeriesTarget {
  const type = req.type || undefined;
  if (req.source && req.zone) throw new InvalidArgumentError('give source or zone, not both: a series is of one source, one zone or one event type');
  if (req.source) return { kind: 'source', source: req.source, ...(type ? { type } : {}) };
  if (req.zone) return { kind: 'zone', zone: req.zone, ...(type ? { type } : {}) };
  if (type) return { kind: 'type', type };
  throw new InvalidArgumentError('name what to chart: a source, a zone, or an event type (type alone: the whole city)');
}

/** Figures as protobuf: value figures left unset (not 0) when there were no values. */
function aggregatesToProto(a: Aggregates): ioc.v1.Aggregates {
  const out: ioc.v1.Aggregates.$Properties = { count: a.count, valueCount: a.valueCount };
  for (const k of ['sum', 'avg', 'min', 'max', 'p50', 'p90', 'p95', 'p99'] as const) {
    const v = a[k];
    if (v !== null) out[k] = v;
  }
  return ioc.v1.Aggregates.create(out);
}

const SEVERITY_TO_PROTO: Record<AlertSeverity, ioc.v1.Severity> = {
  info: ioc.v1.Severity.INFO,
  minor: ioc.v1.Severity.MINOR,
  major: ioc.v1.Severity.MAJOR,
  critical: ioc.v1.Severity.CRITICAL,
};

/** An alert firing at a past instant: what the alert history keeps of it. */
function alertAtToProto(a: AlertAt): ioc.v1.Alert {
  return ioc.v1.Alert.create({
    fingerprint: a.fingerprint,
    rule: a.rule,
    key: a.key,
    state: ioc.v1.AlertState.FIRING,
    severity: SEVERITY_TO_PROTO[a.severity],
    title: a.title,
    message: a.message,
    zone: a.zone,
    source: a.source,
    ...(a.value !== undefined ? { value: a.value } : {}),
    eventId: a.eventId,
    eventType: a.eventType,
    startsAt: a.startsAt,
  });
}

/** An incident at a past instant: what its history rows keep; the rest stays unset. */
function incidentAtToProto(i: IncidentAt): ioc.v1.Incident {
  return ioc.v1.Incident.create({
    id: i.id,
    type: i.type,
    state: i.state === 'open' ? ioc.v1.IncidentState.INCIDENT_STATE_OPEN : ioc.v1.IncidentState.INCIDENT_STATE_ACKNOWLEDGED,
    severity: SEVERITY_TO_PROTO[i.severity],
    zones: i.zones,
    openedAt: i.openedAt,
    ...(i.acknowledgedAt !== undefined ? { acknowledgedAt: i.acknowledgedAt, acknowledgedBy: i.acknowledgedBy ?? '' } : {}),
    assignee: i.assignee,
  });
}

/** One handler-table entry for a unary method (the table holds handlers of unknown types). */
function unary<Req, Res>(handle: UnaryHandler<Req, Res>): MethodHandler {
  return { kind: 'unary', handle: handle as UnaryHandler<unknown, unknown> };
}

/**
 * The handlers of every ioc.v1.Query method, by path, for `createHandlers`.
 * @example new Map([...queryHandlers({ runner: store, openIncidents, incidentStats: (q) => store.incidentStats(q) })])
 */
export function queryHandlers(deps: QueryHandlerDeps): Map<string, MethodHandler> {
  const { runner } = deps;
  const queries =
    runner === undefined
      ? undefined
      : new QueryService({
          runner,
          openIncidents: deps.openIncidents,
          ...(deps.database !== undefined ? { database: deps.database } : {}),
          ...(deps.limits !== undefined ? { limits: deps.limits } : {}),
          ...(deps.now !== undefined ? { now: deps.now } : {}),
        });
  const service = (): QueryService => {
    if (queries === undefined) throw new FailedPreconditionError('queries need ClickHouse: this engine keeps no history (embedded mode); run it with storage');
    return queries;
  };

  async function series(req: ioc.v1.SeriesRequest.$Properties): Promise<ioc.v1.SeriesResponse> {
    const r = await service().series({
      target: targetFromProto(req),
      from: req.from ?? 0,
      to: req.to ?? 0,
      stepMs: req.stepMs ?? 0,
      resolution: resolutionFromProto(req.resolution),
    });
    return ioc.v1.SeriesResponse.create({
      resolution: RESOLUTION_TO_PROTO[r.resolution],
      stepMs: r.stepMs,
      from: r.from,
      to: r.to,
      points: r.points.map(({ t, ...values }) => ioc.v1.SeriesPoint.create({ t, values: aggregatesToProto(values) })),
    });
  }

  async function zoneKpis(req: ioc.v1.ZoneKpisRequest.$Properties): Promise<ioc.v1.ZoneKpisResponse> {
    const r = await service().zoneKpis({ type: req.type ?? '', zones: req.zones ?? [], at: req.at ?? 0 });
    return ioc.v1.ZoneKpisResponse.create({
      at: r.at,
      kpis: r.kpis.map((k) =>
        ioc.v1.ZoneKpi.create({
          zone: k.zone,
          ...(k.latest ? { latest: ioc.v1.LatestValue.create(k.latest) } : {}),
          hour: aggregatesToProto(k.hour),
          day: aggregatesToProto(k.day),
          openIncidents: k.openIncidents,
        }),
      ),
    });
  }

  async function top(req: ioc.v1.TopRequest.$Properties): Promise<ioc.v1.TopResponse> {
    const r = await service().top({
      by: fromAllowList(BY, req.by, 'by', 'TOP_BY_ZONE or TOP_BY_SOURCE'),
      type: req.type ?? '',
      metric: fromAllowList(METRICS, req.metric, 'metric', 'TOP_METRIC_COUNT, TOP_METRIC_AVG, TOP_METRIC_MAX or TOP_METRIC_P95'),
      from: req.from ?? 0,
      to: req.to ?? 0,
      limit: req.limit ?? 0,
      resolution: resolutionFromProto(req.resolution),
    });
    return ioc.v1.TopResponse.create({
      resolution: RESOLUTION_TO_PROTO[r.resolution],
      from: r.from,
      to: r.to,
      entries: r.entries.map((e) => ioc.v1.TopEntry.create(e)),
    });
  }

  async function alertCounts(req: ioc.v1.AlertCountsRequest.$Properties): Promise<ioc.v1.AlertCountsResponse> {
    const r = await service().alertCounts({
      from: req.from ?? 0,
      to: req.to ?? 0,
      rules: req.rules ?? [],
      types: req.types ?? [],
      zones: req.zones ?? [],
      timeZone: req.timeZone ?? '',
    });
    return ioc.v1.AlertCountsResponse.create({
      alerts: r.alerts.map((a) => ioc.v1.AlertCount.create(a)),
      incidents: r.incidents.map((i) => ioc.v1.IncidentCount.create(i)),
      timeZone: r.timeZone,
    });
  }

  // Needs no runner: the incident history may be the MemoryStore's in embedded mode.
  async function mtta(req: ioc.v1.MttaRequest.$Properties): Promise<ioc.v1.MttaResponse> {
    const from = req.from ?? 0;
    const to = req.to ?? 0;
    checkRange(from, to);
    const types = checkNames(req.types, 'types');
    const zones = checkNames(req.zones, 'zones');
    const stats = await deps.incidentStats({ from, to, ...(types.length ? { types } : {}), ...(zones.length ? { zones } : {}) });
    return ioc.v1.MttaResponse.create({ stats: stats.map(incidentStatToProto) });
  }

  async function sensorsAt(req: ioc.v1.SensorsAtRequest.$Properties): Promise<ioc.v1.SensorsAtResponse> {
    const r = await service().sensorsAt({ at: req.at ?? 0, lookbackMs: req.lookbackMs ?? 0, types: req.types ?? [], zones: req.zones ?? [] });
    return ioc.v1.SensorsAtResponse.create({ at: r.at, from: r.from, sensors: r.sensors.map(sensorToProto), alerts: r.alerts.map(alertAtToProto) });
  }

  async function incidentsAt(req: ioc.v1.IncidentsAtRequest.$Properties): Promise<ioc.v1.IncidentsAtResponse> {
    const r = await service().incidentsAt({ at: req.at ?? 0, lookbackMs: req.lookbackMs ?? 0, types: req.types ?? [], zones: req.zones ?? [] });
    return ioc.v1.IncidentsAtResponse.create({
      at: r.at,
      incidents: r.incidents.map(incidentAtToProto),
      changedAt: Object.fromEntries(r.incidents.map((i) => [i.id, i.changedAt])),
    });
  }

  const s = QueryMethods;
  return new Map([
    [s.series.path, unary(series)],
    [s.zoneKpis.path, unary(zoneKpis)],
    [s.top.path, unary(top)],
    [s.alertCounts.path, unary(alertCounts)],
    [s.mtta.path, unary(mtta)],
    [s.sensorsAt.path, unary(sensorsAt)],
    [s.incidentsAt.path, unary(incidentsAt)],
  ]);
}
