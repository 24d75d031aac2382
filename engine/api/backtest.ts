// The ioc.v1.Backtest service: checks the request, compiles the rule text it
// carries against the engine's reference tables, runs the backtest and
// streams progress then the report. Read-only; one backtest at a time, since
// it shares the engine's CPU and event loop with the live pipeline.

import { ioc } from '../../protos/gen/ioc.js';
import { BacktestService } from '../../protos/gen/services.ts';
import type { Severity } from '../alerts/index.ts';
import {
  checkTimeRange,
  compileRuleTexts,
  runBacktest,
  selectBaseline,
  type BacktestProgress,
  type BacktestReport,
  type EventSource,
  type RuleSummary,
  type RuleText,
} from '../backtest/index.ts';
import { InvalidArgumentError, ResourceExhaustedError } from '../errors/index.ts';
import { formatDiagnostic, type CompiledRule, type RefTable } from '../rules/index.ts';
import type { CallContext, MethodHandler } from './handlers.ts';

export interface BacktestHandlerDeps {
  /** A reader of stored events for one backtest (closed after it). */
  openSource(): EventSource;
  /** The rules in force: the default baseline. */
  currentRules(): readonly CompiledRule[];
  /** The reference tables of the rules directory, to compile rule text against. */
  tables(): ReadonlyMap<string, RefTable>;
  /** The engine's `rules.allowedLatenessMs`. */
  allowedLatenessMs: number;
}

/** Most rule text one request may carry, in UTF-8 bytes. */
export const MAX_RULE_BYTES = 1024 * 1024;
/** Progress messages at most this often. */
const PROGRESS_EVERY_MS = 500;
/** Progress updates buffered for a slow client; older ones are dropped, the report never is. */
const MAX_PENDING_PROGRESS = 8;

const SEVERITY: Record<Severity, ioc.v1.Severity> = {
  info: ioc.v1.Severity.INFO,
  minor: ioc.v1.Severity.MINOR,
  major: ioc.v1.Severity.MAJOR,
  critical: ioc.v1.Severity.CRITICAL,
};

function ruleTexts(files: ioc.v1.IRuleFile[] | null | undefined, field: string): RuleText[] {
  let bytes = 0;
  return (files ?? []).map((f, i) => {
    const name = (f.name ?? '').trim() || `${field}[${i}].yaml`;
    const text = f.text ?? '';
    bytes += Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_RULE_BYTES) throw new InvalidArgumentError(`${field} holds more than ${MAX_RULE_BYTES} bytes of rule text`);
    return { name, text };
  });
}

function compile(texts: RuleText[], tables: ReadonlyMap<string, RefTable>, field: string): CompiledRule[] {
  const { rules, diagnostics } = compileRuleTexts(texts, tables);
  if (diagnostics.length > 0) {
    const shown = diagnostics.slice(0, 20).map((d) => formatDiagnostic(d)).join('\n');
    throw new InvalidArgumentError(`${field}: ${diagnostics.length} problem(s) in the rules:\n${shown}`);
  }
  return rules;
}

function summaryToProto(r: RuleSummary): ioc.v1.RuleSummary {
  return ioc.v1.RuleSummary.create({
    rule: r.rule,
    title: r.title,
    severity: SEVERITY[r.severity],
    alerts: r.alerts,
    keys: r.keys,
    first: r.first ?? 0,
    last: r.last ?? 0,
    firingMs: r.firingMs,
    firingAtEnd: r.firingAtEnd,
    errors: r.errors,
    byKey: r.byKey.map((k) => ioc.v1.KeySummary.create(k)),
  });
}

