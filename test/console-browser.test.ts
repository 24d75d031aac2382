// The console in a real browser (Debian Chromium, WebGL on SwiftShader), served by
// our static handler and our gRPC-web bridge. Console/Watch is a scripted handler
// of our handler interface: a snapshot, then whatever the test pushes.

import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GeoJSONSource } from 'maplibre-gl';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebHandler, methodsOf } from '../engine/api/grpc-web.ts';
import type { CallContext, HandlerTable } from '../engine/api/handlers.ts';
import { createStaticHandler } from '../engine/api/static-files.ts';
import { UnavailableError } from '../engine/errors/index.ts';
import { ioc } from '../protos/gen/ioc.js';
import { allServices, ConsoleService, IncidentsService } from '../protos/gen/services.ts';
import { buildConsole, launchBrowser, signInOffHandlers, recordRequests, type RequestLog } from './harness/browser.ts';

const { Severity, AlertState } = ioc.v1;

const sensors: ioc.v1.ISensorState[] = [
  { source: 'wl-hoan-kiem-1', type: 'water.level', lat: 21.0288, lon: 105.8525, zone: 'hoan-kiem', value: 0.4, unit: 'm', time: 1_700_000_000_000 },
  { source: 'wl-hoang-mai-2', type: 'water.level', lat: 20.974, lon: 105.863, zone: 'hoang-mai', value: 1.9, unit: 'm', time: 1_700_000_000_000, severity: Severity.MAJOR },
  { source: 'aq-cau-giay-1', type: 'aq.pm25', lat: 21.032, lon: 105.79, zone: 'cau-giay', value: 88, unit: 'µg/m³', time: 1_700_000_000_000 },
  { source: 'aq-dong-anh-1', type: 'aq.pm25', lat: 21.14, lon: 105.85, zone: 'dong-anh', value: 41, unit: 'µg/m³', time: 1_700_000_000_000 },
  { source: 'tr-ha-dong-1', type: 'traffic.speed', lat: 20.956, lon: 105.756, zone: 'ha-dong', value: 12, unit: 'km/h', time: 1_700_000_000_000 },
  // A city system with no position: counted, not drawn.
  { source: 'hotline-1022', type: 'service.hotline', zone: 'ba-dinh', time: 1_700_000_000_000 },
];

const floodAlert: ioc.v1.IAlert = {
  fingerprint: 'fp-flood-hm', rule: 'flood.water-level-high', key: 'wl-hoang-mai-2', state: AlertState.FIRING, severity: Severity.MAJOR,
  title: { vi: 'Mực nước cao', en: 'High water level' }, message: { vi: 'Mực nước 1,9 m tại wl-hoang-mai-2', en: 'Water level 1.9 m at wl-hoang-mai-2' },
  zone: 'hoang-mai', source: 'wl-hoang-mai-2', value: 1.9, startsAt: 1_700_000_000_000,
};

const pm25Alert: ioc.v1.IAlert = {
  fingerprint: 'fp-pm25-cg', rule: 'aq.pm25-critical', key: 'aq-cau-giay-1', state: AlertState.FIRING, severity: Severity.CRITICAL,
  title: { vi: 'Bụi mịn PM2.5 nguy hại', en: 'Hazardous PM2.5' }, message: { vi: 'PM2.5 trung bình 260 µg/m³', en: 'Average PM2.5 260 µg/m³' },
  zone: 'cau-giay', source: 'aq-cau-giay-1', value: 260, startsAt: 1_700_000_060_000,
};

/** What the test sends down the open Watch stream; failing it ends the stream with an error. */
class Pushes {
  private queue: (ioc.v1.IConsoleUpdate | Error)[] = [];
  private wake: () => void = () => {};

  push(item: ioc.v1.IConsoleUpdate | Error): void {
    this.queue.push(item);
    this.wake();
  }

