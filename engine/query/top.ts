// The SQL of a top-N ranking of zones or sources by one metric of an event
// type over a range, from raw events or rollups like a series. Pure. The
// metric and the ranked column come from fixed lists, never from the caller's text.

import { ident, sql, type Sql } from '../store/index.ts';
import { dayFilter, metricExpr } from './aggregates.ts';
import type { BucketPlan, Resolution } from './resolution.ts';

export type TopMetric = 'count' | 'avg' | 'max' | 'p95';
export type TopBy = 'zone' | 'source';

export interface TopQuery {
  by: TopBy;
  /** Event type, e.g. `rain`. */
  type: string;
  metric: TopMetric;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Entries wanted; absent: 10. */
  limit?: number;
  /** Forces a resolution; absent: chosen from the range as for a series. */
  resolution?: Resolution;
}

export interface TopEntry {
  /** The zone or the source. */
  key: string;
  /** For a source, a zone it reported from; for a zone, itself. */
  zone: string;
  value: number;
  /** Events in the range. */
  count: number;
}

export interface TopResult {
  resolution: Resolution;
  from: number;
  to: number;
  /** Highest first; ties by key. */
  entries: TopEntry[];
}

/**
 * The ranking query: one row per zone or source with events of the type in
 * the plan's range, `val` descending (the caller takes the first N). Value
 * metrics leave out keys without values.
 */
export function topSql(database: string, q: Pick<TopQuery, 'by' | 'type' | 'metric'>, plan: Pick<BucketPlan, 'resolution' | 'from' | 'to'>): Sql {
  const raw = plan.resolution === 'raw';
  const from = raw ? 'raw' : 'rollup';
  const key = q.by === 'zone' ? sql`zone` : sql`source`;
  const table = raw ? ident(database, 'events') : ident(database, `rollup_${q.by}_${plan.resolution === 'minute' ? '1m' : '1h'}`);
  const final = raw ? sql`FINAL` : sql``;
  const range = raw
    ? sql`time >= ${plan.from} AND time < ${plan.to}`
    : sql`bucket >= toDateTime(${plan.from / 1000}, 'UTC') AND bucket < toDateTime(${plan.to / 1000}, 'UTC')`;
  const valueCount = raw ? sql`count(value)` : sql`countMerge(nv)`;
  const withValues = q.metric === 'count' ? sql`` : sql`HAVING cnt_v > 0`;
  return sql`SELECT ${key} AS ranked, any(zone) AS in_zone, ${metricExpr(from, q.metric)} AS val, ${metricExpr(from, 'count')} AS cnt, ${valueCount} AS cnt_v
      FROM ${table} ${final}
      WHERE type = ${q.type} AND ${dayFilter(sql`day`, plan.from, plan.to)} AND ${range}
      GROUP BY ${key}
      ${withValues}
      ORDER BY val DESC, ranked`;
}

/** One row of topSql as an entry. */
export function readTopEntry(row: Record<string, unknown>): TopEntry {
  return { key: row.ranked as string, zone: row.in_zone as string, value: Number(row.val), count: Number(row.cnt) };
}
