// The shape every rule kind's executor has, and the services the runtime
// offers them: scheduling (`wake`), error reporting and counters. One
// executor per rule holds that rule's evaluation state (windows, absence
// clocks, partial matches); its AlertBook holds the alert state. An executor
// never sees other rules and never reads a clock.

import type { LocalizedText } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { CompiledRule } from '../rules/index.ts';

/** What an executor may ask of the runtime. */
export interface RuntimeCore {
  /** Something is due at `time`: the runtime runs `runDue` once the watermark reaches it. */
  wake(time: number): void;
  /** A rule failed on an event, or (event undefined) when a window closed or a timer ran. */
  ruleError(ruleId: string, event: IocEvent | undefined, err: unknown): void;
  /** A new group was refused because the rule holds `maxKeys` groups. */
  keyDropped(ruleId: string): void;
  /** Wall clock for `emittedAt`. */
  now(): number;
  /** The first watermark the runtime saw (-Infinity before): registry keys start their silence there. */
  clockStart(): number;
}

/** The alert fields that come from the evaluation rather than from the rule. */
export interface AlertFacts {
  zone: string;
  source: string;
  eventId: string;
  eventType: string;
  value: number | undefined;
  /** The aggregates that made a windowed rule fire, by name (evidence for operators). */
  values?: Record<string, number>;
}

/** How the alert book reads an evaluation context (an event, window aggregates, a sequence match). */
export interface ContextOps<C> {
  render(c: C): LocalizedText;
  facts(c: C): AlertFacts;
  /** The alert identity when the rule has `dedupKey`. */
  dedupKey(c: C): string;
  save(c: C): unknown;
  load(j: unknown): C;
}

export interface Executor {
  rule: CompiledRule;
  /** Swaps in the same rule from a reload (same id and definition hash): state stays. */
  setRule(rule: CompiledRule): void;
  /** Evaluates an on-time event (or a late one when `late`, policy `process`); may throw, the runtime isolates it. */
  onEvent(e: IocEvent, late: boolean, watermark: number): void;
  /** The earliest time anything of this rule (evaluation or alerts) is due; Infinity when nothing is. */
  due(): number;
  /** Runs everything due at or before the watermark, in time order. */
  runDue(watermark: number): void;
  /** The watermark became known for the first time. */
  start(watermark: number): void;
  /** Alert changes: firing alerts of this rule now. */
  firing(out: unknown[]): void;
  /** Resolves every alert (rule removed) at `time`. */
  resolveAll(time: number): void;
  /** A JSON-safe array whose last element is the alert book's snapshot. */
  snapshot(): unknown[];
  restore(s: unknown): void;
  /** Alerts only (firing slots), for a restarted rule that keeps its alerts. */
  alertSnapshot(): unknown;
  adoptAlerts(s: unknown, watermark: number): void;
}
