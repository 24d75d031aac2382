import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { compileRuleText, type CompiledRule } from '../rules/index.ts';
import { runBacktest, selectBaseline, type RunName } from './backtest.ts';
import type { EventSource } from './event-source.ts';
import type { TimeRange } from './time-range.ts';

const T0 = Date.UTC(2026, 6, 1);
const MIN = 60_000;

function rules(yaml: string, file = 'test.yaml'): CompiledRule[] {
  const r = compileRuleText(yaml, file);
  expect(r.diagnostics).toEqual([]);
  return r.rules;
}

/** Events in memory, in the order given, filtered to the range, in batches of `batch`. */
function memorySource(events: IocEvent[], batch = 2): EventSource {
  return {
    async *read(range: TimeRange) {
      const inRange = events.filter((e) => e.time >= range.from && e.time < range.to);
      for (let i = 0; i < inRange.length; i += batch) yield inRange.slice(i, i + batch);
    },
    async close() {},
  };
}

let n = 0;
function ev(min: number, value: number, source = 'w1'): IocEvent {
  return { id: `e${++n}`, type: 'water.level', source, time: T0 + min * MIN, value, unit: undefined, lat: undefined, lon: undefined, zone: undefined, attrs: {}, extra: undefined };
}

const THRESHOLD = (level: number) => `
rules:
  - id: flood.high
    title: { vi: "Cao", en: "High" }
    on: water.level
    where: e.value >= ${level}
    severity: major
    message: { vi: "{{ e.value }}", en: "{{ e.value }}" }
`;

const WINDOW = `
rules:
  - id: flood.busy
    title: { vi: "Nhiều", en: "Busy" }
    on: water.level
    groupBy: [e.source]
    window: { size: 10m }
    aggregate: { n: count() }
    when: n >= 2
    severity: minor
    message: { vi: "{{ n }}", en: "{{ n }}" }
`;

describe('runBacktest', () => {
  it('reports per rule and key the alerts, their first and last start and how long they fired', async () => {
    const events = [ev(0, 1), ev(1, 2.5), ev(2, 2.6), ev(3, 1), ev(4, 3, 'w2'), ev(5, 1, 'w2'), ev(6, 2.1)];
    const seen: string[] = [];
    const report = await runBacktest({
      source: memorySource(events),
      range: { from: T0, to: T0 + 10 * MIN },
      candidate: rules(THRESHOLD(2)),
      allowedLatenessMs: 0,
      onAlert: (run: RunName, a) => seen.push(`${run} ${a.state} ${a.key} @${(a.eventTime - T0) / MIN}`),
    });
    expect(seen).toEqual([
      'candidate firing w1 @1',
      'candidate resolved w1 @3',
      'candidate firing w2 @4',
      'candidate resolved w2 @5',
      'candidate firing w1 @6',
    ]);
    expect(report.events).toBe(7);
    const [r] = report.candidate;
    expect(r).toMatchObject({ rule: 'flood.high', alerts: 3, keys: 2, first: T0 + MIN, last: T0 + 6 * MIN, firingAtEnd: 1 });
    // w1: 1→3 and 6→end of range (10); w2: 4→5.
    expect(r!.firingMs).toBe((2 + 4 + 1) * MIN);
    expect(r!.byKey).toEqual([
      { key: 'w1', alerts: 2, first: T0 + MIN, last: T0 + 6 * MIN, firingMs: 6 * MIN, firingAtEnd: true },
      { key: 'w2', alerts: 1, first: T0 + 4 * MIN, last: T0 + 4 * MIN, firingMs: MIN, firingAtEnd: false },
    ]);
  });

  it('ends where the live engine would stand at the end of the range: windows due by then close, later ones stay open', async () => {
    const events = [ev(1, 1), ev(2, 1), ev(11, 1, 'w2'), ev(12, 1, 'w2')];
    const run = async (toMin: number, latenessMin: number) =>
      (await runBacktest({ source: memorySource(events), range: { from: T0, to: T0 + toMin * MIN }, candidate: rules(WINDOW), allowedLatenessMs: latenessMin * MIN }))
        .candidate[0]!.alerts;
    // The window [0, 10) closes when the watermark reaches 10; [10, 20) at 20.
    expect(await run(13, 0)).toBe(1);
    expect(await run(20, 0)).toBe(2);
    // One minute of allowed lateness: at wall time 20 the watermark is at 19, so [10, 20) is still open.
    expect(await run(20, 1)).toBe(1);
    expect(await run(21, 1)).toBe(2);
  });

  it('compares a candidate with its baseline firing by firing', async () => {
    const events = [ev(0, 1), ev(1, 2.5), ev(2, 1), ev(3, 2.2), ev(4, 2.3), ev(5, 1), ev(6, 3)];
    const candidate = rules(THRESHOLD(2.25));
    const baseline = [...rules(THRESHOLD(2)), ...rules(WINDOW)];
    const report = await runBacktest({ source: memorySource(events), range: { from: T0, to: T0 + 10 * MIN }, candidate, baseline, allowedLatenessMs: 0 });
    const byRule = new Map(report.diff!.map((d) => [d.rule, d]));
    // Baseline (>= 2) fires at 1, 3 and 6; candidate (>= 2.25) at 1, 4 and 6.
    expect(byRule.get('flood.high')).toMatchObject({
      change: 'changed', candidateAlerts: 3, baselineAlerts: 3, onlyCandidate: 1, onlyBaseline: 1, changedDuration: 0, firingMsDelta: -MIN,
      examples: { onlyCandidate: [{ key: 'w1', startsAt: T0 + 4 * MIN, endsAt: T0 + 5 * MIN }], onlyBaseline: [{ key: 'w1', startsAt: T0 + 3 * MIN, endsAt: T0 + 5 * MIN }] },
    });
    expect(byRule.get('flood.busy')).toMatchObject({ change: 'removed', candidateAlerts: 0, baselineAlerts: 1 });
  });

  it('refuses an empty range', async () => {
    await expect(runBacktest({ source: memorySource([]), range: { from: T0, to: T0 }, candidate: [], allowedLatenessMs: 0 })).rejects.toThrow(/must be before/);
  });
});

describe('selectBaseline', () => {
  it('keeps the baseline rules of the candidate ids and of the candidate files', () => {
    const candidate = rules(THRESHOLD(3), '/tmp/new/flood.yaml');
    const baseline = [...rules(THRESHOLD(2), '/srv/rules/flood.yaml'), ...rules(WINDOW, '/srv/rules/flood.yaml'), ...rules(WINDOW.replace('flood.busy', 'aq.busy'), '/srv/rules/aq.yaml')];
    expect(selectBaseline(candidate, baseline).map((r) => r.id)).toEqual(['flood.high', 'flood.busy']);
  });
});
