// The identity of an alert and what a rule must offer to produce one. The
// stateful machinery (windows, for/clear, absence, sequences) lives in
// engine/runtime; this file never does I/O.

import { createHash } from 'node:crypto';
import type { IocEvent } from '../events/index.ts';
import type { LocalizedText, Severity } from './alert.ts';

/** What every compiled rule offers, whatever its kind. */
export interface AlertRule {
  readonly id: string;
  readonly severity: Severity;
  readonly title: LocalizedText;
  /** True when the event satisfies the rule's condition; may throw on a broken expression. */
  matches(e: IocEvent): boolean;
  /** The group key of the event under this rule (by default its source). */
  keyOf(e: IocEvent): string;
  /** The alert message for this event. */
  render(e: IocEvent): LocalizedText;
}

/** The rules that can match an event of a given type. */
export interface RuleIndex {
  rulesFor(type: string): readonly AlertRule[];
}

/** Stable alert identity from rule id and group key. */
export function fingerprintOf(ruleId: string, key: string): string {
  return createHash('sha1').update(ruleId).update('\u0000').update(key).digest('hex').slice(0, 16);
}
