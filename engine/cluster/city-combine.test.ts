import { describe, expect, it } from 'vitest';
import { alertMessageId, type Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import { compileRuleText } from '../rules/index.ts';
import { createRuleRuntime, type Runtime } from '../runtime/index.ts';
import { CityCombine, type PartialReport } from './city-combine.ts';
import { parseReport, encodeReport } from './city-combiner.ts';
import { partitionOf } from './partition.ts';
import { combinedRules, rulesForPartition } from './partition-rules.ts';

// City-wide windows combined from partitions' panes must give what one
// runtime over every event gives: the same alerts (ids: rule, key, state,
// window end) with the same aggregates, whatever the partition count.

const RULES = `
rules:
  - id: c.city
    title: { vi: "toàn thành phố", en: "city" }
    on: water.level
    groupBy: [e.type]
    window: { size: 1m }
    aggregate: { n: count(), zones: distinct(e.zone), top: max(e.value), low: min(e.value), mean: avg(e.value), sd: stddev(e.value), p95: p95(e.value), first: first(e.value), last: last(e.value), total: sum(e.value), perMin: rate() }
    when: n >= 40 && mean >= 1.5
    severity: info
    message: { vi: "{{ n }}", en: "{{ n }} readings in {{ zones }} districts" }
  - id: c.river
    title: { vi: "sông", en: "river" }
    on: water.level
    groupBy: [e.attrs.river]
    maxKeys: 10
    window: { size: 3m, slide: 1m }
    aggregate: { n: count(), top: max(e.value) }
    when: top >= 2.4 && n >= 30
    clear: top < 2.0
    severity: major
    message: { vi: "{{ n }}", en: "{{ n }} readings on {{ key.river }}, top {{ top }}" }
`;

const T0 = Date.UTC(2026, 6, 1);
const LATE = 30_000;
const rules = compileRuleText(RULES, 'city.yaml').rules;
const zones = Array.from({ length: 30 }, (_, i) => `z${i}`);
const rivers = ['red', 'duong', 'nhue'];

/** A feed over 30 districts and 3 rivers for `minutes`, a reading a second, some a few seconds out of order. */
function feed(minutes: number): IocEvent[] {
  const out: IocEvent[] = [];
  for (let k = 0; k < minutes * 60; k++) {
    const zone = zones[(k * 7) % 30]!;
    // Every ninth a little late (within the allowed lateness).
    const time = T0 + k * 1000 - (k % 9 === 0 ? 7000 : 0);
    const value = 1 + (((k * 37) % 17) / 10) * (Math.floor(k / 200) % 2 === 0 ? 1 : 0.5);
    out.push({ id: `e${k}`, type: 'water.level', source: `s-${zone}-${k % 3}`, zone, time, value, attrs: { river: rivers[k % 3]! } });
  }
  return out;
}

const runtime = (r: typeof rules): Runtime => createRuleRuntime(r, { now: () => 0, allowedLatenessMs: LATE, latePolicy: 'dlq' });

/** One runtime over every event: what the combination must equal. */
function single(events: IocEvent[], end: number): Alert[] {
  const rt = runtime(rules);
  const out: Alert[] = [];
  for (const e of events) {
    rt.process(e);
    out.push(...rt.takeChanges());
  }
  rt.advanceWatermark(end);
  out.push(...rt.takeChanges());
  return out.filter((a) => a.state !== 'pending');
}

/** P partitions each aggregating their events' panes, the reports in stream order (each through JSON, as on the bus), and a combiner. */
function partitioned(events: IocEvent[], P: number, end: number, tweak: (reports: PartialReport[]) => PartialReport[] = (r) => r, expectFrom: number[] = []): { alerts: Alert[]; combine: CityCombine; reports: PartialReport[] } {
  const parts = Array.from({ length: P }, (_, p) => runtime(rulesForPartition(rules, p, P)));
  const reports: PartialReport[] = [];
  const take = (p: number) => {
    const panes = parts[p]!.takePartials();
    if (panes.length > 0) reports.push(parseReport(encodeReport({ partition: p, watermark: parts[p]!.watermark(), panes })));
  };
  for (const e of events) {
    const p = partitionOf(e.zone!, P);
    parts[p]!.process(e);
    expect(parts[p]!.takeChanges()).toEqual([]); // a partial rule never evaluates
    take(p);
  }
  parts.forEach((rt, p) => {
    rt.advanceWatermark(end);
    take(p);
  });
  const combine = new CityCombine(runtime(combinedRules(rules)));
  combine.expect(expectFrom);
  const alerts: Alert[] = [];
  for (const r of tweak(reports)) {
    combine.offer(r);
    combine.advance();
    alerts.push(...combine.runtime.takeChanges());
  }
  return { alerts: alerts.filter((a) => a.state !== 'pending'), combine, reports };
}

/** Alerts by message id, with their aggregates rounded (merging sums in another order moves the last digits). */
function byId(alerts: Alert[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const a of alerts) out[alertMessageId(a)] = Object.fromEntries(Object.entries(a.values ?? {}).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));
  return out;
}

