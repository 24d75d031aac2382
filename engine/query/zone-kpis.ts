// The SQL of the per-zone KPIs of one event type: the latest minute with
// values, and the hour and 24 hours up to an instant, all from the minute
// rollups by zone (at most 1440 rows per zone). Pure; must never read raw events.

import { ident, sql, type Sql } from '../store/index.ts';
import { aggregateColumns, dayFilter, readAggregates, sqlList, type Aggregates } from './aggregates.ts';

const MINUTE = 60_000;

export interface ZoneKpisQuery {
  /** Event type, e.g. `water_level`. */
  type: string;
  /** Empty or absent: every zone with events of the type in the 24 h window. */
  zones?: string[];
  /** Epoch ms the windows end at; absent: now. */
  at?: number;
}

/** The latest minute that had values. */
export interface LatestValue {
  /** Start of the minute, epoch ms. */
  at: number;
  avg: number;
  valueCount: number;
}

export interface ZoneKpi {
  zone: string;
  /** Absent when no event of the 24 h window had a value. */
  latest?: LatestValue;
  hour: Aggregates;
  day: Aggregates;
  /** Incidents in the zone not yet resolved (any type). */
  openIncidents: number;
}

export interface ZoneKpisResult {
  at: number;
  /** By zone (byte order). */
  kpis: ZoneKpi[];
}

/**
 * The KPI windows for an instant, in whole minutes (the rollups' grain): the
 * minute holding `at` and the 59 before it, and the 1439 before it. `end` is exclusive.
 */
export function kpiWindows(at: number): { hourFrom: number; dayFrom: number; end: number } {
  const minute = Math.floor(at / MINUTE) * MINUTE;
  return { hourFrom: minute - 59 * MINUTE, dayFrom: minute - 1439 * MINUTE, end: minute + MINUTE };
}

function windowFilter(type: string, zones: readonly string[], at: number): Sql {
  const { dayFrom, end } = kpiWindows(at);
  const zoneFilter = zones.length > 0 ? sql`AND zone IN (${sqlList(zones)})` : sql``;
  return sql`type = ${type} ${zoneFilter} AND ${dayFilter(sql`day`, dayFrom, end)}
        AND bucket >= toDateTime(${dayFrom / 1000}, 'UTC') AND bucket < toDateTime(${end / 1000}, 'UTC')`;
}

/** Hour (`_h`) and 24 h (`_d`) aggregates per zone, in one pass over the day's rows. */
export function kpiAggregatesSql(database: string, type: string, zones: readonly string[], at: number): Sql {
  const { hourFrom } = kpiWindows(at);
  const inHour = sql`bucket >= toDateTime(${hourFrom / 1000}, 'UTC')`;
  return sql`SELECT zone, ${aggregateColumns('rollup', { where: inHour, suffix: '_h' })}, ${aggregateColumns('rollup', { suffix: '_d' })}
      FROM ${ident(database, 'rollup_zone_1m')}
      WHERE ${windowFilter(type, zones, at)}
      GROUP BY zone
      ORDER BY zone`;
}

/** The latest minute with values per zone (LIMIT 1 BY zone over minutes newest first). */
export function kpiLatestSql(database: string, type: string, zones: readonly string[], at: number): Sql {
  return sql`SELECT zone, toUInt32(bucket) AS ts, countMerge(nv) AS cnt_v, sumMerge(sum) AS total
      FROM ${ident(database, 'rollup_zone_1m')}
      WHERE ${windowFilter(type, zones, at)}
      GROUP BY zone, bucket
      HAVING cnt_v > 0
      ORDER BY zone, ts DESC
      LIMIT 1 BY zone`;
}

/** Row shape of kpiLatestSql. */
export interface LatestRow {
  zone: string;
  ts: number | string;
  cnt_v: string;
  total: number;
}

/**
 * Joins both queries' rows into KPIs: listed zones in their order of bytes,
 * each present even without rows; else every zone the rows name.
 */
export function joinKpis(
  zones: readonly string[],
  aggregateRows: readonly Record<string, unknown>[],
  latestRows: readonly LatestRow[],
  openIncidents: (zone: string) => number,
): ZoneKpi[] {
  const aggregates = new Map(aggregateRows.map((r) => [r.zone as string, r]));
  const latest = new Map(latestRows.map((r) => [r.zone, r]));
  const names = zones.length > 0 ? [...zones] : [...aggregates.keys()];
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return names.map((zone) => {
    const row = aggregates.get(zone) ?? {};
    const l = latest.get(zone);
    const kpi: ZoneKpi = { zone, hour: readAggregates(row, '_h'), day: readAggregates(row, '_d'), openIncidents: openIncidents(zone) };
    if (l !== undefined) kpi.latest = { at: Number(l.ts) * 1000, avg: l.total / Number(l.cnt_v), valueCount: Number(l.cnt_v) };
    return kpi;
  });
}
