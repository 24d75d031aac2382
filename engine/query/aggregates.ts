// The figures every query reports over a set of events (count, values, sum,
// min, max, avg, quantiles), as SQL over raw events or over rollup states, and
// read back from rows. Both forms must give the same numbers for the same
// events: the quantile levels and the rules for "no value" are the same here.

import { ident, ROLLUP_QUANTILES, sql, type Sql, type SqlValue } from '../store/index.ts';

/** The quantile levels the rollups keep (decision 0510), in order p50, p90, p95, p99; raw queries use the same ones. */
const LEVELS = sqlList(ROLLUP_QUANTILES);
/** 1-based index of p95 in LEVELS. */
const P95_INDEX = ROLLUP_QUANTILES.indexOf(0.95) + 1;

/** Figures over a set of events. Value figures are null when no event had a value. */
export interface Aggregates {
  /** Events, with or without a value. */
  count: number;
  /** Events with a value. */
  valueCount: number;
  sum: number | null;
  avg: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

export type AggregateSuffix = '' | '_h' | '_d';

/**
 * The aggregate columns: over raw `events` (`value` Nullable), or merged from
 * rollup states (n, nv, sum, min, max, q), optionally only for rows where
 * `where` holds (the -If combinator). Aliases are cnt, cnt_v, total, lo, hi, qs
 * plus `suffix`.
 */
export function aggregateColumns(from: 'raw' | 'rollup', options: { where?: Sql; suffix?: AggregateSuffix } = {}): Sql {
  // Fixed names only, none equal to a column: 18.16 and current releases resolve a shadowing alias differently.
  const as = (name: string): Sql => ident(name + (options.suffix ?? ''));
  if (from === 'raw') {
    return sql`count() AS ${as('cnt')}, count(value) AS ${as('cnt_v')}, sum(value) AS ${as('total')}, min(value) AS ${as('lo')},
        max(value) AS ${as('hi')}, quantiles(${LEVELS})(value) AS ${as('qs')}`;
  }
  const w = options.where;
  if (w === undefined) {
    return sql`countMerge(n) AS ${as('cnt')}, countMerge(nv) AS ${as('cnt_v')}, sumMerge(sum) AS ${as('total')}, minMerge(min) AS ${as('lo')},
        maxMerge(max) AS ${as('hi')}, quantilesMerge(${LEVELS})(q) AS ${as('qs')}`;
  }
  return sql`countMergeIf(n, ${w}) AS ${as('cnt')}, countMergeIf(nv, ${w}) AS ${as('cnt_v')}, sumMergeIf(sum, ${w}) AS ${as('total')},
        minMergeIf(min, ${w}) AS ${as('lo')}, maxMergeIf(max, ${w}) AS ${as('hi')}, quantilesMergeIf(${LEVELS})(q, ${w}) AS ${as('qs')}`;
}

/** One metric as an SQL expression over raw events or rollup states (for ORDER BY in Top). */
export function metricExpr(from: 'raw' | 'rollup', metric: 'count' | 'avg' | 'max' | 'p95'): Sql {
  if (from === 'raw') {
    switch (metric) {
      case 'count':
        return sql`count()`;
      case 'avg':
        return sql`avg(value)`;
      case 'max':
        return sql`max(value)`;
      case 'p95':
        return sql`quantiles(${LEVELS})(value)[${P95_INDEX}]`;
    }
  }
  switch (metric) {
    case 'count':
      return sql`countMerge(n)`;
    case 'avg':
      return sql`sumMerge(sum) / countMerge(nv)`;
    case 'max':
      return sql`maxMerge(max)`;
    case 'p95':
      return sql`quantilesMerge(${LEVELS})(q)[${P95_INDEX}]`;
  }
}

/**
 * Reads the columns of aggregateColumns (with `suffix`) from a row. Value
 * figures are null when no event had a value: rollup states then merge to 0
 * (sum, min, max) or nan, which must not reach a chart as a real reading.
 */
export function readAggregates(row: Record<string, unknown>, suffix: AggregateSuffix = ''): Aggregates {
  const count = Number(row[`cnt${suffix}`] ?? 0);
  const valueCount = Number(row[`cnt_v${suffix}`] ?? 0);
  if (valueCount === 0) return emptyAggregates(count);
  const sum = row[`total${suffix}`] as number;
  const qs = (row[`qs${suffix}`] as (number | null)[] | undefined) ?? [];
  return {
    count,
    valueCount,
    sum,
    avg: sum / valueCount,
    min: row[`lo${suffix}`] as number,
    max: row[`hi${suffix}`] as number,
    p50: qs[0] ?? null,
    p90: qs[1] ?? null,
    p95: qs[2] ?? null,
    p99: qs[3] ?? null,
  };
}

/** Figures of `count` events none of which had a value. */
export function emptyAggregates(count = 0): Aggregates {
  return { count, valueCount: 0, sum: null, avg: null, min: null, max: null, p50: null, p90: null, p95: null, p99: null };
}

/** `a, b, c` as literals, for `x IN (…)` (which, unlike has([…], x), uses the primary key). Needs at least one value. */
export function sqlList(values: readonly SqlValue[]): Sql {
  return values.slice(1).reduce<Sql>((acc, v) => sql`${acc}, ${v}`, sql`${values[0]!}`);
}

/** The UTC day of an instant, `YYYY-MM-DD`, for `day` partition filters. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * A filter on a Date partition column `day` for events in [from, to) (epoch
 * ms), so a query opens only the days' partitions; `slackDays` widens it for
 * columns not derived from the filtered time.
 */
export function dayFilter(column: Sql, from: number, to: number, slackDays = 0): Sql {
  const slack = slackDays * 86_400_000;
  return sql`${column} >= toDate(${utcDay(Math.max(0, from - slack))}) AND ${column} <= toDate(${utcDay(to - 1 + slack)})`;
}
