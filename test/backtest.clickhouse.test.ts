// Acceptance for backtesting (issue 5), on real servers: the live engine reads
// a simulated day of Hanoi events from NATS and stores them and its alerts in
// ClickHouse; a backtest of the same rules over that stored day must report
// exactly the alerts the live engine produced (rule, key, state, event time).

import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { ClickHouseEventSource, loadRulePaths, runBacktest, type BacktestReport } from '../engine/backtest/index.ts';
import { eventKey, type IocEvent } from '../engine/events/index.ts';
import { HanoiFeed } from '../engine/sim/index.ts';
import { queryRows, repoRoot, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const DB = 'ioc_test';
const HOUR = 3_600_000;
/** A reading from every sensor every two minutes: ~80k events over the day. */
const TICK_MS = 120_000;
const LATENESS_MS = 30_000;

let stack: Stack;
let engine: RunningEngine | undefined;
let from: number;
let to: number;
let published = 0;

/** A day of the simulated city, in event-time order, ending an hour ago (the engine refuses events from the future). */
function simulatedDay(): IocEvent[] {
  from = Math.floor((Date.now() - 25 * HOUR) / 1000) * 1000;
  // A quarter of the default city (99 sensors): enough rain gauges and water gauges share districts for the sequence rule.
  const feed = new HanoiFeed({ start: from, seed: 5, sensors: 0.25 });
  const perTick = 110;
  const out: IocEvent[] = [];
  let silent: string | undefined;
  for (let t = from; t < from + 24 * HOUR; t += TICK_MS) {
    feed.advance(t);
    for (let i = 0; i < perTick; i++) {
      const e = feed.next();
      silent ??= e.type === 'water.level' ? e.source : undefined;
      // One gauge goes quiet for an hour, so the absence rule has something to find.
      if (e.source === silent && t >= from + 10 * HOUR && t < from + 11 * HOUR) continue;
      out.push(e);
    }
  }
  return out;
}

const show = (a: { rule: string; key: string; state: string; eventTime: number }) => `${a.rule} | ${a.key} | ${a.state} | ${new Date(a.eventTime).toISOString()}`;

beforeAll(async () => {
  stack = await startStack();
  // The shipped pack with its registry and reference tables, instead of the harness's two rules.
  rmSync(join(stack.rulesDir, 'test.yaml'));
  cpSync(join(repoRoot, 'rules'), stack.rulesDir, { recursive: true, filter: (src) => !src.includes('.test.') && !src.endsWith('.ndjson') && !src.includes('policies') });
  // No idle advance: the live watermark then moves only with event time, as it does in the backtest.
  engine = await startTestEngine(stack, { IOC_RULES_IDLE_ADVANCE_MS: '0', IOC_RULES_WATCH: 'false', IOC_RULES_ALLOWED_LATENESS_MS: String(LATENESS_MS) });

  const events = simulatedDay();
  to = events.at(-1)!.time + TICK_MS;
  // The end of the range, as a clock event no rule watches: it brings the live
  // watermark to `to - lateness`, where the backtest ends (see decision 0513).
  events.push({ id: 'end-of-day', type: 'test.clock', source: 'test', time: to, attrs: {} });
  const js = stack.nc.jetstream();
  const pending: Promise<unknown>[] = [];
  for (const e of events) {
    pending.push(js.publish(`ioc.events.${e.type}`, JSON.stringify(e), { msgID: eventKey(e) }));
    if (pending.length >= 1000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  published = events.length;
  await waitUntil(async () => {
    const [row] = await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM ${DB}.events FINAL`);
    return Number(row?.n) === published;
  }, 120_000, () => `all ${published} events stored`);
  // Stopping commits the last batch, alerts included.
  await engine.stop();
  engine = undefined;
}, 240_000);

afterAll(async () => {
  await engine?.stop();
  await stack?.destroy();
});

describe('a backtest over a stored day', () => {
  let report: BacktestReport;
  const backtested = new Map<string, string>();

  beforeAll(async () => {
    const source = new ClickHouseEventSource({ url: stack.clickhouse.url, database: DB });
    try {
      await source.check();
      const { rules, diagnostics } = await loadRulePaths([stack.rulesDir]);
      expect(diagnostics).toEqual([]);
      report = await runBacktest({
        source,
        range: { from, to },
        candidate: rules,
        baseline: rules,
        allowedLatenessMs: LATENESS_MS,
        onAlert: (run, a) => {
          // As the `alerts` table keeps them: the last change of each (fingerprint, state, start).
          if (run === 'candidate') backtested.set(`${a.fingerprint}:${a.state}:${a.startsAt}`, show(a));
        },
      });
    } finally {
      await source.close();
    }
  }, 120_000);

  it('reads every stored event of the range once, in event-time order', () => {
    expect(report.events).toBe(published - 1); // the clock event lies at `to`, outside [from, to)
  });

  it('reports exactly the alerts the live engine produced: rule, key, state and event time', async () => {
    const live = await queryRows<{ rule: string; key: string; state: string; event_time: string }>(
      stack.ch,
      `SELECT rule, key, state, event_time FROM ${DB}.alerts FINAL`,
    );
    const liveShown = live.map((a) => show({ ...a, eventTime: Number(a.event_time) })).sort();
    expect(backtested.size).toBeGreaterThan(100);
    expect([...backtested.values()].sort()).toEqual(liveShown);
  });

  it('covers the kinds of rules of the pack: thresholds, windows, sequences and absences fire', () => {
    const fired = new Map(report.candidate.map((r) => [r.rule, r.alerts]));
    for (const rule of ['flood.water-level-critical', 'aq.pm25-very-unhealthy', 'service.hotline-flood-report', 'traffic.zone-gridlock', 'flood.rain-then-rise', 'sensor.gauge-offline']) {
      expect({ rule, fired: (fired.get(rule) ?? 0) > 0 }).toEqual({ rule, fired: true });
    }
  });

  it('compared with itself, every rule is unchanged with no difference', () => {
    for (const d of report.diff!) expect(d).toMatchObject({ change: 'unchanged', onlyCandidate: 0, onlyBaseline: 0, changedDuration: 0, firingMsDelta: 0 });
  });
});

describe('a backtest against a ClickHouse that is not there', () => {
  it('says ClickHouse is unreachable', async () => {
    const source = new ClickHouseEventSource({ url: 'http://127.0.0.1:9', database: DB });
    await expect(source.check()).rejects.toThrow(/ClickHouse at http:\/\/127\.0\.0\.1:9 is unreachable/);
    await source.close();
  });
});
