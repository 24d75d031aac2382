// Errors a compiled rule throws while evaluating an event. They carry the rule
// id and the CEL error as `cause`, so the tracker can isolate and count them
// per rule; they must never escape the tracker to stop the engine.

import { IocError } from '../errors/index.ts';

/** A rule's condition, group key or message could not be evaluated for an event (e.g. `e.value` on an event without a value). */
export class RuleEvaluationError extends IocError {
  readonly ruleId: string;
  /** The CEL error code (`no_such_key`, `no_such_overload`, ...) or `not_bool`. */
  readonly celCode: string;

  constructor(ruleId: string, celCode: string, message: string, options?: { cause?: unknown }) {
    super('failed_precondition', `rule ${ruleId}: ${message}`, options);
    this.ruleId = ruleId;
    this.celCode = celCode;
  }
}
