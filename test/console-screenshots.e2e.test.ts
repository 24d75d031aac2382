// Screenshots of the console's main views for the README, taken on the real
// stack (private nats-server and clickhouse-server, the engine serving the
// built console, Debian Chromium): the live map in Vietnamese and English,
// wall mode's map and queue, and an incident's detail in both languages (the
// city's flood alarms become incidents through a flood policy). Saved under
// test/screenshots/ at 1280×720.

import { writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { repoRoot, startStack, startTestEngine, type Stack } from './harness/engine.ts';

const outDir = join(repoRoot, 'test', 'screenshots');
const viewport = { width: 1280, height: 720 };
/** Flood alarms grouped per district into incidents, with the procedure the detail shows. */
const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    groupWait: 1s
sops:
  - type: flood
    steps:
      - { id: notify-drainage, title: { vi: "Báo Công ty Thoát nước", en: "Notify the drainage company" }, owner: duty-officer, due: 10m }
      - { id: dispatch-pumps, title: { vi: "Điều xe bơm", en: "Dispatch pump trucks" }, owner: drainage, due: 30m }
      - { id: close-roads, title: { vi: "Phân luồng giao thông", en: "Divert traffic" }, owner: traffic-police, due: 45m }
`;

let stack: Stack;
let engine: RunningEngine;
let distDir: string;
let browser: Browser;

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: 'ioc_screens' }), buildConsole()]);
  await mkdir(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), POLICIES);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
  browser = await launchBrowser();
  await mkdir(outDir, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

/** A morning in Hanoi: water levels along the rivers and lakes, air quality across the districts. */
async function publishCity(): Promise<void> {
  const js = stack.nc.jetstream();
  const now = Date.now();
  const points: [string, string, number, number, number][] = [
    ['wl-to-lich-07', 'water.level', 2.7, 21.0015, 105.8201], ['wl-kim-nguu-02', 'water.level', 2.2, 20.998, 105.862],
    ['wl-hoan-kiem-1', 'water.level', 0.6, 21.0288, 105.8525], ['wl-tay-ho-3', 'water.level', 0.8, 21.058, 105.821],
    ['aq-cau-giay-1', 'aq.pm25', 188, 21.032, 105.79], ['aq-dong-da-2', 'aq.pm25', 97, 21.013, 105.827],
    ['aq-long-bien-1', 'aq.pm25', 64, 21.045, 105.889], ['aq-ha-dong-4', 'aq.pm25', 212, 20.956, 105.756],
  ];
  for (let i = 0; i < 60; i++) {
    const lat = 20.9 + ((i * 37) % 60) / 300;
    const lon = 105.72 + ((i * 53) % 70) / 300;
    points.push([`aq-grid-${i}`, 'aq.pm25', 30 + ((i * 17) % 90), lat, lon]);
  }
  for (const [source, type, value, lat, lon] of points) {
    await js.publish(`ioc.events.${type}`, JSON.stringify({ id: `shot-${source}`, type, source, time: now, value, unit: type === 'water.level' ? 'm' : 'µg/m³', lat, lon }));
  }
}

async function ready(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 60_000 });
  await page.waitForFunction(() => (window.__ioc?.state().alerts ?? 0) >= 4, undefined, { timeout: 60_000 });
  await page.waitForFunction(() => window.__ioc?.map?.loaded() === true, undefined, { timeout: 60_000 });
  await page.evaluate(() => new Promise<void>((resolve) => {
    const map = window.__ioc!.map!;
    map.once('idle', () => resolve());
    map.triggerRepaint();
  }));
}

async function shoot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ path: join(outDir, name), animations: 'disabled' });
  // A commit-friendly size, and not an empty frame.
  expect(png.length).toBeGreaterThan(20_000);
  expect(png.length).toBeLessThan(1_500_000);
}

describe('screenshots of the console', () => {
  it('live map, Vietnamese and English', async () => {
    await publishCity();
    const page = await browser.newPage({ viewport });
    await ready(page, `http://127.0.0.1:${engine.httpPort}/?lang=vi`);
    expect(await page.locator('h1').textContent()).toBe('Trung tâm Điều hành Thông minh Hà Nội');
    await shoot(page, 'live-map-vi.png');
    await page.goto(`http://127.0.0.1:${engine.httpPort}/?lang=en`);
    await ready(page, `http://127.0.0.1:${engine.httpPort}/?lang=en`);
    expect(await page.locator('h1').textContent()).toBe('Hanoi Intelligent Operations Center');
    await shoot(page, 'live-map-en.png');
    await page.close();
  });

  it('wall mode: the map and the queue', async () => {
    const page = await browser.newPage({ viewport });
    await ready(page, `http://127.0.0.1:${engine.httpPort}/?wall=1&rotate=0&lang=vi`);
    expect(await page.locator('ioc-wall-bar').isVisible()).toBe(true);
    await shoot(page, 'wall-map-vi.png');
    await page.locator('ioc-wall-bar button', { hasText: 'Màn tiếp theo' }).click();
    await expect.poll(() => page.evaluate(() => window.__ioc!.wall().view)).toBe('queue');
    await shoot(page, 'wall-queue-vi.png');
    await page.close();
  });

  it('an incident opened from the queue, Vietnamese and English', async () => {
    const page = await browser.newPage({ viewport });
    for (const lang of ['vi', 'en'] as const) {
      await ready(page, `http://127.0.0.1:${engine.httpPort}/?lang=${lang}`);
      // The worst flood incident heads the queue; a double click opens it, as an operator would.
      const row = page.locator('ioc-incident-queue .row[data-severity="critical"]').first();
      await row.waitFor({ timeout: 30_000 });
      await row.dblclick();
      const detail = page.locator('ioc-incident-detail');
      await expect.poll(() => detail.locator('.sop li').count(), { timeout: 20_000 }).toBe(3);
      await expect.poll(() => detail.locator('.evidence tr[data-event-id]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await detail.locator('h2').textContent()).toContain(lang === 'vi' ? 'Ngập lụt' : 'Flooding');
      await shoot(page, `incident-detail-${lang}.png`);
    }
    await page.close();
  });
});
