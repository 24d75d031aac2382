// Wall mode in a real browser (Debian Chromium, WebGL on SwiftShader): two
// windows of one wall stay in sync over BroadcastChannel (view, language), the
// wall rotates by itself, the map comes back from a lost WebGL context with its
// sensors, and a new critical alert is read out by the ARIA live region.
// The tests are one story (the language chosen in the second is read in the last
// two), and a loaded machine can take seconds between two reads of a page: only
// the first test lets a window rotate, and what a rotation can change between two
// reads is read at one instant (`shows`) or polled until the windows agree.
// Console/Watch and Incidents/Watch are scripted handlers of our handler interface, served by our
// gRPC-web bridge and static handler; no NATS or ClickHouse is involved.

import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GeoJSONSource } from 'maplibre-gl';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebHandler, methodsOf } from '../engine/api/grpc-web.ts';
import type { CallContext, HandlerTable } from '../engine/api/handlers.ts';
import { createStaticHandler } from '../engine/api/static-files.ts';
import { ioc } from '../protos/gen/ioc.js';
import { allServices, ConsoleService, IncidentsService } from '../protos/gen/services.ts';
import { buildConsole, launchBrowser, signInOffHandlers } from './harness/browser.ts';

const { Severity, AlertState } = ioc.v1;

const sensors: ioc.v1.ISensorState[] = [
  { source: 'wl-hoan-kiem-1', type: 'water.level', lat: 21.0288, lon: 105.8525, zone: 'hoan-kiem', value: 0.4, unit: 'm', time: 1_700_000_000_000 },
  { source: 'aq-cau-giay-1', type: 'aq.pm25', lat: 21.032, lon: 105.79, zone: 'cau-giay', value: 88, unit: 'µg/m³', time: 1_700_000_000_000 },
  { source: 'tr-ha-dong-1', type: 'traffic.speed', lat: 20.956, lon: 105.756, zone: 'ha-dong', value: 12, unit: 'km/h', time: 1_700_000_000_000 },
];

const critical: ioc.v1.IAlert = {
  fingerprint: 'fp-flood-hk', rule: 'flood.water-level-critical', key: 'wl-hoan-kiem-1', state: AlertState.FIRING, severity: Severity.CRITICAL,
  title: { vi: 'Mực nước nguy hiểm', en: 'Critical water level' }, message: { vi: 'Mực nước 2,4 m', en: 'Water level 2.4 m' },
  zone: 'hoan-kiem', source: 'wl-hoan-kiem-1', value: 2.4, startsAt: 1_700_000_060_000,
};

/** Every open Watch stream gets what the test pushes, after its snapshot. */
const streams = new Set<(u: ioc.v1.IConsoleUpdate) => void>();
let seq = 1;

const handlers: HandlerTable = new Map([
  // Sign-in off, as in the demo: the console asks who it is before it starts its feeds.
  ...signInOffHandlers(),
  [ConsoleService.watch.path, {
    kind: 'serverStream' as const,
    handle: async function* watch(_request: unknown, ctx: CallContext) {
      const queue: ioc.v1.IConsoleUpdate[] = [];
      let wake = () => {};
      const push = (u: ioc.v1.IConsoleUpdate) => { queue.push(u); wake(); };
      streams.add(push);
      ctx.signal.addEventListener('abort', () => wake(), { once: true });
      try {
        yield ioc.v1.ConsoleUpdate.create({ seq, snapshot: { mode: 'nats+clickhouse', sensors, alerts: [] } });
        while (!ctx.signal.aborted) {
          const next = queue.shift();
          if (next) yield next;
          else await new Promise<void>((resolve) => { wake = resolve; });
        }
      } finally {
        streams.delete(push);
      }
    },
  }],
  // No incidents: the snapshot is empty, then nothing happens until the page goes.
  [IncidentsService.watch.path, {
    kind: 'serverStream' as const,
    handle: async function* watch(_request: unknown, ctx: CallContext) {
      yield ioc.v1.IncidentUpdate.create({ seq: 1, snapshotEnd: { incidents: 0 } });
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    },
  }],
]);

let server: http.Server;
let base = '';
let distDir = '';
let browser: Browser;
let context: BrowserContext;
let a: Page;
let b: Page;
const errors: string[] = [];

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
  // One context: the windows of one wall share an origin and a BroadcastChannel.
  context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  [a, b] = [await context.newPage(), await context.newPage()];
  for (const p of [a, b]) p.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

const wall = (p: Page) => p.evaluate(() => window.__ioc!.wall());
const live = (p: Page) => p.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 30_000 });
/** A limit, not a timing: a change can take seconds to cross windows when CI runs files side by side on 2 cores. */
const soon = { timeout: 15_000 };

/** At one instant: the view the window's state says, the page's `wall-view`, and the views an operator can see. */
const shows = (p: Page) => p.evaluate(() => {
  const page = document.querySelector('ioc-console')!;
  const seen = (selector: string) => page.shadowRoot?.querySelector(selector)?.checkVisibility({ visibilityProperty: true }) ?? false;
  const panels = { map: 'ioc-wall-map', queue: 'ioc-alert-list', kpis: 'ioc-wall-kpis' } as const;
  return {
    view: window.__ioc!.wall().view,
    attribute: page.getAttribute('wall-view'),
    visible: (Object.keys(panels) as (keyof typeof panels)[]).filter((v) => seen(panels[v])),
  };
});
const showing = (view: string) => ({ view, attribute: view, visible: [view] });