describe('city-wide windows combined from partitions', () => {
  const events = feed(40);
  const end = T0 + 45 * 60_000;
  const expected = single(events, end);

  it('gives the alerts and aggregates of one runtime over every event, for 1, 4 and 9 partitions', () => {
    expect(expected.filter((a) => a.rule === 'c.city').length).toBeGreaterThan(6);
    expect(expected.some((a) => a.rule === 'c.river' && a.state === 'resolved')).toBe(true);
    for (const P of [1, 4, 9]) {
      const { alerts, combine } = partitioned(events, P, end);
      expect(byId(alerts)).toEqual(byId(expected));
      expect(alerts.map((a) => a.message.en)).toEqual(expected.map((a) => a.message.en));
      expect(combine.counts).toMatchObject({ late: 0, unknown: 0, repeated: 0 });
      expect(combine.counts.absorbed).toBeGreaterThan(0);
    }
  });

  it('hands on one pane per key and slide, not every event', () => {
    const { reports } = partitioned(events, 4, end);
    const rows = reports.flatMap((r) => r.panes).reduce((n, p) => n + p.rows.length, 0);
    expect(rows).toBeLessThan(events.length / 3);
  });

  it('takes a report sent twice (a partition replaying after a restart) once', () => {
    const { alerts, combine } = partitioned(events, 4, end, (reports) => reports.flatMap((r, i) => (i % 3 === 0 ? [r, r] : [r])));
    expect(byId(alerts)).toEqual(byId(expected));
    expect(combine.counts.repeated).toBeGreaterThan(0);
  });

  it('waits for the slowest partition: nothing closes past its watermark until it reports', () => {
    const { reports } = partitioned(events, 4, end);
    const combine = new CityCombine(runtime(combinedRules(rules)));
    // Partition 2 says nothing after its first report; the others run to the end.
    const firstOf2 = reports.findIndex((r) => r.partition === 2);
    for (const r of reports) if (r.partition !== 2 || reports.indexOf(r) === firstOf2) combine.offer(r);
    combine.advance();
    const held = reports[firstOf2]!.watermark;
    expect(combine.watermark()).toBe(held);
    expect(combine.runtime.watermark()).toBe(held);
    expect(combine.runtime.takeChanges().filter((a) => a.startsAt > held)).toEqual([]);
  });

  it('counts the panes of a partition first heard after the city closed their windows as late, and leaves them out', () => {
    // Partition 3 is heard from only after everyone else has reported everything: the city did not wait for a partition it never heard of.
    const { alerts, combine } = partitioned(events, 4, end, (reports) => [...reports.filter((r) => r.partition !== 3), ...reports.filter((r) => r.partition === 3)]);
    expect(combine.counts.late).toBeGreaterThan(0);
    const allDistricts = (list: Alert[]) => list.filter((a) => a.rule === 'c.city' && a.state === 'firing' && a.values?.zones === 30).length;
    expect(allDistricts(expected)).toBeGreaterThan(0);
    expect(allDistricts(alerts)).toBe(0);
  });

  it('told which partitions hold events, closes nothing until each has reported, so a partition whose process starts late loses nothing', () => {
    // Partition 3 again reports only after everyone else, but the city knows it holds events.
    const { alerts, combine } = partitioned(events, 4, end, (reports) => [...reports.filter((r) => r.partition !== 3), ...reports.filter((r) => r.partition === 3)], [0, 1, 2, 3]);
    expect(combine.counts.late).toBe(0);
    expect(combine.silent()).toEqual([]);
    expect(byId(alerts)).toEqual(byId(expected));
  });

  it('continues exactly where it stopped after its state is saved and restored', () => {
    const { reports } = partitioned(events, 4, end);
    const half = Math.floor(reports.length / 2);
    const first = new CityCombine(runtime(combinedRules(rules)));
    const alerts: Alert[] = [];
    for (const r of reports.slice(0, half)) {
      first.offer(r);
      first.advance();
      alerts.push(...first.runtime.takeChanges());
    }
    const saved = JSON.parse(JSON.stringify({ combine: first.snapshot(), runtime: first.runtime.snapshot() })) as { combine: unknown; runtime: unknown };
    const second = new CityCombine(runtime(combinedRules(rules)));
    second.runtime.restore(saved.runtime);
    second.restore(saved.combine);
    for (const r of reports.slice(half)) {
      second.offer(r);
      second.advance();
      alerts.push(...second.runtime.takeChanges());
    }
    expect(byId(alerts.filter((a) => a.state !== 'pending'))).toEqual(byId(expected));
  });
});

