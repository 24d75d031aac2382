// Evaluates the aggregate arguments of a windowed rule for one event, into a
// reused array: numbers for every aggregate but `distinct`. A value that is
// not a finite number fails the event for the rule (counted as a rule error),
// so no NaN or Infinity ever reaches a pane or a snapshot.

import type { IocEvent } from '../events/index.ts';
import { RuleEvaluationError, type WindowPlan } from '../rules/index.ts';

/** Which arguments feed only `distinct` (any value) rather than numbers. */
export function distinctOnly(plan: WindowPlan): boolean[] {
  return plan.args.map((_, i) => plan.aggregates.every((a) => a.arg !== i || a.fn === 'distinct'));
}

export function readArgs(ruleId: string, plan: WindowPlan, anyValue: readonly boolean[], e: IocEvent, vals: unknown[]): void {
  const args = plan.args;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!(e);
    // The common case first: a finite number (NaN and ±Infinity fail the subtraction test).
    if (typeof v === 'number' && v - v === 0) vals[i] = v;
    else vals[i] = anyValue[i] ? v : toNumber(ruleId, v);
  }
}

function toNumber(ruleId: string, v: unknown): number {
  const x = typeof v === 'bigint' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RuleEvaluationError(ruleId, 'not_a_number', `aggregate argument gave ${typeof x === 'number' ? x : typeof x}, not a finite number`);
  return x;
}
