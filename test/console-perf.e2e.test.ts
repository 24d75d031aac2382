// The wall map at city scale, in a real browser (Debian Chromium, WebGL on
// SwiftShader): 20,000 sensors, then 2,000 sensor updates per second for 60 s.
// The updates go through the console's own feed path end to end (gRPC-web
// stream → decode → ConsoleState → map diffs), served by our static handler and
// gRPC-web bridge with a scripted Console/Watch, not by the engine: on this 2-core
// machine an engine ingesting 2,000 events/s into NATS and ClickHouse beside
// Chromium would measure the engine's lag, not the map's.
// It measures main-thread long tasks (PerformanceObserver 'longtask') and the
// update-to-render delay (from an update reaching the map to the first frame drawn
// with it, see console/src/map/render-lag.ts), prints the exact figures, and
// asserts loose bounds that a regression from diffs to full redraws breaks.
// The bounds fit SwiftShader on 2 cores, where one frame of the map takes ~250 ms
// and a cluster refresh in the worker ~360 ms: measured here over five runs, diffs
// gave p95 1.2–3.2 s and 1–13% of the main thread in long tasks; full setData
// redraws gave p95 ≈ 32 s (a backlog that keeps growing) and ~45%. A real GPU is far faster.

import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebHandler, methodsOf } from '../engine/api/grpc-web.ts';
import type { CallContext, HandlerTable } from '../engine/api/handlers.ts';
import { createStaticHandler } from '../engine/api/static-files.ts';
import { ioc } from '../protos/gen/ioc.js';
import { allServices, ConsoleService, IncidentsService } from '../protos/gen/services.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';

const SENSORS = 20_000;
const RATE = 2_000;
const SECONDS = 60;
const TYPES = [['traffic.speed', 'km/h', 40], ['water.level', 'm', 0.8], ['weather.rain', 'mm/h', 2], ['aq.pm25', 'µg/m³', 45]] as const;
/** The sensor the test turns critical at the end, among thousands of normal ones. */
const RED = 12_345;

/** A fixed city of sensors spread over Hanoi (no Math.random: every run draws the same map). */
function citySensors(now: number): ioc.v1.ISensorState[] {
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: SENSORS }, (_, i) => {
    const [type, unit, base] = TYPES[i % TYPES.length]!;
    // Denser in the urban core, as real deployments are.
    const core = i % 3 !== 0;
    const lat = core ? 20.96 + rand() * 0.12 : 20.6 + rand() * 0.75;
    const lon = core ? 105.76 + rand() * 0.14 : 105.35 + rand() * 0.6;
    return { source: `s-${i}`, type, unit, lat, lon, zone: 'hoan-kiem', value: base, time: now };
  });
}

let sensors: ioc.v1.ISensorState[] = [];
let seq = 1;
/** The stream's tail, filled by the driver while the test runs. */
let queue: ioc.v1.IConsoleUpdate[] = [];
let wake: () => void = () => {};

function push(updates: ioc.v1.IConsoleUpdate[]): void {
  queue.push(...updates);
  wake();
}

