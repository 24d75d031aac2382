// The SQL of alert and incident counts per day: alerts that started firing
// (table `alerts`, per rule and zone) and incidents opened (`incident_events`,
// per type and zone). Pure. Counts are of distinct alerts and incidents, so a
// replayed history row (not yet collapsed by ReplacingMergeTree) never counts twice.

import { ident, sql, type Sql } from '../store/index.ts';
import { dayFilter, sqlList } from './aggregates.ts';

export interface AlertCountsQuery {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only these rules' alerts; empty or absent: all. */
  rules?: string[];
  /** Only incidents of these types; empty or absent: all. */
  types?: string[];
  /** Only these zones; empty or absent: all. */
  zones?: string[];
  /** IANA zone the days are cut in; absent: UTC. */
  timeZone?: string;
}

export interface AlertCount {
  /** `YYYY-MM-DD` in the query's time zone. */
  day: string;
  rule: string;
  zone: string;
  count: number;
}

export interface IncidentCount {
  day: string;
  type: string;
  /** '' for incidents without a zone. */
  zone: string;
  count: number;
}

export interface AlertCountsResult {
  alerts: AlertCount[];
  incidents: IncidentCount[];
  timeZone: string;
}

function inList(column: Sql, values: readonly string[] | undefined): Sql {
  return values !== undefined && values.length > 0 ? sql`AND ${column} IN (${sqlList(values)})` : sql``;
}

/**
 * Alerts that started firing in [from, to) per day, rule and zone: distinct
 * (fingerprint, start) among `firing` rows. Partitions are months of the UTC
 * start day; the day filter opens only those the range touches.
 */
export function alertCountsSql(database: string, q: AlertCountsQuery, timeZone: string): Sql {
  return sql`SELECT toString(toDate(toDateTime(intDiv(starts_at, 1000)), ${timeZone})) AS d, rule, zone, uniqExact(fingerprint, starts_at) AS cnt
      FROM ${ident(database, 'alerts')}
      WHERE state = 'firing' AND starts_at >= ${q.from} AND starts_at < ${q.to} AND ${dayFilter(sql`day`, q.from, q.to)}
        ${inList(sql`rule`, q.rules)} ${inList(sql`zone`, q.zones)}
      GROUP BY d, rule, zone
      ORDER BY d, rule, zone`;
}

/**
 * Incidents opened in [from, to) per day, type and zone, by their `opened`
 * timeline row; an incident counts once in each of its zones ('' when it has
 * none). Partitions are months of the opening day, which the `opened` row's
 * time can differ from by moments: the filter keeps a day of slack.
 */
export function incidentCountsSql(database: string, q: AlertCountsQuery, timeZone: string): Sql {
  return sql`SELECT toString(toDate(toDateTime(intDiv(at, 1000)), ${timeZone})) AS d, type, inc_zone, uniqExact(incident_id) AS cnt
      FROM ${ident(database, 'incident_events')}
      ARRAY JOIN arrayDistinct(if(empty(zones), [''], zones)) AS inc_zone
      WHERE kind = 'opened' AND at >= ${q.from} AND at < ${q.to} AND ${dayFilter(sql`opened_day`, q.from, q.to, 1)}
        ${inList(sql`type`, q.types)} ${inList(sql`inc_zone`, q.zones)}
      GROUP BY d, type, inc_zone
      ORDER BY d, type, inc_zone`;
}

/** One row of alertCountsSql. */
export function readAlertCount(row: Record<string, unknown>): AlertCount {
  return { day: row.d as string, rule: row.rule as string, zone: row.zone as string, count: Number(row.cnt) };
}

/** One row of incidentCountsSql. */
export function readIncidentCount(row: Record<string, unknown>): IncidentCount {
  return { day: row.d as string, type: row.type as string, zone: row.inc_zone as string, count: Number(row.cnt) };
}