describe('partial windows in a partition', () => {
  const partitionRules = () => rulesForPartition(rules, 0, 4);

  it('a combined rule added by a reload starts reporting at once, events of its own or not', () => {
    const rt = runtime(rules.filter((r) => r.id !== 'c.city' && r.id !== 'c.river'));
    rt.process({ id: 'x1', type: 'air.pm25', source: 'aq-1', zone: 'z0', time: T0, value: 10, attrs: {} });
    rt.reload(partitionRules());
    rt.process({ id: 'x2', type: 'air.pm25', source: 'aq-1', zone: 'z0', time: T0 + 5 * 60_000, value: 10, attrs: {} });
    const panes = rt.takePartials();
    expect(panes.length).toBeGreaterThan(0);
    expect(panes.every((p) => p.rows.length === 0)).toBe(true);
  });

  it('a long jump of the watermark hands on one empty pane per window, not one per slide', () => {
    const rt = runtime(partitionRules());
    rt.process({ id: 'w1', type: 'water.level', source: 's-1', zone: 'z0', time: T0, value: 1, attrs: { river: 'red' } });
    rt.takePartials();
    rt.advanceWatermark(T0 + 30 * 86_400_000); // a month later (a restart, an idle advance)
    const panes = rt.takePartials();
    // c.city (1-minute panes) and c.river (1-minute slide): the pane with the reading, then one empty pane each.
    expect(panes.length).toBeLessThanOrEqual(8);
    expect(panes.filter((p) => p.rows.length > 0).map((p) => p.rule).sort()).toEqual(['c.city', 'c.river']);
  });
});

describe('the combiner and bad panes', () => {
  it('leaves out a pane it cannot merge, counts it, and goes on', () => {
    const combine = new CityCombine(runtime(combinedRules(rules)));
    const state = combinedRules(rules)[0]!.window!.stateKey;
    const end = T0 + 60_000;
    combine.offer({ partition: 0, watermark: end, panes: [{ rule: 'c.city', state, end, rows: [['water.level', 0, 's', 'z0', 'water.level', [1, 2], null]] }] });
    combine.offer({ partition: 1, watermark: end, panes: [{ rule: 'c.city', state, end: end + 1, rows: [['water.level', 0, 's', 'z0', 'water.level', [1], null]] }] });
    expect(() => combine.advance()).not.toThrow();
    expect(combine.counts.invalid).toBe(1);
    expect(combine.lastInvalid).toMatch(/c.city pane ending/);
  });
});

describe('reports on the bus', () => {
  it('refuses a report without a partition, watermark or panes, saying which', () => {
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    expect(() => parseReport(bytes({ watermark: 1, panes: [] }))).toThrow(/partition must be a non-negative integer/);
    expect(() => parseReport(bytes({ partition: 1, watermark: 'x', panes: [] }))).toThrow(/watermark must be a number/);
    expect(() => parseReport(bytes({ partition: 1, watermark: 1, panes: [{ end: 5 }] }))).toThrow(/each pane needs state/);
    expect(() => parseReport(new TextEncoder().encode('{not json'))).toThrow();
  });
});
