// `ioc rules shadow-report`: what rules in `mode: shadow` would have told
// people, beside what the live rules of the same ids did, over a time range,
// from ClickHouse (`shadow_alerts` and `alerts`). Reads only.

import { parseTimeRange } from '../backtest/index.ts';
import { ident, sql, type ClickHouseStore } from '../store/index.ts';
import { withStore } from './db.ts';

/** One firing period of an alert (endsAt 0: still firing at the end of the range). */
export interface FiringPeriod {
  rule: string;
  key: string;
  startsAt: number;
  endsAt: number;
}

export interface SideSummary {
  /** Firing periods that started in the range. */
  firings: number;
  keys: number;
  /** Time spent firing within the range, ms. */
  firingMs: number;
}

export interface ShadowComparison {
  rule: string;
  live: SideSummary;
  shadow: SideSummary;
  /** Keys that fired only under the live rule, only under the shadow one. */
  onlyLive: string[];
  onlyShadow: string[];
}

function summarize(periods: readonly FiringPeriod[], to: number): SideSummary {
  let firingMs = 0;
  for (const p of periods) firingMs += (p.endsAt > 0 ? Math.min(p.endsAt, to) : to) - p.startsAt;
  return { firings: periods.length, keys: new Set(periods.map((p) => p.key)).size, firingMs: Math.max(0, firingMs) };
}

/**
 * Compares, per rule id that has shadow alerts, the shadow rule's firings with the live rule's.
 *
 * @example
 * compareShadow(livePeriods, shadowPeriods, Date.now())
 * // → [{ rule: 'flood.level', live: { firings: 3, ... }, shadow: { firings: 5, ... }, onlyLive: [], onlyShadow: ['wl-07'] }]
 */
export function compareShadow(live: readonly FiringPeriod[], shadow: readonly FiringPeriod[], to: number): ShadowComparison[] {
  const rules = [...new Set(shadow.map((p) => p.rule))].sort();
  return rules.map((rule) => {
    const l = live.filter((p) => p.rule === rule);
    const s = shadow.filter((p) => p.rule === rule);
    const lk = new Set(l.map((p) => p.key));
    const sk = new Set(s.map((p) => p.key));
    return {
      rule,
      live: summarize(l, to),
      shadow: summarize(s, to),
      onlyLive: [...lk].filter((k) => !sk.has(k)).sort(),
      onlyShadow: [...sk].filter((k) => !lk.has(k)).sort(),
    };
  });
}

async function periods(store: ClickHouseStore, database: string, table: string, from: number, to: number, rules: readonly string[] | undefined): Promise<FiringPeriod[]> {
  if (rules !== undefined && rules.length === 0) return [];
  const ruleFilter = rules === undefined ? sql`` : sql` AND has(${rules}, rule)`;
  // No alias repeats a column name (18.16 and current releases resolve those differently).
  const rows = await store.queryRows<{ rule: string; key: string; started: string; ended: string }>(sql`
    SELECT rule, key, starts_at AS started, max(ends_at) AS ended
    FROM ${ident(database, table)} FINAL
    WHERE state != 'pending' AND starts_at >= ${from} AND starts_at < ${to}${ruleFilter}
    GROUP BY rule, key, starts_at
    ORDER BY rule, key, started`);
  return rows.map((r) => ({ rule: r.rule, key: r.key, startsAt: Number(r.started), endsAt: Number(r.ended) }));
}

export interface ShadowReportOptions {
  config?: string;
  from: string;
  to: string;
  json?: boolean;
}

/** Prints the comparison; returns the exit code. */
export async function runShadowReport(o: ShadowReportOptions, now = Date.now()): Promise<number> {
  const { from, to } = parseTimeRange(o.from, o.to, now);
  return withStore(o, async (store) => {
    const database = store.database;
    const shadow = await periods(store, database, 'shadow_alerts', from, to, undefined);
    const live = await periods(store, database, 'alerts', from, to, [...new Set(shadow.map((p) => p.rule))]);
    const report = compareShadow(live, shadow, to);
    if (o.json) {
      console.log(JSON.stringify({ from, to, rules: report }, null, 2));
      return 0;
    }
    console.log(`shadow rules from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`);
    if (report.length === 0) {
      console.log('no shadow alerts in this range');
      return 0;
    }
    const h = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;
    for (const r of report) {
      console.log(`\n${r.rule}`);
      console.log(`  live    ${String(r.live.firings).padStart(6)} firings  ${String(r.live.keys).padStart(5)} keys  ${h(r.live.firingMs).padStart(9)} firing`);
      console.log(`  shadow  ${String(r.shadow.firings).padStart(6)} firings  ${String(r.shadow.keys).padStart(5)} keys  ${h(r.shadow.firingMs).padStart(9)} firing`);
      if (r.onlyShadow.length) console.log(`  only in shadow: ${r.onlyShadow.slice(0, 20).join(', ')}${r.onlyShadow.length > 20 ? `, … (${r.onlyShadow.length})` : ''}`);
      if (r.onlyLive.length) console.log(`  only live:      ${r.onlyLive.slice(0, 20).join(', ')}${r.onlyLive.length > 20 ? `, … (${r.onlyLive.length})` : ''}`);
    }
    return 0;
  });
}
