// The time cursor end to end: private nats-server and clickhouse-server, the
// engine serving the built console, Debian Chromium. Readings go in through
// NATS (the real path, in event-time order); the alert and incident history
// of two hours ago is written straight into ClickHouse's history tables, as
// the engine would have written it then (a test cannot wait two hours). Set
// to a past moment, the map and the lists must show that moment; "live"
// must bring back the live view, and live updates that arrive while at T
// must not overwrite it. The incident desk's queue follows the cursor too: at
// T it lists T's incidents; a live incident opened meanwhile (through the
// flood policy) joins the queue only on "live".

import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeoJSONSource } from 'maplibre-gl';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const DB = 'ioc_time_cursor';
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.now();
const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    groupWait: 1s
`;

let stack: Stack;
let engine: RunningEngine;
let distDir: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function publish(event: Record<string, unknown>): Promise<void> {
  await stack.nc.jetstream().publish(`ioc.events.${String(event.type)}`, JSON.stringify(event));
}

const reading = (id: string, source: string, time: number, value: number, lat: number, lon: number) =>
  ({ id, type: 'water.level', source, time, value, unit: 'm', lat, lon });

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: DB }), buildConsole()]);
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), POLICIES);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
  // wl-old reported three and two hours ago, then fell silent; wl-new started ten minutes ago.
  await publish(reading('tc-1', 'wl-old', NOW - 3 * HOUR, 0.9, 21.0015, 105.8201));
  await publish(reading('tc-2', 'wl-old', NOW - 2 * HOUR - 10 * MIN, 1.4, 21.0015, 105.8201));
  await publish(reading('tc-3', 'wl-new', NOW - 10 * MIN, 0.7, 21.0285, 105.8542));
  await waitUntil(async () => (await queryRows(stack.ch, `SELECT id FROM ${DB}.events`)).length === 3, 30_000, () => 'readings stored');
  // Two hours ago: a critical flood alert on wl-old (resolved 90 minutes ago), and an acknowledged incident (resolved an hour ago).
  const startsAt = NOW - 2 * HOUR - 10 * MIN;
  const alert = {
    fingerprint: 'tc-flood', rule: 'flood.water-level-critical', key: 'wl-old', severity: 'critical',
    title_vi: 'Mực nước nguy hiểm', title_en: 'Critical water level', message_vi: 'Mực nước 2,4 m', message_en: 'Water level 2.4 m',
    zone: 'dong-da', source: 'wl-old', value: 2.4, event_id: 'tc-x', event_type: 'water.level', starts_at: startsAt, event_time: startsAt,
  };
  await stack.ch.insert({
    table: `${DB}.alerts`, format: 'JSONEachRow',
    values: [
      { ...alert, state: 'firing', ends_at: 0, emitted_at: startsAt },
      { ...alert, state: 'resolved', ends_at: NOW - 90 * MIN, emitted_at: NOW - 90 * MIN },
    ],
  });
  const row = (seq: number, kind: string, at: number, state: string, actor = 'system') => ({
    incident_id: 'inc-tc', seq, at, actor, kind, detail: '', data: '{}', type: 'flood', severity: 'critical', state, zones: ['dong-da'],
    opened_at: startsAt,
  });
  await stack.ch.insert({
    table: `${DB}.incident_events`, format: 'JSONEachRow',
    values: [row(1, 'opened', startsAt, 'open'), row(2, 'acknowledged', startsAt + 5 * MIN, 'acknowledged', 'lan'), row(3, 'resolved', NOW - HOUR, 'resolved', 'lan')],
  });

  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

/** The sensors on the map, as `id:sev`, sorted. */
const mapSensors = () => page.evaluate(async () => {
  const data = (await (window.__ioc!.map!.getSource('sensors') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
  return data.features.map((f) => `${String(f.properties?.id)}:${String(f.properties?.sev)}`).sort();
});

/** Moves the slider to `at` as an operator would (the value, then the change event). */
async function setCursor(at: number): Promise<void> {
  await page.locator('ioc-time-cursor input[type=range]').evaluate((input: HTMLInputElement, target: number) => {
    const cursor = (input.getRootNode() as ShadowRoot).host as HTMLElement & { now: number };
    input.value = String(Math.round((target - (cursor.now - 24 * 3600_000)) / 60_000));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, at);
}

/** The incident desk's queue rows, as `id:state`, in queue order. */
const queueRows = () => page.locator('ioc-incident-queue .row').evaluateAll((rows) =>
  rows.map((r) => `${r.getAttribute('data-incident-id')}:${r.getAttribute('data-state')}`));

describe('the time cursor', () => {
  it("shows the map, the alerts and the incidents of a past moment, keeps it while live updates arrive, and returns to live", async () => {
    await page.goto(`http://127.0.0.1:${engine.httpPort}`);
    await page.waitForFunction(() => window.__ioc?.state().connection === 'live' && window.__ioc?.map?.loaded() === true, undefined, { timeout: 60_000 });
    // Live: both sensors, normal; no alert; the cursor says live.
    await expect.poll(mapSensors, { timeout: 20_000 }).toEqual(['wl-new:0', 'wl-old:0']);
    const cursor = page.locator('ioc-time-cursor');
    expect(await cursor.getAttribute('data-mode')).toBe('live');

    // Two hours ago: only wl-old had reported, and it was in critical alarm; one incident, acknowledged.
    await setCursor(NOW - 2 * HOUR);
    await expect.poll(() => cursor.locator('.status').getAttribute('data-status'), { timeout: 20_000 }).toBe('ready');
    expect(await cursor.getAttribute('data-mode')).toBe('past');
    await expect.poll(mapSensors, { timeout: 20_000 }).toEqual(['wl-old:4']);
    const alerts = page.locator('ioc-alert-list li');
    await expect.poll(() => alerts.count()).toBe(1);
    expect(await alerts.first().getAttribute('data-severity')).toBe('critical');
    expect(await alerts.first().textContent()).toContain('Mực nước nguy hiểm');
    const incidents = cursor.locator('li[data-incident]');
    expect(await incidents.count()).toBe(1);
    expect(await incidents.first().getAttribute('data-incident')).toBe('inc-tc');
    expect(await incidents.first().getAttribute('data-state')).toBe('acknowledged');
    // The desk's queue lists the incident as it was then (it was resolved an hour ago, so live has none).
    await expect.poll(queueRows, { timeout: 20_000 }).toEqual(['inc-tc:acknowledged']);
    expect((await page.evaluate(() => window.__ioc!.incidents()!)).past).toBe(true);
    expect(await page.locator('ioc-incident-desk .past').textContent()).toContain('Sự cố lúc đó');

    // A live reading (and a live alert) while at T: the past view stays as it was.
    await publish(reading('tc-4', 'wl-live', Date.now(), 2.6, 21.035, 105.84));
    await waitUntil(() => page.evaluate(() => window.__ioc!.state().sensors === 3), 20_000, () => 'live reading received');
    expect(await mapSensors()).toEqual(['wl-old:4']);
    expect(await alerts.count()).toBe(1);
    // The live alarm opens a live incident: the desk holds it, the queue still shows T.
    await waitUntil(() => page.evaluate(() => window.__ioc!.incidents()!.held === 1), 20_000, () => 'live incident received');
    expect(await queueRows()).toEqual(['inc-tc:acknowledged']);

    // Ninety-five minutes ago: the alert had resolved; the incident was still acknowledged.
    await setCursor(NOW - 85 * MIN);
    await expect.poll(() => alerts.count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(mapSensors).toEqual(['wl-old:0']);
    expect(await incidents.count()).toBe(1);
    await expect.poll(queueRows).toEqual(['inc-tc:acknowledged']);

    // Live again: everything the live feed brought meanwhile, including the new alarm.
    await cursor.locator('button.live').click();
    await expect.poll(mapSensors, { timeout: 20_000 }).toEqual(['wl-live:4', 'wl-new:0', 'wl-old:0']);
    expect(await cursor.getAttribute('data-mode')).toBe('live');
    await expect.poll(() => alerts.count()).toBe(1);
    expect(await alerts.first().textContent()).toContain('wl-live');
    // The queue is live again: the incident opened while at T, and not T's (resolved since).
    await expect.poll(queueRows).toEqual([expect.stringMatching(/:open$/)]);
    expect((await queueRows())[0]).not.toContain('inc-tc');
    expect((await page.evaluate(() => window.__ioc!.incidents()!)).past).toBe(false);
    expect(await page.locator('ioc-incident-desk .past').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
