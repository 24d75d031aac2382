import { describe, expect, it } from 'vitest';
import { compileRuleText } from '../rules/index.ts';
import { cityRules, combinedRules, isPartitionLocal, rulesForPartition, streamCityRules } from './partition-rules.ts';

const RULES = `
rules:
  - id: t.high
    title: { vi: "high", en: "high" }
    on: water.level
    where: e.value >= 2.0
    severity: major
    message: { vi: "cao", en: "high" }
  - id: t.per-zone
    title: { vi: "per-zone", en: "per-zone" }
    on: water.level
    groupBy: [e.zone]
    window: { size: 1m }
    aggregate: { n: count() }
    when: n >= 3
    severity: minor
    message: { vi: "nhiều", en: "many" }
  - id: t.per-sensor-avg
    title: { vi: "per-sensor-avg", en: "per-sensor-avg" }
    on: water.level
    window: { size: 5m }
    aggregate: { v: avg(e.value) }
    when: v >= 1.5
    severity: minor
    message: { vi: "tb", en: "avg" }
  - id: t.city-total
    title: { vi: "city-total", en: "city-total" }
    on: water.level
    groupBy: [e.type]
    window: { size: 1m }
    aggregate: { n: count() }
    when: n >= 900
    severity: info
    message: { vi: "thành phố", en: "city" }
  - id: t.by-river
    title: { vi: "by-river", en: "by-river" }
    on: water.level
    groupBy: [e.attrs.river]
    maxKeys: 100
    for: 5m
    where: e.value >= 1.0
    severity: minor
    message: { vi: "sông", en: "river" }
`;

describe('which rules run in the partitions and which once per deployment', () => {
  const { rules } = compileRuleText(RULES, 'r.yaml');

  it('keeps stateless rules and rules keyed by zone or source in the partitions', () => {
    expect(rules.filter(isPartitionLocal).map((r) => r.id)).toEqual(['t.high', 't.per-zone', 't.per-sensor-avg']);
  });

  it('sends rules keyed across zones (event type, a river) to the city slot, and only those', () => {
    expect(cityRules(rules).map((r) => r.id)).toEqual(['t.city-total', 't.by-river']);
  });

  it('combines a city-wide window from partial panes: each partition runs it partial, the city slot evaluates it; other city-wide rules read every event', () => {
    const inPartition = rulesForPartition(rules, 0, 4);
    expect(inPartition.map((r) => [r.id, r.partial === true])).toEqual([['t.high', false], ['t.per-zone', false], ['t.per-sensor-avg', false], ['t.city-total', true]]);
    expect(combinedRules(rules).map((r) => [r.id, r.partial === true])).toEqual([['t.city-total', false]]);
    expect(streamCityRules(rules).map((r) => r.id)).toEqual(['t.by-river']);
  });
});
