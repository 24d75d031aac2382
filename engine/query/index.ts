// Questions about the city's history answered from ClickHouse: time series at
// the resolution a range needs, KPIs per zone, top-N, alert and incident
// counts; the city and its incidents at a past instant; every query under a row and a time limit. Read-only.
export type { Aggregates } from './aggregates.ts';
export type { AlertCount, AlertCountsQuery, AlertCountsResult, IncidentCount } from './alert-counts.ts';
export { checkNames, checkRange } from './checks.ts';
export { DEFAULT_LIMITS, runLimited, type QueryLimits, type QueryRunner, type QuerySettings } from './limits.ts';
export { QueryService, type QueryServiceOptions } from './query-service.ts';
export { chooseResolution, type Resolution } from './resolution.ts';
export type { IncidentAt, IncidentsAtQuery, IncidentsAtResult } from './incidents-at.ts';
export type { AlertAt, AlertSeverity, SensorAt, SensorsAtQuery, SensorsAtResult } from './sensors-at.ts';
export type { SeriesPoint, SeriesQuery, SeriesResult, SeriesTarget } from './series.ts';
export type { TopBy, TopEntry, TopMetric, TopQuery, TopResult } from './top.ts';
export type { LatestValue, ZoneKpi, ZoneKpisQuery, ZoneKpisResult } from './zone-kpis.ts';
