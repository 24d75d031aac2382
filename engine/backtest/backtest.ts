// Runs stored events through rules in isolated runtimes: what the rules would
// have done over a past time range, and how a candidate version differs from
// a baseline. No bus, no store, no notifications, no live state: the only
// output is the report. Events go through the runtime exactly as the live
// pipeline feeds it, with the same lateness, so the alerts are the live ones.

import { basename } from 'node:path';
import type { Alert } from '../alerts/index.ts';
import type { CompiledRule } from '../rules/index.ts';
import { createRuleRuntime, type LatePolicy, type Runtime } from '../runtime/index.ts';
import type { EventSource } from './event-source.ts';
import { AlertCollector, diffFirings, type RuleChange, type RuleDiff, type RuleSummary } from './report.ts';
import { checkTimeRange, type TimeRange } from './time-range.ts';

/** Which version of the rules an alert came from. */
export type RunName = 'candidate' | 'baseline';

export interface BacktestProgress {
  events: number;
  /** Events per second since the start (wall clock). */
  eventsPerSec: number;
  /** Event time reached, epoch ms. */
  eventTime: number;
  /** Share of the time range covered, 0–100. */
  percent: number;
  elapsedMs: number;
}

export interface BacktestOptions {
  source: EventSource;
  range: TimeRange;
  /** The rules under test. */
  candidate: readonly CompiledRule[];
  /** The version to compare with; absent: no comparison. */
  baseline?: readonly CompiledRule[];
  /** The engine's `rules.allowedLatenessMs`: the watermark trails event time by it, as live. */
  allowedLatenessMs: number;
  /** The engine's `rules.latePolicy` (stored events come in time order, so none is late; kept for parity). */
  latePolicy?: LatePolicy;
  signal?: AbortSignal;
  /** Called about every `progressEveryMs` of wall time, and once at the end. */
  onProgress?(p: BacktestProgress): void;
  progressEveryMs?: number;
  /**
   * Every firing and resolved change as the runtime made it, in order, with
   * the version it came from (before the report merges repeats of one firing: see AlertCollector).
   */
  onAlert?(run: RunName, alert: Alert): void;
  /** Wall clock, for rates and the alerts' `emittedAt`. Default `Date.now`. */
  now?(): number;
}

export interface BacktestReport {
  from: number;
  to: number;
  events: number;
  elapsedMs: number;
  eventsPerSec: number;
  /** The watermark at the end: the range end minus the allowed lateness (see `runBacktest`). */
  endWatermark: number;
  candidate: RuleSummary[];
  /** Present when a baseline was given. */
  baseline?: RuleSummary[];
  /** Per rule of either version, present when a baseline was given. */
  diff?: RuleDiff[];
}

/** Checked once per this many events: the wall clock is not read per event. */
const PROGRESS_STRIDE = 8192;

/**
 * Replays the events of `range` through the candidate (and baseline) rules.
 *
 * The runtimes start empty at the first event, like a freshly started engine,
 * and the watermark follows event time minus the allowed lateness. At the end
 * the watermark moves to `to - allowedLatenessMs`: where the live engine's
 * stood at wall time `to` (its newest event at most `to`, or its idle advance
 * following the clock), so windows, `for` durations and absences due by then
 * complete, and later ones stay open, exactly as live. Alerts still firing
 * at the end count their firing time up to `to`.
 *
 * @example
 * const report = await runBacktest({ source, range: { from, to }, candidate: rules, allowedLatenessMs: 30_000 });
 */