  async *drain(signal: AbortSignal): AsyncGenerator<ioc.v1.IConsoleUpdate> {
    signal.addEventListener('abort', () => this.wake(), { once: true });
    while (!signal.aborted) {
      const next = this.queue.shift();
      if (next instanceof Error) throw next;
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }
}

const pushes = new Pushes();
let watchCalls = 0;
let snapshotSeq = 1;
/** How many coming Watch calls to refuse, as an engine that is still starting would. */
let refuse = 0;

const handlers: HandlerTable = new Map([
  [ConsoleService.watch.path, {
    kind: 'serverStream' as const,
    handle: async function* watch(_request: unknown, ctx: CallContext) {
      watchCalls++;
      if (refuse > 0) {
        refuse--;
        throw new UnavailableError('engine starting');
      }
      yield ioc.v1.ConsoleUpdate.create({ seq: snapshotSeq, snapshot: { mode: 'embedded', sensors, alerts: [floodAlert] } });
      yield* pushes.drain(ctx.signal);
    },
  }],
  // Sign-in off, as in the demo: the console asks who it is before it starts its feeds.
  ...signInOffHandlers(),
  // No incidents in this scripted city: an empty snapshot, then quiet until the page goes.
  [IncidentsService.watch.path, {
    kind: 'serverStream' as const,
    handle: async function* watchIncidents(_request: unknown, ctx: CallContext) {
      yield ioc.v1.IncidentUpdate.create({ seq: 1, snapshotEnd: { incidents: 0 } });
      await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
    },
  }],
]);

let server: http.Server;
let base = '';
let distDir = '';
let browser: Browser;
let page: Page;
let requests: RequestLog;
/** Browser console errors, such as Content-Security-Policy violations. */
const consoleErrors: string[] = [];

beforeAll(async () => {
  distDir = await buildConsole();
  const grpcWeb = createGrpcWebHandler({ handlers, methods: methodsOf(allServices) });
  const files = createStaticHandler(distDir);
  server = http.createServer((req, res) => {
    if (!grpcWeb(req, res) && !files(req, res)) res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  requests = recordRequests(page);
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

/** Resolves at the map's next 'idle': everything requested is loaded and drawn. */
async function mapIdle(): Promise<void> {
  await page.waitForFunction(() => window.__ioc?.map?.loaded() === true);
  await page.evaluate(() => new Promise<void>((resolve) => {
    const map = window.__ioc!.map!;
    map.once('idle', () => resolve());
    map.triggerRepaint();
  }));
}

/** Ids of the features in the map's sensor source and their severity rank. */
function sensorSource(): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const source = window.__ioc!.map!.getSource('sensors') as GeoJSONSource;
    const data = (await source.getData()) as GeoJSON.FeatureCollection;
    return Object.fromEntries(data.features.map((f) => [String(f.properties?.id), Number(f.properties?.sev)]));
  });
}

const alertItems = () => page.locator('ioc-alert-list li');

describe('console in Chromium', () => {
  it('draws the wall map of Hanoi and the snapshot', async () => {
    await page.goto(base);
    await page.waitForFunction(() => window.__ioc?.state().connection === 'live');
    await mapIdle();

    const districts = await page.evaluate(() => window.__ioc!.map!.queryRenderedFeatures({ layers: ['district-fill'] }).length);
    expect(districts).toBeGreaterThan(0);
    const labels = await page.evaluate(() => window.__ioc!.map!.queryRenderedFeatures({ layers: ['district-labels'] })
      .map((f) => String(f.properties.name_vi)));
    expect(labels).toContain('Hoàn Kiếm');

    await expect.poll(sensorSource).toEqual({
      'wl-hoan-kiem-1': 0, 'wl-hoang-mai-2': 3, 'aq-cau-giay-1': 0, 'aq-dong-anh-1': 0, 'tr-ha-dong-1': 0,
    });
    expect(await page.evaluate(() => window.__ioc!.state())).toMatchObject({ mode: 'embedded', sensors: 6, alerts: 1, lang: 'vi' });
    await expect.poll(() => page.locator('.mode').textContent()).toContain('EMBEDDED DEMO');
    await expect.poll(() => alertItems().count()).toBe(1);
    expect(await alertItems().first().textContent()).toContain('Mực nước cao');
    expect(await alertItems().first().textContent()).toContain('Hoàng Mai');
  });

  it('shows a new alert as it arrives, worst first, and recolors its sensor', async () => {
    pushes.push({ seq: 2, alert: pm25Alert });
    await expect.poll(() => alertItems().count()).toBe(2);
    expect(await alertItems().first().getAttribute('data-fingerprint')).toBe('fp-pm25-cg');
    expect(await alertItems().first().textContent()).toContain('Bụi mịn PM2.5 nguy hại');
    await expect.poll(async () => (await sensorSource())['aq-cau-giay-1']).toBe(4);
  });

  it('takes resolved alerts off the list', async () => {
    pushes.push({ seq: 3, alert: { ...floodAlert, state: AlertState.RESOLVED, endsAt: 1_700_000_120_000 } });
    await expect.poll(() => alertItems().count()).toBe(1);
    await expect.poll(async () => (await sensorSource())['wl-hoang-mai-2']).toBe(3);
  });

  it('switches every label between Vietnamese and English', async () => {
    expect(await page.locator('h1').textContent()).toBe('Trung tâm Điều hành Thông minh Hà Nội');
    await page.locator('header button').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Hanoi Intelligent Operations Center');
    expect(await page.locator('ioc-alert-list h2').textContent()).toContain('Firing alerts');
    expect(await alertItems().first().textContent()).toContain('Hazardous PM2.5');
    expect(await alertItems().first().textContent()).toContain('Cau Giay');
    expect(await page.evaluate(() => window.__ioc!.map!.getLayoutProperty('district-labels', 'text-field'))).toEqual(['get', 'name_en']);
    await mapIdle();
    const labels = await page.evaluate(() => window.__ioc!.map!.queryRenderedFeatures({ layers: ['district-labels'] })
      .map((f) => String(f.properties.name_en)));
    expect(labels).toContain('Hoan Kiem');
    await page.locator('header button').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Trung tâm Điều hành Thông minh Hà Nội');
  });

  it('reconnects after the stream fails and starts again from a fresh snapshot', async () => {
    snapshotSeq = 100;
    refuse = 2;
    pushes.push(new UnavailableError('engine restarting'));
    // Backoff grows over the refused attempts; the header counts down meanwhile.
    await expect.poll(() => page.locator('.connection').textContent(), { timeout: 10_000 }).toMatch(/Mất kết nối · thử lại sau \d+ giây/);
    await page.waitForFunction(() => window.__ioc?.state().seq === 100 && window.__ioc.state().connection === 'live', undefined, { timeout: 20_000 });
    expect(watchCalls).toBe(4);
    // The fresh snapshot has only the flood alert: the pushed one is gone.
    await expect.poll(() => alertItems().count()).toBe(1);
    expect(await alertItems().first().getAttribute('data-fingerprint')).toBe('fp-flood-hm');
  });

  it('made no request to any host but this one', () => {
    expect(requests.urls.length).toBeGreaterThan(3);
    expect(requests.offMachine()).toEqual([]);
  });

  it('ran under the strict Content-Security-Policy without errors', async () => {
    const headers = (await fetch(base)).headers;
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(consoleErrors).toEqual([]);
  });
});