/** The report as protobuf; a firing still open at the end has `ends_at` 0. */
export function backtestReportToProto(r: BacktestReport): ioc.v1.BacktestReport {
  const firing = (f: { key: string; startsAt: number; endsAt: number | null }) => ioc.v1.Firing.create({ key: f.key, startsAt: f.startsAt, endsAt: f.endsAt ?? 0 });
  return ioc.v1.BacktestReport.create({
    from: r.from,
    to: r.to,
    events: r.events,
    elapsedMs: r.elapsedMs,
    eventsPerSec: r.eventsPerSec,
    endWatermark: r.endWatermark,
    candidate: r.candidate.map(summaryToProto),
    baseline: (r.baseline ?? []).map(summaryToProto),
    diff: (r.diff ?? []).map((d) =>
      ioc.v1.RuleDiff.create({
        rule: d.rule,
        change: d.change,
        candidateAlerts: d.candidateAlerts,
        baselineAlerts: d.baselineAlerts,
        onlyCandidate: d.onlyCandidate,
        onlyBaseline: d.onlyBaseline,
        changedDuration: d.changedDuration,
        firingMsDelta: d.firingMsDelta,
        onlyCandidateExamples: d.examples.onlyCandidate.map(firing),
        onlyBaselineExamples: d.examples.onlyBaseline.map(firing),
        changedDurationExamples: d.examples.changedDuration.map((c) =>
          ioc.v1.ChangedFiring.create({ key: c.key, startsAt: c.startsAt, candidateEndsAt: c.candidateEndsAt ?? 0, baselineEndsAt: c.baselineEndsAt ?? 0 }),
        ),
      }),
    ),
  });
}

/**
 * The handler of ioc.v1.Backtest/Run, by path, for `createHandlers`.
 * @example new Map([...backtestHandlers({ openSource, currentRules, tables, allowedLatenessMs: 30_000 })])
 */
export function backtestHandlers(deps: BacktestHandlerDeps): Map<string, MethodHandler> {
  let running = false;

  async function* run(req: ioc.v1.BacktestRequest, ctx: CallContext): AsyncGenerator<ioc.v1.BacktestUpdate> {
    const range = { from: Number(req.from ?? 0), to: Number(req.to ?? 0) };
    checkTimeRange(range);
    const tables = deps.tables();
    const candidate = compile(ruleTexts(req.candidate, 'candidate'), tables, 'candidate');
    if (candidate.length === 0) throw new InvalidArgumentError('candidate holds no rules: send at least one rule file');
    const baselineTexts = ruleTexts(req.baseline, 'baseline');
    const baseline = req.noBaseline
      ? undefined
      : selectBaseline(candidate, baselineTexts.length > 0 ? compile(baselineTexts, tables, 'baseline') : deps.currentRules());
    if (running) throw new ResourceExhaustedError('a backtest is already running on this engine; try again when it has finished');
    running = true;
    const source = deps.openSource();
    const progress: BacktestProgress[] = [];
    let wake: (() => void) | undefined;
    let outcome: { report: BacktestReport } | { error: unknown } | undefined;
    const done = runBacktest({
      source,
      range,
      candidate,
      ...(baseline ? { baseline } : {}),
      allowedLatenessMs: deps.allowedLatenessMs,
      signal: ctx.signal,
      progressEveryMs: PROGRESS_EVERY_MS,
      onProgress: (p) => {
        if (progress.length >= MAX_PENDING_PROGRESS) progress.shift();
        progress.push(p);
        wake?.();
      },
    }).then(
      (report) => (outcome = { report }),
      (error: unknown) => (outcome = { error }),
    ).finally(() => wake?.());
    try {
      for (;;) {
        const p = progress.shift();
        if (p !== undefined) {
          yield ioc.v1.BacktestUpdate.create({ progress: { events: p.events, eventsPerSec: p.eventsPerSec, eventTime: p.eventTime, percent: p.percent } });
          continue;
        }
        if (outcome !== undefined) break;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      if ('error' in outcome) throw outcome.error;
      yield ioc.v1.BacktestUpdate.create({ report: backtestReportToProto(outcome.report) });
    } finally {
      await done;
      running = false;
      await source.close();
    }
  }

  const handler = { kind: 'serverStream', handle: run as MethodHandler['handle'] } as MethodHandler;
  return new Map([[BacktestService.run.path, handler]]);
}
