// Shadow mode on real NATS and ClickHouse: a candidate version of a rule runs
// beside the live one on real events; its alerts are recorded in
// `shadow_alerts` and reach nobody (not ioc.alerts, not Alerts/Subscribe, not
// incidents); `ioc rules shadow-report` compares the two.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import type { Alert } from '../engine/alerts/index.ts';
import { queryRows, repoRoot, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const RULES = `
rules:
  - id: flood.level
    title: { vi: "Mực nước cao", en: "High water" }
    on: water.level
    where: e.value >= 2.0
    severity: major
  - id: flood.level
    title: { vi: "Mực nước cao (thử)", en: "High water (candidate)" }
    on: water.level
    where: e.value >= 1.5
    severity: major
    mode: shadow
`;

let stack: Stack;
let engine: RunningEngine;

beforeAll(async () => {
  stack = await startStack({ rules: RULES, database: 'ioc_shadow' });
  engine = await startTestEngine(stack);
}, 120_000);

afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

describe('a rule in shadow mode', () => {
  it('records its alerts apart, tells no one, and is compared with the live rule', async () => {
    const published: Alert[] = [];
    const sub = stack.nc.subscribe('ioc.alerts.>', { callback: (_e, m) => published.push(JSON.parse(new TextDecoder().decode(m.data)) as Alert) });
    const now = Date.now();
    const send = (id: string, source: string, value: number, t: number) =>
      stack.nc.jetstream().publish('ioc.events.water.level', JSON.stringify({ id, type: 'water.level', source, time: t, value, unit: 'm', zone: 'hoang-mai' }));
    await send('s1', 'wl-a', 1.7, now - 3000); // only the candidate fires
    await send('s2', 'wl-b', 2.3, now - 2000); // both fire
    await send('s3', 'wl-a', 1.0, now - 1000); // the candidate's alert resolves

    const shadow = await waitUntil(async () => {
      const rows = await queryRows<{ key: string; state: string }>(stack.ch, `SELECT key, state FROM ioc_shadow.shadow_alerts FINAL ORDER BY key, state`);
      return rows.length === 3 ? rows : undefined;
    }, 30_000, () => 'shadow alerts stored');
    expect(shadow).toEqual([{ key: 'wl-a', state: 'firing' }, { key: 'wl-a', state: 'resolved' }, { key: 'wl-b', state: 'firing' }]);
    const live = await waitUntil(async () => {
      const rows = await queryRows<{ key: string; state: string }>(stack.ch, `SELECT key, state FROM ioc_shadow.alerts FINAL ORDER BY key`);
      return rows.length === 1 ? rows : undefined;
    }, 30_000, () => 'live alert stored');
    expect(live).toEqual([{ key: 'wl-b', state: 'firing' }]);
    // Nobody heard of the candidate: only the live alert went out, and only it reached incident management.
    await waitUntil(() => published.length >= 1, 10_000, () => 'the live alert on NATS');
    expect(published.map((a) => [a.rule, a.key, a.shadow ?? false])).toEqual([['flood.level', 'wl-b', false]]);
    await waitUntil(() => engine.incidents.list({}).length === 1, 10_000, () => 'one incident');
    expect(engine.incidents.list({})[0]!.alerts).toHaveLength(1);

    const r = spawnSync(process.execPath, [join(repoRoot, 'engine/cli/bin.mjs'), 'rules', 'shadow-report', '--from', '-1h', '--json'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, ...stack.env },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { rules: { rule: string; live: { firings: number }; shadow: { firings: number }; onlyShadow: string[]; onlyLive: string[] }[] };
    expect(report.rules).toEqual([
      expect.objectContaining({ rule: 'flood.level', live: expect.objectContaining({ firings: 1, keys: 1 }), shadow: expect.objectContaining({ firings: 2, keys: 2 }), onlyShadow: ['wl-a'], onlyLive: [] }),
    ]);
    sub.unsubscribe();
  }, 90_000);
});
