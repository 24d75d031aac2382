// The drill-down end to end: private nats-server and clickhouse-server, the
// engine serving the built console, Debian Chromium. Five readings of one
// water-level sensor go in through NATS; selecting the sensor on the map must
// open the panel with a chart of those readings from Query/Series, the
// resolution the server chose (minute rollups for 24 h, raw events for 1 h),
// and the zone's KPIs from Query/ZoneKpis.
//
// The sensor is selected by dispatching the map's `sensor-selected` event from
// <ioc-wall-map>, with the properties of the sensor's feature as the map holds
// it: clicking a WebGL point in headless Chromium is unreliable (software
// rendering, clustering decides where the point is drawn), and the map element
// does not yet turn a click into that event itself.

import { rm } from 'node:fs/promises';
import type { GeoJSONSource } from 'maplibre-gl';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const DB = 'ioc_drilldown';
const MIN = 60_000;
const NOW = Date.now();
/** Ten minutes apart, the last ten minutes ago: one per 5-minute bucket of the 24 h chart, all inside the last hour. */
const VALUES = [1.0, 1.2, 1.1, 1.5, 1.3];

let stack: Stack;
let engine: RunningEngine;
let distDir: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: DB }), buildConsole()]);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
  const js = stack.nc.jetstream();
  for (const [n, value] of VALUES.entries()) {
    const time = NOW - (50 - n * 10) * MIN;
    await js.publish('ioc.events.water.level', JSON.stringify({
      id: `dd-${n}`, type: 'water.level', source: 'wl-drill', time, value, unit: 'm', lat: 21.0015, lon: 105.8201,
    }));
  }
  await waitUntil(async () => (await queryRows(stack.ch, `SELECT id FROM ${DB}.events`)).length === VALUES.length, 30_000, () => 'readings stored');
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

/** Selects a sensor as the map does: `sensor-selected` from <ioc-wall-map> with the feature's id, type and zone. */
async function selectSensor(source: string): Promise<void> {
  await page.evaluate(async (id) => {
    const data = (await (window.__ioc!.map!.getSource('sensors') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
    const p = data.features.find((f) => f.properties?.id === id)!.properties!;
    const mapElement = document.querySelector('ioc-console')!.shadowRoot!.querySelector('ioc-wall-map')!;
    mapElement.dispatchEvent(new CustomEvent('sensor-selected', {
      detail: { source: id, type: p.type, zone: p.zone }, bubbles: true, composed: true,
    }));
  }, source);
}

describe('the drill-down', () => {
  it('charts a sensor from Query/Series at the resolution the server chose, with the zone KPIs', async () => {
    await page.goto(`http://127.0.0.1:${engine.httpPort}/?lang=en`);
    await page.waitForFunction(() => window.__ioc?.state().connection === 'live' && window.__ioc?.map?.loaded() === true, undefined, { timeout: 60_000 });
    await page.waitForFunction(() => window.__ioc!.state().sensors === 1, undefined, { timeout: 20_000 });
    await selectSensor('wl-drill');

    const panel = page.locator('ioc-drill-panel');
    expect(await panel.locator('h2').textContent()).toContain('wl-drill');
    // 24 h (the default): minute rollups, one point per reading.
    const resolution = panel.locator('.resolution');
    await expect.poll(() => resolution.getAttribute('data-resolution'), { timeout: 20_000 }).toBe('minute');
    expect(await resolution.textContent()).toBe('per minute');
    const chart = panel.locator('ioc-series-chart svg');
    expect(await chart.getAttribute('data-points')).toBe(String(VALUES.length));
    expect(await chart.getAttribute('aria-label')).toContain('water.level');
    // The zone's KPIs: the latest reading, the hour's mean, the day's maximum, no open incident.
    expect(await panel.locator('[data-kpi=latest]').textContent()).toBe('1.3');
    expect(await panel.locator('[data-kpi=hour]').textContent()).toBe('1.22');
    expect(await panel.locator('[data-kpi=day]').textContent()).toBe('1.5');
    expect(await panel.locator('[data-kpi=incidents]').textContent()).toBe('0');

    // 1 h: raw events, the same five readings.
    await panel.locator('button[data-range="1h"]').click();
    await expect.poll(() => resolution.getAttribute('data-resolution'), { timeout: 20_000 }).toBe('raw');
    expect(await resolution.textContent()).toBe('raw events');
    expect(await chart.getAttribute('data-points')).toBe(String(VALUES.length));

    // Closing the panel takes it off the page.
    await panel.locator('header button').click();
    await expect.poll(() => panel.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
