// The contract between the event pipeline and the rule runtime: what the
// pipeline hands in (events in stream order, watermark advances, reloads) and
// what it gets back (alert changes, lateness verdicts, state snapshots).
// The runtime is pure and synchronous: no I/O, no wall clock except the
// injected `now` used only to stamp `emittedAt`. Everything time-based runs on
// event time, so it is tested in virtual time and replays deterministically.

import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { CompiledRule, RuleSet } from '../rules/index.ts';

/** What to do with an event older than the watermark (later than the allowed lateness). */
export type LatePolicy = 'dlq' | 'process';

export interface RuntimeOptions {
  /** How far behind the newest event time an event may be and still count as on time, ms (default 30 s). */
  allowedLatenessMs: number;
  /** `dlq`: a late event is not evaluated (the pipeline dead-letters it); `process`: it goes into the windows still open. */
  latePolicy: LatePolicy;
  /** Wall clock, only for `emittedAt` stamps. */
  now(): number;
  /** Called when a rule throws on an event; the rule keeps running for others. */
  onRuleError?(ruleId: string, event: IocEvent | undefined, err: unknown): void;
}

/** The verdict on one event. */
export type ProcessResult =
  /** Evaluated by every rule that watches its type. */
  | 'ok'
  /** Older than the watermark and the policy is `dlq`: not evaluated. */
  | 'late'
  /** Older than the watermark, policy `process`: evaluated where a window was still open. */
  | 'late-processed';

/** Counters for metrics; per rule where it helps find the rule. */
export interface RuntimeCounters {
  /** Events older than the watermark (either policy). */
  lateEvents: number;
  /** Evaluation errors by rule id. */
  ruleErrors: Record<string, number>;
  /** New groups refused by `maxKeys`, by rule id. */
  droppedKeys: Record<string, number>;
  /** Partial sequence matches dropped by `maxPartials`, by rule id. */
  droppedPartials: Record<string, number>;
}

/** How a reload went, rule by rule. */
export interface ReloadReport {
  /** Same id and same definition: state kept. */
  kept: string[];
  /** Same id, new definition: state reset, alerts kept until re-evaluated. */
  restarted: string[];
  added: string[];
  /** Gone or disabled: their alerts come back as resolved changes. */
  removed: string[];
}

export interface RuleRuntime {
  /**
   * Evaluates one event (in stream order). May advance the watermark (the
   * newest event time minus the allowed lateness), which closes windows,
   * completes `for` durations, fires absences and times out sequences.
   */
  process(e: IocEvent): ProcessResult;
  /** Moves the watermark forward (never back) without an event: the pipeline's idle advance. */
  advanceWatermark(t: number): void;
  /** The current watermark, epoch ms (-Infinity before the first event). */
  watermark(): number;
  /**
   * Alert state changes since the last call, in the order they happened:
   * `pending`, `firing`, `resolved`. The pipeline publishes firing and resolved.
   */
  takeChanges(): Alert[];
  /** Alerts firing now. */
  firing(): Alert[];
  /** How many alerts are firing now. */
  firingCount(): number;
  /** Totals since start (or restore) for metrics. */
  counters(): RuntimeCounters;
  /**
   * Replaces the rules, keeping the state of unchanged ones (same id and
   * definition hash). Alerts of removed or disabled rules come out of
   * `takeChanges()` as resolved, at the watermark.
   */
  reload(rules: RuleSet | readonly CompiledRule[]): ReloadReport;
  /** All state (windows, pending, absence, sequences, alerts, watermark) as a JSON-safe value. */
  snapshot(): unknown;
  /** Loads a snapshot taken by `snapshot()` of a runtime with the same rules (rules since removed are dropped). */
  restore(snapshot: unknown): void;
}