export async function runBacktest(o: BacktestOptions): Promise<BacktestReport> {
  checkTimeRange(o.range);
  const now = o.now ?? Date.now;
  // A disabled rule does not run live either: in the report it is absent (or removed).
  const candidate = o.candidate.filter((r) => r.enabled);
  const baseline = o.baseline?.filter((r) => r.enabled);
  const rtOpts = { allowedLatenessMs: o.allowedLatenessMs, latePolicy: o.latePolicy ?? 'dlq', now };
  const cand = createRuleRuntime(candidate, rtOpts);
  const base = baseline ? createRuleRuntime(baseline, rtOpts) : undefined;
  const candAlerts = new AlertCollector(candidate);
  const baseAlerts = baseline ? new AlertCollector(baseline) : undefined;
  const drain = (rt: Runtime, c: AlertCollector, run: RunName) => {
    const changes = rt.takeChanges();
    for (let i = 0; i < changes.length; i++) {
      const a = changes[i]!;
      if (a.state === 'pending') continue;
      c.add(a);
      o.onAlert?.(run, a);
    }
  };

  const { from, to } = o.range;
  const span = to - from;
  const started = now();
  let events = 0;
  let eventTime = from;
  let nextCheck = PROGRESS_STRIDE;
  let lastReport = started;
  const every = o.progressEveryMs ?? 250;
  const progress = (): BacktestProgress => {
    const elapsedMs = now() - started;
    return { events, eventsPerSec: elapsedMs > 0 ? Math.round((events * 1000) / elapsedMs) : 0, eventTime, percent: Math.min(100, ((eventTime - from) / span) * 100), elapsedMs };
  };

  for await (const batch of o.source.read(o.range, o.signal)) {
    for (let i = 0; i < batch.length; i++) cand.process(batch[i]!);
    drain(cand, candAlerts, 'candidate');
    if (base !== undefined) {
      for (let i = 0; i < batch.length; i++) base.process(batch[i]!);
      drain(base, baseAlerts!, 'baseline');
    }
    events += batch.length;
    eventTime = batch[batch.length - 1]!.time;
    if (events >= nextCheck) {
      nextCheck = events + PROGRESS_STRIDE;
      if (o.onProgress && now() - lastReport >= every) {
        lastReport = now();
        o.onProgress(progress());
      }
      // Let timers and sockets run: in the engine a backtest shares the event loop with the live pipeline.
      await new Promise<void>((r) => setImmediate(r));
    }
    if (o.signal?.aborted) break;
  }
  o.signal?.throwIfAborted();

  const endWatermark = to - o.allowedLatenessMs;
  cand.advanceWatermark(endWatermark);
  drain(cand, candAlerts, 'candidate');
  base?.advanceWatermark(endWatermark);
  if (base) drain(base, baseAlerts!, 'baseline');
  eventTime = to;
  const end = progress();
  o.onProgress?.(end);

  const report: BacktestReport = {
    from,
    to,
    events,
    elapsedMs: Math.round(end.elapsedMs),
    eventsPerSec: end.eventsPerSec,
    endWatermark,
    candidate: candAlerts.summarize(to, cand.counters().ruleErrors),
  };
  if (base !== undefined && baseline) {
    report.baseline = baseAlerts!.summarize(to, base.counters().ruleErrors);
    report.diff = diffRules(candidate, baseline, candAlerts, baseAlerts!, to);
  }
  return report;
}

function diffRules(candidate: readonly CompiledRule[], baseline: readonly CompiledRule[], c: AlertCollector, b: AlertCollector, end: number): RuleDiff[] {
  const baseById = new Map(baseline.map((r) => [r.id, r]));
  const candIds = new Set(candidate.map((r) => r.id));
  const out: RuleDiff[] = [];
  for (const r of candidate) {
    const old = baseById.get(r.id);
    const change: RuleChange = old === undefined ? 'added' : old.hash === r.hash ? 'unchanged' : 'changed';
    out.push(diffFirings(r.id, change, c.firings(r.id), b.firings(r.id), end));
  }
  for (const r of baseline) if (!candIds.has(r.id)) out.push(diffFirings(r.id, 'removed', [], b.firings(r.id), end));
  return out;
}

/**
 * The baseline rules a candidate is compared with: those with a candidate's
 * id, and those from a file of the same name as a candidate's (a rule the
 * candidate file dropped shows as removed). Others are not under test.
 *
 * @example selectBaseline(candidate.rules, (await loadRulesDir('rules')).rules)
 */
export function selectBaseline(candidate: readonly CompiledRule[], baseline: readonly CompiledRule[]): CompiledRule[] {
  const ids = new Set(candidate.map((r) => r.id));
  const files = new Set(candidate.map((r) => basename(r.origin.file)));
  return baseline.filter((r) => ids.has(r.id) || files.has(basename(r.origin.file)));
}