const handlers: HandlerTable = new Map([
  [ConsoleService.watch.path, {
    kind: 'serverStream' as const,
    handle: async function* watch(_request: unknown, ctx: CallContext) {
      yield ioc.v1.ConsoleUpdate.create({ seq, snapshot: { mode: 'nats+clickhouse', sensors, alerts: [] } });
      ctx.signal.addEventListener('abort', () => wake(), { once: true });
      while (!ctx.signal.aborted) {
        const batch = queue;
        queue = [];
        for (const u of batch) yield u;
        if (queue.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
      }
    },
  }],
  // Two open incidents for the district choropleth, through the console's own incidents feed.
  [IncidentsService.watch.path, {
    kind: 'serverStream' as const,
    handle: async function* watchIncidents(_request: unknown, ctx: CallContext) {
      const open = (id: string, zone: string, severity: ioc.v1.Severity): ioc.v1.IIncident => ({
        id, type: 'flood', policy: 'flood', title: { vi: id, en: id }, state: ioc.v1.IncidentState.INCIDENT_STATE_OPEN,
        severity, zones: [zone], groupKey: zone, alerts: [], openedAt: Date.now(),
      });
      yield { seq: 1, incident: open('inc-1', 'hoang-mai', ioc.v1.Severity.CRITICAL) };
      yield { seq: 2, incident: open('inc-2', 'cau-giay', ioc.v1.Severity.MINOR) };
      yield { seq: 3, snapshotEnd: { incidents: 2 } };
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  }],
]);

/** One sensor's new reading; about one in a hundred changes severity, as during a storm. */
function sensorUpdate(i: number, n: number): ioc.v1.IConsoleUpdate {
  const s = sensors[i]!;
  const jitter = ((n * 7919) % 100) / 100;
  const severity = n % 97 === 0 ? ioc.v1.Severity.MINOR : n % 211 === 0 ? ioc.v1.Severity.MAJOR : undefined;
  return { seq: ++seq, sensor: { ...s, value: Number(s.value) * (0.8 + 0.4 * jitter), time: Date.now(), severity } };
}

let server: http.Server;
let base = '';
let distDir = '';
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  sensors = citySensors(Date.now());
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
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  // Long tasks and frames are counted from the page's first script on.
  await page.addInitScript(() => {
    const w = window as unknown as { __perf: { longTasks: [number, number][]; frames: number[] } };
    w.__perf = { longTasks: [], frames: [] };
    // Says where a Content-Security-Policy violation came from, which the console message does not.
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP ${e.violatedDirective} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`);
    });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__perf.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
    const tick = (t: number) => {
      w.__perf.frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

interface PageFigures {
  seq: number;
  lag: { batches: number; p50: number; p95: number; max: number };
  longTaskMs: number;
  longTasks: number;
  longestTaskMs: number;
  fps: number;
}

/** What the page measured between performance.now() `from` and `to`. */
function figures(from: number, to: number): Promise<PageFigures> {
  return page.evaluate(([from, to]) => {
    const perf = (window as unknown as { __perf: { longTasks: [number, number][]; frames: number[] } }).__perf;
    const tasks = perf.longTasks.filter(([start]) => start >= from && start < to);
    const frames = perf.frames.filter((t) => t >= from && t < to).length;
    const lag = document.querySelector('ioc-console')!.wallMap!.renderLag.summary();
    return {
      seq: window.__ioc!.state().seq, lag,
      longTaskMs: tasks.reduce((sum, [, d]) => sum + d, 0), longTasks: tasks.length,
      longestTaskMs: Math.max(0, ...tasks.map(([, d]) => d)), fps: frames / ((to - from) / 1000),
    };
  }, [from, to] as const);
}

describe('the wall map at city scale', () => {
  it(`stays responsive with ${SENSORS} sensors and ${RATE} updates/s for ${SECONDS} s`, async () => {
    await page.goto(base);
    await page.waitForFunction((n) => window.__ioc?.state().sensors === n && window.__ioc.map?.loaded() === true, SENSORS, { timeout: 60_000 });
    // The snapshot is drawn: start measuring from here.
    await page.evaluate(() => new Promise<void>((resolve) => {
      const map = window.__ioc!.map!;
      map.once('idle', () => resolve());
      map.triggerRepaint();
    }));
    const from = await page.evaluate(() => {
      document.querySelector('ioc-console')!.wallMap!.renderLag.reset();
      return performance.now();
    });

    const started = Date.now();
    let sent = 0;
    while (sent < RATE * SECONDS) {
      const due = Math.min(RATE * SECONDS, Math.floor(((Date.now() - started) / 1000) * RATE));
      const batch: ioc.v1.IConsoleUpdate[] = [];
      for (; sent < due; sent++) batch.push(sensorUpdate((sent * 7_919) % SENSORS, sent));
      push(batch);
      if (sent < RATE * SECONDS) await sleep(20);
    }
    const to = await page.evaluate(() => performance.now());
    const lastSeq = seq;
    // Everything sent arrived in order (no gap, no resync) once the stream drains.
    await page.waitForFunction((s) => window.__ioc?.state().seq === s, lastSeq, { timeout: 30_000 });
    const f = await figures(from, to);
    const windowMs = to - from;
    const share = f.longTaskMs / windowMs;
    console.log(`console-perf: ${SENSORS} sensors, ${sent} updates in ${(windowMs / 1000).toFixed(1)} s (${(sent / (windowMs / 1000)).toFixed(0)}/s); `
      + `update-to-render p50 ${f.lag.p50.toFixed(0)} ms, p95 ${f.lag.p95.toFixed(0)} ms, max ${f.lag.max.toFixed(0)} ms over ${f.lag.batches} batches; `
      + `long tasks ${f.longTasks}, ${f.longTaskMs.toFixed(0)} ms (${(share * 100).toFixed(1)}% of the main thread), longest ${f.longestTaskMs.toFixed(0)} ms; `
      + `${f.fps.toFixed(1)} frames/s`);

    expect(sent).toBe(RATE * SECONDS);
    expect(f.lag.batches).toBeGreaterThan(SECONDS); // at least one drawn batch a second
    expect(f.lag.p95).toBeLessThan(8_000);
    expect(share).toBeLessThan(0.3);
    expect(pageErrors).toEqual([]);
  }, 150_000);

  it('keeps one critical sensor visible among thousands: its cluster turns critical', async () => {
    push([{ seq: ++seq, sensor: { ...sensors[RED]!, time: Date.now(), severity: ioc.v1.Severity.CRITICAL } }]);
    const worst = () => page.evaluate(() => {
      const rendered = window.__ioc!.map!.queryRenderedFeatures({ layers: ['sensor-clusters', 'sensors'] });
      return Math.max(0, ...rendered.map((f) => Number(f.properties.maxSev ?? f.properties.sev)));
    });
    await expect.poll(worst, { timeout: 30_000 }).toBe(4);
  }, 60_000);

  it('shades the districts with open incidents by their worst severity', async () => {
    const shaded = () => page.evaluate(() => Object.fromEntries(window.__ioc!.map!.queryRenderedFeatures({ layers: ['incident-fill'] })
      .map((f) => [String(f.properties.id), Number(f.properties.inc)])));
    await expect.poll(shaded, { timeout: 20_000 }).toEqual({ 'hoang-mai': 4, 'cau-giay': 2 });
  }, 30_000);

  it('draws a sensor silent for longer than three report intervals as stale', async () => {
    const quiet = sensors[0]!; // a traffic detector: reports every minute
    push([{ seq: ++seq, sensor: { ...quiet, time: Date.now() - 4 * 60_000 } }]);
    const isStale = () => page.evaluate(async (id) => {
      const data = (await (window.__ioc!.map!.getSource('sensors') as import('maplibre-gl').GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
      return data.features.find((f) => f.properties?.id === id)?.properties?.stale;
    }, String(quiet.source));
    await expect.poll(isStale, { timeout: 20_000 }).toBe(true);
  }, 30_000);

  it('switches the heatmap on from the layer control and remembers it', async () => {
    await page.locator('ioc-layer-control input[data-layer="heatmap"]').click();
    const heat = () => page.evaluate(async () => {
      const map = window.__ioc!.map!;
      const data = (await (map.getSource('sensor-heat') as import('maplibre-gl').GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
      return { visibility: map.getLayoutProperty('heatmap', 'visibility'), sensors: data.features.length, stored: localStorage.getItem('ioc.map.layers') };
    });
    // One sensor in four is a traffic detector, the default metric.
    await expect.poll(heat, { timeout: 20_000 }).toMatchObject({ visibility: 'visible', sensors: SENSORS / 4 });
    expect(JSON.parse((await heat()).stored ?? '{}')).toMatchObject({ visible: { heatmap: true }, metric: 'traffic.speed' });
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