/** Polled until every window holds the same shared state (a rotation may be on its way between them). */
const together = async (...pages: Page[]) => {
  await expect.poll(async () => {
    const shared = await Promise.all(pages.map(async (p) => (await wall(p)).shared));
    return shared.map((x) => JSON.stringify(x));
  }, soon).toSatisfy((all: string[]) => all.every((x) => x === all[0]));
  return (await wall(pages[0]!)).shared;
};

describe('wall mode', () => {
  it('opens without chrome, in large type, and two windows follow one rotation', async () => {
    // Window a rotates every 2 s; window b never rotates by itself, so it can only follow a.
    await a.goto(`${base}/?wall=1&rotate=2`);
    await b.goto(`${base}/?wall=1&rotate=0`);
    await Promise.all([live(a), live(b)]);
    expect(await a.locator('ioc-console header').isVisible()).toBe(false);
    expect(await a.locator('ioc-wall-bar').isVisible()).toBe(true);
    expect(await a.locator('ioc-wall-bar .title').textContent()).toBe('Trung tâm Điều hành Thông minh Hà Nội');
    const barFont = await a.locator('ioc-wall-bar').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(barFont).toBeGreaterThanOrEqual(24);

    // a keeps rotating while the test reads b, so b is read at one instant, and polled until it shows each view.
    await expect.poll(() => shows(b), soon).toEqual(showing('queue'));
    // …and on to the map again, still together.
    await expect.poll(() => shows(b), soon).toEqual(showing('map'));
    await together(a, b);
  });

  it('moves every window when one is moved on by hand, and shares the language', async () => {
    // From here on no window rotates by itself, so whatever moves the wall is the hand on b.
    await a.goto(`${base}/?wall=1&rotate=0`);
    await live(a);
    const before = (await together(a, b)).view;
    await b.locator('ioc-wall-bar button', { hasText: 'Màn tiếp theo' }).click();
    await expect.poll(async () => (await wall(b)).view, soon).not.toBe(before);
    const moved = (await wall(b)).view;
    await expect.poll(() => shows(a), soon).toEqual(showing(moved));

    // b leaves wall mode (Escape), switches to English in its header, and goes back to the wall.
    await b.keyboard.press('Escape');
    await expect.poll(() => b.locator('ioc-console header').isVisible(), soon).toBe(true);
    await b.locator('header button', { hasText: 'English' }).click();
    await expect.poll(() => a.locator('ioc-wall-bar .title').textContent(), soon).toBe('Hanoi Intelligent Operations Center');
    expect(await a.evaluate(() => document.documentElement.lang)).toBe('en');
    await b.locator('header a.wall-toggle').click();
    await expect.poll(() => b.locator('ioc-wall-bar').isVisible(), soon).toBe(true);
    expect(await b.evaluate(() => new URL(location.href).searchParams.get('wall'))).toBe('1');
    expect((await wall(a)).view).toBe(moved);

    // A window opened later joins the wall as it is.
    const c = await context.newPage();
    try {
      await c.goto(`${base}/?wall=1&rotate=0`);
      await live(c);
      expect(await together(c, a, b)).toEqual({ view: moved, lang: 'en', cursor: null, incident: null });
      await expect.poll(() => shows(c), soon).toEqual(showing(moved));
    } finally {
      await c.close();
    }
  });

  it('announces a new critical alert in the live region', async () => {
    seq++;
    for (const push of streams) push({ seq, alert: critical });
    await expect.poll(async () => (await wall(a)).announcement, soon).toContain('Critical water level');
    const region = a.locator('ioc-console [role="status"][aria-live="assertive"]');
    expect(await region.textContent()).toContain('New critical alert: Critical water level, Hoan Kiem');
  });

  it('recovers the map from a lost WebGL context, sensors included', async () => {
    await b.keyboard.press('Escape');
    await b.waitForFunction(() => window.__ioc?.map?.loaded() === true, undefined, { timeout: 30_000 });
    await b.evaluate(() => {
      const gl = window.__ioc!.map!.getCanvas().getContext('webgl2') ?? window.__ioc!.map!.getCanvas().getContext('webgl');
      const ext = gl!.getExtension('WEBGL_lose_context')!;
      (window as unknown as { loseExt: WEBGL_lose_context }).loseExt = ext;
      ext.loseContext();
    });
    await expect.poll(async () => (await wall(b)).mapContext, soon).toBe('lost');
    expect(await b.locator('ioc-console .context-lost').textContent()).toContain('Map graphics lost');

    await b.evaluate(() => (window as unknown as { loseExt: WEBGL_lose_context }).loseExt.restoreContext());
    await expect.poll(async () => (await wall(b)).mapContext, { timeout: 20_000 }).toBe('ok');
    const sensorIds = () => b.evaluate(async () => {
      const data = (await (window.__ioc!.map!.getSource('sensors') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
      return data.features.map((f) => String(f.properties?.id)).sort();
    });
    await expect.poll(sensorIds, { timeout: 20_000 }).toEqual(['aq-cau-giay-1', 'tr-ha-dong-1', 'wl-hoan-kiem-1']);
    await b.evaluate(() => new Promise<void>((resolve) => {
      const map = window.__ioc!.map!;
      map.once('idle', () => resolve());
      map.triggerRepaint();
    }));
    const drawn = await b.evaluate(() => window.__ioc!.map!.queryRenderedFeatures({ layers: ['district-fill'] }).length);
    expect(drawn).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
