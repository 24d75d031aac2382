// The backtest report as people read it on a terminal: one table of rules,
// the keys that fired most, and the differences from the baseline. Pure text;
// machines use the JSON report instead.

import type { BacktestProgress, BacktestReport } from './backtest.ts';
import type { RuleDiff, RuleSummary } from './report.ts';

/** Keys listed per rule in the human report. */
const TOP_KEYS = 5;

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().replace('.000Z', 'Z'));

/** A duration as `2h05m`, `3m20s`, `850ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function rulesTable(rules: readonly RuleSummary[]): string {
  const rows = [['rule', 'alerts', 'keys', 'firing', 'at end', 'first', 'last', 'errors']];
  for (const r of rules) rows.push([r.rule, String(r.alerts), String(r.keys), formatDuration(r.firingMs), String(r.firingAtEnd), iso(r.first), iso(r.last), String(r.errors)]);
  return table(rows);
}

function topKeys(rules: readonly RuleSummary[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    if (r.byKey.length === 0) continue;
    out.push(`  ${r.rule}:`);
    for (const k of r.byKey.slice(0, TOP_KEYS)) {
      out.push(`    ${k.key || '(no key)'}  ${k.alerts} alert(s), firing ${formatDuration(k.firingMs)}${k.firingAtEnd ? ' (still firing)' : ''}, first ${iso(k.first)}, last ${iso(k.last)}`);
    }
    if (r.byKey.length > TOP_KEYS) out.push(`    … ${r.byKey.length - TOP_KEYS} more key(s)`);
  }
  return out;
}

function diffLines(diff: readonly RuleDiff[]): string[] {
  const rows = [['rule', 'change', 'candidate', 'baseline', 'only cand.', 'only base.', 'duration changed', 'firing Δ']];
  for (const d of diff) {
    const delta = d.firingMsDelta === 0 ? '0' : `${d.firingMsDelta > 0 ? '+' : '-'}${formatDuration(Math.abs(d.firingMsDelta))}`;
    rows.push([d.rule, d.change, String(d.candidateAlerts), String(d.baselineAlerts), String(d.onlyCandidate), String(d.onlyBaseline), String(d.changedDuration), delta]);
  }
  const out = [table(rows)];
  for (const d of diff) {
    const ex = d.examples;
    if (ex.onlyCandidate.length + ex.onlyBaseline.length + ex.changedDuration.length === 0) continue;
    out.push(`  ${d.rule}:`);
    for (const f of ex.onlyCandidate.slice(0, 3)) out.push(`    + ${f.key || '(no key)'} from ${iso(f.startsAt)} to ${f.endsAt === null ? 'the end' : iso(f.endsAt)}`);
    for (const f of ex.onlyBaseline.slice(0, 3)) out.push(`    - ${f.key || '(no key)'} from ${iso(f.startsAt)} to ${f.endsAt === null ? 'the end' : iso(f.endsAt)}`);
    for (const f of ex.changedDuration.slice(0, 3)) {
      out.push(`    ~ ${f.key || '(no key)'} from ${iso(f.startsAt)}: ends ${f.candidateEndsAt === null ? 'after the range' : iso(f.candidateEndsAt)} (was ${f.baselineEndsAt === null ? 'after the range' : iso(f.baselineEndsAt)})`);
    }
  }
  return out;
}

/**
 * The report as text for a terminal.
 *
 * @example process.stdout.write(formatReport(report))
 */
export function formatReport(r: BacktestReport): string {
  const lines = [
    `Backtest ${iso(r.from)} → ${iso(r.to)}: ${r.events} events in ${formatDuration(r.elapsedMs)} (${r.eventsPerSec} events/s)`,
    '',
    rulesTable(r.candidate),
  ];
  const keys = topKeys(r.candidate);
  if (keys.length > 0) lines.push('', 'Keys that fired most:', ...keys);
  if (r.diff !== undefined) lines.push('', 'Compared with the baseline (+ only in candidate, - only in baseline, ~ ends differently):', ...diffLines(r.diff));
  return lines.join('\n') + '\n';
}

/**
 * One progress line (for `\r` rewriting on a terminal).
 *
 * @example formatProgress({ events: 120000, eventsPerSec: 400000, eventTime, percent: 42.1, elapsedMs: 300 })
 */
export function formatProgress(p: BacktestProgress): string {
  return `backtest: ${p.percent.toFixed(1).padStart(5)}%  ${p.events} events  ${p.eventsPerSec} events/s  at ${iso(p.eventTime)}`;
}
