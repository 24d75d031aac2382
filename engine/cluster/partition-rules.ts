// Which rules can run partition by partition. Events are partitioned by zone
// (by source when they have none), so a rule whose state is keyed by zone or
// by source sees all of a key's events in one partition. A rule keyed by
// something that spans zones (a river, an event type, the whole city) sees
// only part of its events in each partition:
// - a tumbling or sliding window rule is combined: each partition aggregates
//   its share pane by pane and hands the panes on; the city slot merges them
//   and evaluates (city-combine.ts);
// - anything else (session windows, absences, sequences, `for` on a
//   stateless rule) runs once per deployment in the city slot, over the
//   whole event stream.

import type { CompiledRule } from '../rules/index.ts';
import { partitionOf } from './partition.ts';

/** True when every event of one of the rule's keys lands in a single partition. */
export function isPartitionLocal(rule: CompiledRule): boolean {
  if (rule.kind === 'stateless' && rule.forMs === 0 && rule.keepFiringForMs === 0 && rule.throttleMs === 0) return true;
  return rule.key.names.includes('zone') || rule.key.names.includes('source');
}

/** The rules that span partitions: combined from partitions' panes, or run over every event, in the city slot. */
export function cityRules(rules: readonly CompiledRule[]): CompiledRule[] {
  return rules.filter((r) => !isPartitionLocal(r));
}

/** True for a city-wide rule whose windows merge from partitions' panes (tumbling and sliding windows). */
export function isCombined(rule: CompiledRule): boolean {
  return !isPartitionLocal(rule) && rule.kind === 'window' && rule.window!.type !== 'session';
}

/** The city-wide rules the city slot combines from partitions' panes. */
export function combinedRules(rules: readonly CompiledRule[]): CompiledRule[] {
  return rules.filter(isCombined);
}

/** The city-wide rules the city slot runs over the whole event stream. */
export function streamCityRules(rules: readonly CompiledRule[]): CompiledRule[] {
  return rules.filter((r) => !isPartitionLocal(r) && !isCombined(r));
}

/** The same rule, aggregating panes to hand on instead of evaluating (a partition's share of a combined rule). */
function asPartial(rule: CompiledRule): CompiledRule {
  const partial = Object.create(rule) as CompiledRule;
  Object.defineProperty(partial, 'partial', { value: true, enumerable: true });
  return partial;
}

/**
 * The rules as one partition runs them: the partition-local ones, and of
 * those an absence rule expects only the registry keys whose zone (or, keyed
 * by source alone, whose source) falls in this partition, so the other
 * partitions do not report them missing; and the combined city-wide rules,
 * partial (their panes are handed on).
 */
export function rulesForPartition(rules: readonly CompiledRule[], partition: number, partitions: number): CompiledRule[] {
  return rules.filter((r) => isPartitionLocal(r) || isCombined(r)).map((rule) => {
    if (isCombined(rule)) return asPartial(rule);
    const absence = rule.absence;
    if (!absence || absence.expected.length === 0) return rule;
    const zone = rule.key.names.indexOf('zone');
    const source = rule.key.names.indexOf('source');
    if (zone < 0 && source < 0) return rule;
    const mine = absence.expected.filter((x) => partitionOf(x.values[zone >= 0 ? zone : source]!, partitions) === partition);
    // The same rule (methods, hash, state identity) with a narrower registry.
    const narrowed = Object.create(rule) as CompiledRule;
    Object.defineProperty(narrowed, 'absence', { value: { ...absence, expected: mine }, enumerable: true });
    return narrowed;
  });
}
