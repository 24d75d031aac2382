// Editing one rule file while events flow: the other file's open window keeps
// its events and its firing alert stays firing (no resolve, no second fire);
// the edited rule takes effect; a broken edit keeps the previous version and
// says why. Real NATS and ClickHouse, the engine in this process, the file
// watcher doing the reload.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const FLOOD = `
rules:
  - id: flood.zone-readings
    title: { vi: "Nhiều lần đo nước cao", en: "Many high water readings" }
    on: water.level
    where: e.value >= 1.0
    groupBy: [e.zone]
    window: { size: 10m }
    aggregate: { n: count() }
    when: n >= 5
    severity: major
    message: { vi: "{{ n }} lần đo", en: "{{ n }} readings" }
  - id: flood.critical
    title: { vi: "Mực nước nguy hiểm", en: "Critical water level" }
    on: water.level
    where: e.value >= 3.0
    severity: critical
`;
const air = (threshold: number) => `
rules:
  - id: aq.high
    title: { vi: "PM2.5 cao", en: "PM2.5 high" }
    on: aq.pm25
    where: e.value >= ${threshold}.0
    severity: minor
`;

let stack: Stack;
let engine: RunningEngine;
const alerts: { rule: string; key: string; state: string; eventId: string; message: { en: string } }[] = [];

beforeAll(async () => {
  stack = await startStack({ rules: FLOOD, database: 'ioc_reload' });
  writeFileSync(join(stack.rulesDir, 'air.yaml'), air(300));
  engine = await startTestEngine(stack, { IOC_RULES_IDLE_ADVANCE_MS: '0' });
  stack.nc.subscribe('ioc.alerts.>', { callback: (_e, m) => alerts.push(m.json()) });
  await stack.nc.flush();
});
afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

const metric = async (pattern: RegExp) => pattern.exec(await (await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`)).text())?.[1];
const reloads = async () => Number((await metric(/^ioc_rules_reloads_total\{result="ok"\} (\d+)/m)) ?? 0);

it('keeps other rules\' windows and alerts when one file changes, and applies the change', async () => {
  const js = stack.nc.jetstream();
  // A 10-minute window, aligned to the epoch, that ended 20 minutes ago; events inside it, in event time.
  const w = Math.floor((Date.now() - 30 * 60_000) / 600_000) * 600_000;
  let n = 0;
  const water = (minute: number, value: number, source = `wl-${n}`) =>
    js.publish('ioc.events.water.level', JSON.stringify({ id: `w-${++n}`, type: 'water.level', source, time: w + minute * 60_000, value, zone: 'hoang-mai' }));
  const pm = (minute: number, value: number) =>
    js.publish('ioc.events.aq.pm25', JSON.stringify({ id: `a-${++n}`, type: 'aq.pm25', source: 'aq-1', time: w + minute * 60_000, value, zone: 'dong-da' }));

  await water(1, 1.2);
  await water(2, 1.4);
  await water(3, 3.4, 'wl-deep'); // fires flood.critical and counts in the window
  await pm(3.5, 150); // below 300: nothing
  await waitUntil(() => alerts.some((a) => a.rule === 'flood.critical'), 20_000, () => 'flood.critical firing');

  const before = await reloads();
  writeFileSync(join(stack.rulesDir, 'air.yaml'), air(100));
  await waitUntil(async () => (await reloads()) > before || undefined, 20_000, () => 'the watcher reloads air.yaml');

  await water(4, 1.1);
  await water(5, 1.3);
  await pm(5.5, 150); // now above the new threshold
  await water(11, 0.2); // closes the window: watermark = 11 min - 30 s lateness
  await waitUntil(() => alerts.some((a) => a.rule === 'flood.zone-readings'), 20_000, () => 'the window alert');

  // The window counted the readings from before and after the reload.
  expect(alerts.find((a) => a.rule === 'flood.zone-readings')).toMatchObject({ key: 'hoang-mai', state: 'firing', message: { en: '5 readings' } });
  // The firing alert of the unchanged rule stayed firing: no resolve, no second fire.
  expect(alerts.filter((a) => a.rule === 'flood.critical').map((a) => a.state)).toEqual(['firing']);
  // The edited rule is in force.
  expect(alerts.filter((a) => a.rule === 'aq.high').map((a) => [a.state, a.eventId])).toEqual([['firing', `a-${n - 1}`]]);
});

it('keeps the previous version of a file that fails validation, and says why', async () => {
  const partial = async () => Number((await metric(/^ioc_rules_reloads_total\{result="partial"\} (\d+)/m)) ?? 0);
  const before = await partial();
  writeFileSync(join(stack.rulesDir, 'air.yaml'), air(100).replace('severity: minor', 'severity: urgent'));
  await waitUntil(async () => (await partial()) > before || undefined, 20_000, () => 'a partial reload');
  expect(engine.rules.get('aq.high')?.severity).toBe('minor');
  const js = stack.nc.jetstream();
  await js.publish('ioc.events.aq.pm25', JSON.stringify({ id: 'a-late-1', type: 'aq.pm25', source: 'aq-2', time: Date.now() - 60_000, value: 180, zone: 'dong-da' }));
  await waitUntil(() => alerts.some((a) => a.eventId === 'a-late-1'), 20_000, () => 'the previous aq.high still firing alerts');
  expect(engine.readiness().ready).toBe(true);
});
