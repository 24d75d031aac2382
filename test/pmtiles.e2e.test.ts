// The PMTiles base map end to end: an archive built at test time from the repo's
// GeoJSON (console/scripts/build-pmtiles.ts), the real engine on private
// nats-server and clickhouse-server serving it with HTTP ranges, the pmtiles
// reader and Debian Chromium reading it over loopback. Also: a critical sensor
// is drawn by its shape, and the page breaks no rule of its CSP.

import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { FetchSource, PMTiles, TileType } from 'pmtiles';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBasePmtiles, type BuiltArchive } from '../console/scripts/build-pmtiles.ts';
import { checkBaseMapFile, createStaticHandler } from '../engine/api/static-files.ts';
import type { RunningEngine } from '../engine/app/index.ts';
import { ConfigError } from '../engine/errors/index.ts';
import { buildConsole, launchBrowser, recordRequests, type RequestLog } from './harness/browser.ts';
import { startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'ioc-pmtiles-'));
const archivePath = join(dir, 'hanoi.pmtiles');
let archive: BuiltArchive;
let stack: Stack;
let engine: RunningEngine;
let distDir = '';
let browser: Browser;
let page: Page;
let requests: RequestLog;
const pageErrors: string[] = [];
/** Every request for the archive the page made: its Range header and the status it got. */
const tileReads: { range: string | undefined; status: number }[] = [];

beforeAll(async () => {
  archive = buildBasePmtiles({ minZoom: 8, maxZoom: 13 });
  writeFileSync(archivePath, archive.bytes);
  [stack, distDir] = await Promise.all([startStack({ database: 'ioc_pmtiles' }), buildConsole()]);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir, IOC_CONSOLE_PMTILES_FILE: archivePath });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  page.on('response', (res) => {
    if (new URL(res.url()).pathname === '/tiles/base.pmtiles') tileReads.push({ range: res.request().headers().range, status: res.status() });
  });
  // Injected by the browser, not the page, so the CSP does not apply to it; it records what the CSP refused.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  requests = recordRequests(page);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) rmSync(distDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${engine.httpPort}`;
const archiveUrl = () => `${base()}/tiles/base.pmtiles`;

