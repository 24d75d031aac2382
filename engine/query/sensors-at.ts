// The SQL of the city as it was at an instant: each source's latest event at or
// before it (raw events within a bounded lookback) and the alerts firing then.
// Pure; running lives in query-service.ts. Must never read past the instant: a
// replayed moment shows only what was known by then (by event time).

import { ident, sql, type Sql } from '../store/index.ts';
import { dayFilter, sqlList } from './aggregates.ts';

/** How far back a source's latest event is looked for by default, and at most. */
export const DEFAULT_SENSOR_LOOKBACK_MS = 3600_000;
export const MAX_SENSOR_LOOKBACK_MS = 24 * 3600_000;
/** Alerts that started firing this long before the instant may still be firing at it. */
export const ALERT_LOOKBACK_MS = 7 * 24 * 3600_000;

export type AlertSeverity = 'info' | 'minor' | 'major' | 'critical';

export interface SensorsAtQuery {
  /** Epoch ms; 0 or absent: now. */
  at?: number;
  /** How far back to look for each source's latest event; 0 or absent: 1 h; at most 24 h. */
  lookbackMs?: number;
  /** Empty or absent: every event type. */
  types?: string[];
  /** Empty or absent: every zone. */
  zones?: string[];
}

/** A source as it was: its latest event at or before the instant. */
export interface SensorAt {
  source: string;
  type: string;
  zone: string;
  unit: string;
  /** Event time of that latest event, epoch ms. */
  time: number;
  value?: number;
  lat?: number;
  lon?: number;
  /** Worst severity of the alerts firing for it at the instant; absent: normal. */
  severity?: AlertSeverity;
}

/** An alert firing at the instant, as it was stored when it started firing. */
export interface AlertAt {
  fingerprint: string;
  rule: string;
  key: string;
  severity: AlertSeverity;
  title: { vi: string; en: string };
  message: { vi: string; en: string };
  zone: string;
  source: string;
  value?: number;
  eventId: string;
  eventType: string;
  startsAt: number;
}

export interface SensorsAtResult {
  /** The instant. */
  at: number;
  /** Start of the lookback (exclusive): sources silent since then are absent. */
  from: number;
  /** By source. */
  sensors: SensorAt[];
  /** Worst first, then oldest first. */
  alerts: AlertAt[];
}

function nameFilter(column: Sql, names: readonly string[]): Sql {
  return names.length > 0 ? sql`${column} IN (${sqlList(names)}) AND ` : sql``;
}

/**
 * Each source's latest event in (from, at]. The primary key (type, zone, …)
 * narrows by type and zone when they are given; the day partitions bound the
 * rest. No FINAL: a redelivered copy of the latest event carries the same
 * values, so argMax gives the same answer without the merge. Value and
 * position come as one tuple so a latest event without a value reads as "no
 * value" rather than an older event's.
 */
export function sensorsAtSql(database: string, q: { at: number; from: number; types: readonly string[]; zones: readonly string[] }): Sql {
  return sql`SELECT source, argMax(type, time) AS typ, argMax(zone, time) AS zon, argMax(unit, time) AS uni, max(time) AS last,
        argMax(tuple(value, lat, lon), time) AS vll
      FROM ${ident(database, 'events')}
      WHERE ${nameFilter(sql`type`, q.types)}${nameFilter(sql`zone`, q.zones)}${dayFilter(sql`day`, q.from + 1, q.at + 1)}
        AND time > ${q.from} AND time <= ${q.at}
      GROUP BY source
      ORDER BY source`;
}

/** Row shape of sensorsAtSql. */
export interface SensorAtRow {
  source: string;
  typ: string;
  zon: string;
  uni: string;
  last: string | number;
  vll: [number | null, number | null, number | null];
}

export function readSensorAt(row: SensorAtRow): SensorAt {
  const [value, lat, lon] = row.vll;
  const s: SensorAt = { source: row.source, type: row.typ, zone: row.zon, unit: row.uni, time: Number(row.last) };
  if (value !== null) s.value = value;
  if (lat !== null && lon !== null) Object.assign(s, { lat, lon });
  return s;
}

/**
 * Alerts firing at `at`: a firing that started at or before it (within a
 * week) and has no resolution ending at or before it. One row per firing
 * (fingerprint, start); replayed rows collapse in the GROUP BY.
 */
export function alertsAtSql(database: string, q: { at: number; zones: readonly string[] }): Sql {
  const from = q.at - ALERT_LOOKBACK_MS;
  return sql`SELECT fingerprint, starts_at AS started, any(rule) AS rul, any(key) AS k, argMaxIf(severity, emitted_at, state = 'firing') AS sev,
        any(title_vi) AS tvi, any(title_en) AS ten, any(message_vi) AS mvi, any(message_en) AS men, any(zone) AS zon, any(source) AS src,
        argMaxIf(tuple(value), emitted_at, state = 'firing') AS val, any(event_id) AS eid, any(event_type) AS etype
      FROM ${ident(database, 'alerts')}
      WHERE ${nameFilter(sql`zone`, q.zones)}${dayFilter(sql`day`, from + 1, q.at + 1)} AND starts_at > ${from} AND starts_at <= ${q.at}
      GROUP BY fingerprint, started
      HAVING countIf(state = 'firing') > 0 AND countIf(state = 'resolved' AND ends_at <= ${q.at}) = 0
      ORDER BY fingerprint, started`;
}

/** Row shape of alertsAtSql. */
export interface AlertAtRow {
  fingerprint: string;
  started: string | number;
  rul: string;
  k: string;
  sev: string;
  tvi: string;
  ten: string;
  mvi: string;
  men: string;
  zon: string;
  src: string;
  val: [number | null];
  eid: string;
  etype: string;
}

const RANK: Record<AlertSeverity, number> = { info: 1, minor: 2, major: 3, critical: 4 };

function isSeverity(s: string): s is AlertSeverity {
  return s in RANK;
}

/** Alerts worst first, then oldest first; rows of unknown severity are dropped (never shown as normal). */
export function readAlertsAt(rows: readonly AlertAtRow[]): AlertAt[] {
  const alerts: AlertAt[] = [];
  for (const r of rows) {
    if (!isSeverity(r.sev)) continue;
    const a: AlertAt = {
      fingerprint: r.fingerprint, rule: r.rul, key: r.k, severity: r.sev,
      title: { vi: r.tvi, en: r.ten }, message: { vi: r.mvi, en: r.men },
      zone: r.zon, source: r.src, eventId: r.eid, eventType: r.etype, startsAt: Number(r.started),
    };
    if (r.val[0] !== null) a.value = r.val[0];
    alerts.push(a);
  }
  return alerts.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.startsAt - b.startsAt || a.fingerprint.localeCompare(b.fingerprint));
}

/** Colors each sensor by the worst alert firing for its source. */
export function withSeverities(sensors: SensorAt[], alerts: readonly AlertAt[]): SensorAt[] {
  const worst = new Map<string, AlertSeverity>();
  for (const a of alerts) {
    const w = worst.get(a.source);
    if (w === undefined || RANK[a.severity] > RANK[w]) worst.set(a.source, a.severity);
  }
  for (const s of sensors) {
    const w = worst.get(s.source);
    if (w !== undefined) s.severity = w;
  }
  return sensors;
}
