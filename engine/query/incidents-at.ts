// The SQL of the incidents not yet resolved at an instant, from the incident
// history (`incident_events`): per incident, its latest row at or before the
// instant. Pure; must never read a row written after the instant.

import { ident, sql, type Sql } from '../store/index.ts';
import { dayFilter, sqlList } from './aggregates.ts';
import type { AlertSeverity } from './sensors-at.ts';

/** Incidents opened this long before the instant are looked at by default; at most 400 days (the range limit). */
export const DEFAULT_INCIDENT_LOOKBACK_MS = 30 * 24 * 3600_000;

export interface IncidentsAtQuery {
  /** Epoch ms; 0 or absent: now. */
  at?: number;
  /** Incidents opened within this long before `at`; 0 or absent: 30 days. */
  lookbackMs?: number;
  /** Empty or absent: every type. */
  types?: string[];
  /** Empty or absent: every zone (an incident matches when any of its zones is listed). */
  zones?: string[];
}

/** An incident as it was at the instant: what its history rows record. */
export interface IncidentAt {
  id: string;
  type: string;
  state: 'open' | 'acknowledged';
  severity: AlertSeverity;
  zones: string[];
  openedAt: number;
  /** Wall-clock time of its latest change at or before the instant. */
  changedAt: number;
  /** Set when acknowledged at the instant. */
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  /** Empty: unassigned. */
  assignee: string;
}

export interface IncidentsAtResult {
  at: number;
  /** Worst first, then oldest first. */
  incidents: IncidentAt[];
}

/**
 * Per incident opened in (from, at], the state after its latest row at or
 * before `at`, kept when not resolved. No FINAL: a replayed row is identical,
 * so argMax by seq reads the same. Partitions are by the opening month, so
 * the opening range prunes them.
 */
export function incidentsAtSql(database: string, q: { at: number; from: number; types: readonly string[]; zones: readonly string[] }): Sql {
  const types = q.types.length > 0 ? sql`AND type IN (${sqlList(q.types)})` : sql``;
  const zones = q.zones.length > 0 ? sql`HAVING hasAny(zs, [${sqlList(q.zones)}]) AND st != 'resolved'` : sql`HAVING st != 'resolved'`;
  return sql`SELECT incident_id AS iid, argMax(state, seq) AS st, argMax(severity, seq) AS sev, argMax(type, seq) AS typ,
        argMax(zones, seq) AS zs, any(opened_at) AS opened, max(at) AS changed,
        argMaxIf(at, seq, kind = 'acknowledged') AS acked, argMaxIf(actor, seq, kind = 'acknowledged') AS acked_by,
        argMaxIf(visitParamExtractString(data, 'assignee'), seq, kind = 'assigned') AS assignee
      FROM ${ident(database, 'incident_events')}
      WHERE ${dayFilter(sql`opened_day`, q.from + 1, q.at + 1)} AND opened_at > ${q.from} AND opened_at <= ${q.at} AND at <= ${q.at} ${types}
      GROUP BY iid
      ${zones}
      ORDER BY iid`;
}

/** Row shape of incidentsAtSql. */
export interface IncidentAtRow {
  iid: string;
  st: string;
  sev: string;
  typ: string;
  zs: string[];
  opened: string | number;
  changed: string | number;
  acked: string | number;
  acked_by: string;
  assignee: string;
}

const RANK: Record<AlertSeverity, number> = { info: 1, minor: 2, major: 3, critical: 4 };

/** The rows as incidents, worst first, then oldest first; rows of a state or severity this engine does not know are dropped. */
export function readIncidentsAt(rows: readonly IncidentAtRow[]): IncidentAt[] {
  const out: IncidentAt[] = [];
  for (const r of rows) {
    if ((r.st !== 'open' && r.st !== 'acknowledged') || !(r.sev in RANK)) continue;
    const i: IncidentAt = {
      id: r.iid, type: r.typ, state: r.st, severity: r.sev as AlertSeverity, zones: r.zs,
      openedAt: Number(r.opened), changedAt: Number(r.changed), assignee: r.assignee,
    };
    if (r.st === 'acknowledged' && Number(r.acked) > 0) Object.assign(i, { acknowledgedAt: Number(r.acked), acknowledgedBy: r.acked_by });
    out.push(i);
  }
  return out.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.openedAt - b.openedAt || a.id.localeCompare(b.id));
}