/** The Web Mercator tile of a point. */
function tileAt(lon: number, lat: number, z: number): [number, number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [z, Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

describe('the engine serves the base map in ranges', () => {
  it('says where the archive is, and answers HEAD with its size, type and a strong ETag', async () => {
    expect(await (await fetch(`${base()}/tiles/base.json`)).json()).toEqual({ pmtiles: '/tiles/base.pmtiles' });
    const head = await fetch(archiveUrl(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect(head.headers.get('content-length')).toBe(String(archive.bytes.length));
    expect(head.headers.get('content-type')).toBe('application/vnd.pmtiles');
    expect(head.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
  });

  it('sends one range with 206, refuses a range past the end with 416, and honours the ETag', async () => {
    const size = archive.bytes.length;
    const header = await fetch(archiveUrl(), { headers: { range: 'bytes=0-126' } });
    expect(header.status).toBe(206);
    expect(header.headers.get('content-range')).toBe(`bytes 0-126/${size}`);
    const got = Buffer.from(await header.arrayBuffer());
    expect(got.equals(Buffer.from(archive.bytes.subarray(0, 127)))).toBe(true);
    expect(got.toString('latin1', 0, 7)).toBe('PMTiles');

    const tail = await fetch(archiveUrl(), { headers: { range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(Buffer.from(archive.bytes.subarray(size - 100)))).toBe(true);

    const past = await fetch(archiveUrl(), { headers: { range: `bytes=${size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    await past.arrayBuffer();

    const etag = header.headers.get('etag')!;
    expect((await fetch(archiveUrl(), { headers: { 'if-none-match': etag } })).status).toBe(304);
    const stale = await fetch(archiveUrl(), { headers: { range: 'bytes=0-9', 'if-range': '"an-older-file"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(size);
  });

  it('is read by the pmtiles library over HTTP as the archive that was built', async () => {
    const pm = new PMTiles(new FetchSource(archiveUrl()));
    const h = await pm.getHeader();
    expect(h).toMatchObject({ specVersion: 3, tileType: TileType.Mvt, minZoom: 8, maxZoom: 13, clustered: true, numTileEntries: archive.entries, numTileContents: archive.contents });
    expect(h.numAddressedTiles).toBe(archive.addressed);
    // Hoàn Kiếm at z12: land of the urban kind.
    const tile = await pm.getZxy(...tileAt(105.8525, 21.0288, 12));
    const vt = new VectorTile(new PbfReader(new Uint8Array(tile!.data)));
    expect(Object.keys(vt.layers)).toContain('earth');
    expect(vt.layers.earth!.feature(0).properties.kind).toBe('urban');
    // West Lake's tile at z13 holds the lake.
    const lake = await pm.getZxy(...tileAt(105.8215, 21.056, 13));
    const water = new VectorTile(new PbfReader(new Uint8Array(lake!.data))).layers.water!;
    expect(Array.from({ length: water.length }, (_, i) => water.feature(i).properties.kind)).toContain('lake');
  });
});

describe('without a configured base map', () => {
  it('says so to the console and answers the archive path with a clear 404', async () => {
    const server = http.createServer((req, res) => { if (!createStaticHandler(distDir)(req, res)) res.writeHead(405).end(); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await (await fetch(`${at}/tiles/base.json`)).json()).toEqual({ pmtiles: null });
      const missing = await fetch(`${at}/tiles/base.pmtiles`);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain('console.pmtilesFile');
    } finally {
      server.close();
    }
  });

  it('says so when the configured file went away after the start', async () => {
    const server = http.createServer((req, res) => { createStaticHandler(distDir, { baseMapFile: join(dir, 'moved.pmtiles') })(req, res); });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const gone = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/tiles/base.pmtiles`, { headers: { range: 'bytes=0-16383' } });
      expect(gone.status).toBe(503);
      expect(await gone.text()).toContain('is gone since the engine started');
    } finally {
      server.close();
    }
  });

  it('refuses at start a file that is missing or not PMTiles v3', async () => {
    await expect(checkBaseMapFile(join(dir, 'absent.pmtiles'))).rejects.toThrow(/console.pmtilesFile .*absent.pmtiles.*cannot be read \(ENOENT\)/);
    const notPm = join(dir, 'tiles.mbtiles');
    writeFileSync(notPm, 'SQLite format 3\0');
    await expect(checkBaseMapFile(notPm)).rejects.toThrow(ConfigError);
    await expect(checkBaseMapFile(notPm)).rejects.toThrow(/not a PMTiles version 3 archive/);
    await expect(checkBaseMapFile(archivePath)).resolves.toBeUndefined();
  });
});

describe('the console draws the base map', () => {
  async function mapIdle(): Promise<void> {
    await page.waitForFunction(() => window.__ioc?.map?.loaded() === true, undefined, { timeout: 60_000 });
    await page.evaluate(() => new Promise<void>((resolve) => {
      const map = window.__ioc!.map!;
      map.once('idle', () => resolve());
      map.triggerRepaint();
    }));
  }

  it('reads the archive in 206 ranges and shows its water and land under the districts', async () => {
    await page.goto(base());
    await page.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 60_000 });
    await mapIdle();
    expect(await page.evaluate(() => window.__ioc!.baseTiles)).toBe(`pmtiles://${archiveUrl()}`);

    const counts = await page.evaluate(() => {
      const map = window.__ioc!.map!;
      return {
        earth: map.querySourceFeatures('base-tiles', { sourceLayer: 'earth' }).length,
        water: map.querySourceFeatures('base-tiles', { sourceLayer: 'water' }).length,
        drawnWater: map.queryRenderedFeatures({ layers: ['base-water', 'base-water-lines'] }).length,
        districts: map.queryRenderedFeatures({ layers: ['district-fill'] }).length,
        tracedWater: map.getLayer('rivers') !== undefined,
      };
    });
    expect(counts.earth).toBeGreaterThan(0);
    expect(counts.water).toBeGreaterThan(0);
    expect(counts.drawnWater).toBeGreaterThan(0);
    expect(counts.districts).toBeGreaterThan(0);
    expect(counts.tracedWater).toBe(false);

    console.log(`pmtiles: archive of ${archive.bytes.length} bytes, ${archive.addressed} tiles in ${archive.entries} entries (${archive.contents} distinct); `
      + `the page read it in ${tileReads.length} range requests`);
    expect(tileReads.length).toBeGreaterThan(0);
    for (const read of tileReads) {
      expect(read.range).toMatch(/^bytes=\d+-\d+$/);
      expect(read.status).toBe(206);
    }
  });

  it('draws a critical sensor as its square, over a dot that clicks still find', async () => {
    const publish = (value: number, id: string) => stack.nc.jetstream().publish('ioc.events.water.level', JSON.stringify({
      id, type: 'water.level', source: 'wl-pmtiles-1', time: Date.now(), value, unit: 'm', lat: 21.0288, lon: 105.8525,
    }));
    await publish(2.6, 'pm-critical-1');
    await expect.poll(() => page.locator('ioc-alert-list li[data-severity="critical"]').count(), { timeout: 30_000 }).toBe(1);
    const drawn = () => page.evaluate(() => {
      const map = window.__ioc!.map!;
      const pick = (layer: string) => map.queryRenderedFeatures({ layers: [layer] })
        .filter((f) => f.properties.id === 'wl-pmtiles-1').map((f) => Number(f.properties.sev));
      return { shapes: pick('sensor-shapes'), dots: pick('sensors'), image: map.hasImage('sev-shape-4') };
    });
    await waitUntil(async () => (await drawn()).shapes.length > 0, 30_000, () => 'the critical sensor drawn in the shape layer');
    expect(await drawn()).toEqual({ shapes: [4], dots: [4], image: true });
    // The legend shows the same four shapes.
    const legend = await page.locator('.legend span[data-severity] svg polygon').evaluateAll((ps) => ps.map((p) => p.getAttribute('points')!.split(' ').length));
    expect(legend).toEqual([4, 4, 3, 12]);
  });

  it('stayed on this machine and broke no rule of the CSP', async () => {
    expect(requests.offMachine()).toEqual([]);
    const violations = () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
    expect(await violations()).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The recorder works: an image from another host is refused, and seen.
    await page.evaluate(() => { new Image().src = 'https://tiles.example.invalid/0/0/0.png'; });
    await expect.poll(violations).toEqual([expect.stringContaining('img-src')]);
  });
});
