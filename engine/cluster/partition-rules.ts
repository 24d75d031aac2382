// Which rules can run partition by partition. Events are partitioned by zone
// (by source when they have none), so a rule whose state is keyed by zone or
// by source sees all of a key's events in one partition. A rule keyed by
// something that spans zones (a river, an event type, the whole city) would
// see only part of its events in each partition: those city-wide rules run
// once per deployment instead, in the city slot, over the whole event stream.

import type { CompiledRule } from '../rules/index.ts';
import { partitionOf } from './partition.ts';

/** True when every event of one of the rule's keys lands in a single partition. */
export function isPartitionLocal(rule: CompiledRule): boolean {
  if (rule.kind === 'stateless' && rule.forMs === 0 && rule.keepFiringForMs === 0 && rule.throttleMs === 0) return true;
  return rule.key.names.includes('zone') || rule.key.names.includes('source');
}

/** The rules that span partitions: run once per deployment, in the city slot. */
export function cityRules(rules: readonly CompiledRule[]): CompiledRule[] {
  return rules.filter((r) => !isPartitionLocal(r));
}

/**
 * The rules as one partition runs them: the partition-local ones, and of
 * those an absence rule expects only the registry keys whose zone (or, keyed
 * by source alone, whose source) falls in this partition, so the other
 * partitions do not report them missing.
 */
export function rulesForPartition(rules: readonly CompiledRule[], partition: number, partitions: number): CompiledRule[] {
  return rules.filter(isPartitionLocal).map((rule) => {
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
