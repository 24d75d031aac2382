// What a compiled rule asks of the runtime: its kind, its timings and the
// closures it evaluates (conditions, group keys, aggregate arguments,
// messages). The compiler builds these once per load; the runtime only calls
// them. Every function here may throw a RuleEvaluationError on a strange
// event, which the runtime isolates and counts; none does I/O.

import type { LocalizedText } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { Activation } from './cel-closures.ts';

export type RuleKind = 'stateless' | 'window' | 'absence' | 'sequence';

/** The aggregate functions of `aggregate:`. */
export const aggregateFunctions = ['count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'distinct', 'p50', 'p90', 'p95', 'p99', 'rate', 'stddev'] as const;
export type AggregateFunction = (typeof aggregateFunctions)[number];

export interface AggregatePlan {
  readonly name: string;
  readonly fn: AggregateFunction;
  /** Index into `WindowPlan.args` of the argument, or -1 for `count()` and `rate()`. */
  readonly arg: number;
  /** The CEL type of the aggregate in `when`: `int` for count and distinct, else `double`. */
  readonly type: 'int' | 'double';
}

/** Where group key values come from, and how `key.<name>` reads them. */
export interface KeyPlan {
  readonly names: readonly string[];
  /** The key string of an event (values joined with `|`); throws when a computed value cannot be evaluated. */
  keyOf(e: IocEvent): string;
  /** The values, in `names` order. */
  valuesOf(e: IocEvent): string[];
  /** The `key` variable of an activation. */
  makeKey(values: readonly string[]): Activation;
}

export interface WindowPlan {
  readonly type: 'tumbling' | 'sliding' | 'session';
  /** Tumbling and sliding: window length. */
  readonly sizeMs: number;
  /** Sliding: period; tumbling: equal to the size. */
  readonly slideMs: number;
  /** Session: silence that closes a session. */
  readonly gapMs: number;
  /**
   * Hash of what the window holds (`on`, `where`, `groupBy`, `window`,
   * `aggregate`, `maxKeys`): rules with the same one can share their panes and
   * differ only in `when`, `for`, `clear`, messages.
   */
  readonly stateKey: string;
  readonly aggregates: readonly AggregatePlan[];
  /** The distinct argument expressions, evaluated once per event each. */
  readonly args: readonly ((e: IocEvent) => unknown)[];
  /** `when` over an activation of the aggregates and `key`. */
  when(a: Activation): boolean;
  clear: ((a: Activation) => boolean) | undefined;
  render(a: Activation): LocalizedText;
  dedupKey: ((a: Activation) => string) | undefined;
}

export interface AbsencePlan {
  readonly absentMs: number;
  /** Keys expected from the registry, with their values; empty without `registry`. */
  readonly expected: readonly { key: string; values: readonly string[] }[];
  render(a: Activation): LocalizedText;
  dedupKey: ((a: Activation) => string) | undefined;
}

export interface SequenceStep {
  readonly as: string;
  /** True when the step watches this event type. */
  watches(type: string): boolean;
  /** The step's `where`; true without one. */
  matches(e: IocEvent): boolean;
  /** Less than this after the previous step; undefined: no limit. */
  readonly withinMs: number | undefined;
  readonly not: boolean;
}

export interface SequencePlan {
  readonly steps: readonly SequenceStep[];
  readonly maxPartials: number;
  /** Activation over the step events (by `as`) and `key`. */
  render(a: Activation): LocalizedText;
  dedupKey: ((a: Activation) => string) | undefined;
}

/** Stateless rules: the event itself is the evaluation. */
export interface EventPlan {
  clear: ((e: IocEvent) => boolean) | undefined;
  dedupKey: ((e: IocEvent) => string) | undefined;
}
