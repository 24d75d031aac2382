// Alert matchers (silences, inhibition, policies) compiled once into plain
// predicates. A list matches when any entry does; all given lists must match.

import { globMatcher } from '../rules/index.ts';
import type { AlertRecord, Matchers } from './model.ts';

export type AlertPredicate = (a: AlertRecord) => boolean;

function anyOf(list: readonly string[] | undefined, read: (a: AlertRecord) => string): AlertPredicate | undefined {
  if (!list || list.length === 0) return undefined;
  const tests = list.map(globMatcher);
  return (a) => {
    const v = read(a);
    for (const t of tests) if (t(v)) return true;
    return false;
  };
}

/** The value of a label of an alert (`rule`, `family`, `zone`, `source`, `severity`, `key`, `eventType`). */
export function labelOf(a: AlertRecord, label: string): string {
  switch (label) {
    case 'rule': return a.rule;
    case 'family': return a.family;
    case 'zone': return a.zone;
    case 'source': return a.source;
    case 'severity': return a.severity;
    case 'key': return a.key;
    case 'eventType': return a.eventType;
    default: return '';
  }
}

/**
 * Compiles matchers into a predicate.
 *
 * @example
 * compileMatchers({ rules: ['traffic.*'], zones: ['dong-da'] })(alert)
 */
export function compileMatchers(m: Matchers): AlertPredicate {
  const parts: AlertPredicate[] = [];
  const add = (p: AlertPredicate | undefined) => p && parts.push(p);
  add(anyOf(m.rules, (a) => a.rule));
  add(anyOf(m.zones, (a) => a.zone));
  add(anyOf(m.sources, (a) => a.source));
  add(anyOf(m.severities, (a) => a.severity));
  for (const [label, value] of Object.entries(m.labels ?? {})) add(anyOf([value], (a) => labelOf(a, label)));
  return (a) => {
    for (const p of parts) if (!p(a)) return false;
    return true;
  };
}

/** True when matchers name nothing (they would match every alert). */
export function matchesEverything(m: Matchers): boolean {
  return !m.rules?.length && !m.zones?.length && !m.sources?.length && !m.severities?.length && Object.keys(m.labels ?? {}).length === 0;
}
