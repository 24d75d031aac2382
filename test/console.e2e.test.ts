// End to end with everything real: private nats-server and clickhouse-server,
// the engine serving the built console, Debian Chromium showing it. An event
// published on NATS must appear as an alert in the console without a reload,
// and the engine's gRPC-web endpoint must also serve a client we did not write.

import { rm } from 'node:fs/promises';
import type { GeoJSONSource } from 'maplibre-gl';
import { createChannel, createClient } from 'nice-grpc-web';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioc } from '../protos/gen/ioc.js';
import { AlertsService } from '../protos/gen/services.ts';
import type { RunningEngine } from '../engine/app/index.ts';
import { buildConsole, launchBrowser, recordRequests, type RequestLog } from './harness/browser.ts';
import { queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine;
let distDir: string;
let browser: Browser;
let page: Page;
let requests: RequestLog;
const pageErrors: string[] = [];

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: 'ioc_e2e' }), buildConsole()]);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  requests = recordRequests(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${engine.httpPort}`;

async function publish(event: Record<string, unknown>): Promise<void> {
  await stack.nc.jetstream().publish(`ioc.events.${String(event.type)}`, JSON.stringify(event));
}

describe('the console on the real engine', () => {
  it('renders the map of Hanoi and shows a new alert live, without a reload', async () => {
    await publish({ id: 'e2e-normal-1', type: 'water.level', source: 'wl-to-lich-07', time: Date.now(), value: 0.9, unit: 'm', lat: 21.0015, lon: 105.8201 });
    await waitUntil(async () => (await queryRows(stack.ch, "SELECT id FROM ioc_e2e.events WHERE id = 'e2e-normal-1'")).length === 1, 30_000, () => 'first event stored');

    await page.goto(base());
    await page.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 60_000 });
    await page.waitForFunction(() => window.__ioc?.map?.loaded() === true, undefined, { timeout: 60_000 });
    await page.evaluate(() => new Promise<void>((resolve) => {
      const map = window.__ioc!.map!;
      map.once('idle', () => resolve());
      map.triggerRepaint();
    }));
    const districts = await page.evaluate(() => window.__ioc!.map!.queryRenderedFeatures({ layers: ['district-fill'] }).length);
    expect(districts).toBeGreaterThan(0);
    expect(await page.evaluate(() => window.__ioc!.state())).toMatchObject({ mode: 'nats+clickhouse', alerts: 0 });
    const sensorIds = () => page.evaluate(async () => {
      const data = (await (window.__ioc!.map!.getSource('sensors') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
      return data.features.map((f) => String(f.properties?.id));
    });
    await expect.poll(sensorIds, { timeout: 20_000 }).toContain('wl-to-lich-07');

    await publish({ id: 'e2e-flood-1', type: 'water.level', source: 'wl-to-lich-07', time: Date.now(), value: 2.7, unit: 'm', lat: 21.0015, lon: 105.8201 });
    const items = page.locator('ioc-alert-list li');
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBe(1);
    const text = await items.first().textContent();
    expect(text).toContain('Mực nước nguy hiểm');
    expect(text).toContain('2,7');
    expect(await items.first().getAttribute('data-severity')).toBe('critical');

    // Back to normal: the alert resolves and leaves the list, still without a reload.
    await publish({ id: 'e2e-normal-2', type: 'water.level', source: 'wl-to-lich-07', time: Date.now(), value: 1.0, unit: 'm', lat: 21.0015, lon: 105.8201 });
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBe(0);

    expect(requests.offMachine()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('serves Alerts/Subscribe over gRPC-web to nice-grpc-web', async () => {
    const client = createClient({ subscribe: AlertsService.subscribe }, createChannel(base()));
    const ac = new AbortController();
    const got: ioc.v1.Alert[] = [];
    const reading = (async () => {
      try {
        for await (const a of client.subscribe(ioc.v1.SubscribeRequest.create({ rules: ['flood.*'] }), { signal: ac.signal })) got.push(a);
      } catch {
        // aborted at the end of the test
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await publish({ id: 'e2e-flood-2', type: 'water.level', source: 'wl-kim-nguu-02', time: Date.now(), value: 2.2, unit: 'm', zone: 'hai-ba-trung' });
    await publish({ id: 'e2e-pm-1', type: 'aq.pm25', source: 'aq-x', time: Date.now(), value: 300, zone: 'hai-ba-trung' });
    await waitUntil(() => got.find((a) => a.eventId === 'e2e-flood-2'), 20_000, () => 'alert over gRPC-web');
    expect(got.every((a) => a.rule.startsWith('flood.'))).toBe(true);
    expect(got.find((a) => a.eventId === 'e2e-flood-2')).toMatchObject({ zone: 'hai-ba-trung', severity: ioc.v1.Severity.CRITICAL, state: ioc.v1.AlertState.FIRING });
    ac.abort();
    await reading;
  });
});
