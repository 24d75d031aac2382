// The console across an engine restart, with everything real: private
// nats-server and clickhouse-server, the engine serving the built console,
// Debian Chromium showing it. While the engine is down the console says so and
// since when its data is stale; an alert that fires meanwhile (its event waits
// in JetStream) is on screen once a new engine is up on the same ports, with
// none lost and no reload. The same holds for incidents: with a flood policy,
// the incident opened before the restart and the one opened from the event that
// waited are both in the incident queue after the reconnect.

import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { startStack, startTestEngine, type Stack } from './harness/engine.ts';

const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    groupWait: 1s
    groupInterval: 2s
`;

let stack: Stack;
let engine: RunningEngine;
let distDir: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: 'ioc_reconnect' }), buildConsole()]);
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), POLICIES);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

async function publish(event: Record<string, unknown>): Promise<void> {
  await stack.nc.jetstream().publish(`ioc.events.${String(event.type)}`, JSON.stringify(event));
}

const flood = (id: string, source: string, value: number, lat: number, lon: number, zone: string) =>
  ({ id, type: 'water.level', source, time: Date.now(), value, unit: 'm', lat, lon, zone });

const shownAlerts = () => page.locator('ioc-alert-list li[data-fingerprint]').evaluateAll(
  (items) => items.map((li) => li.textContent ?? '').map((text) => text.replace(/\s+/g, ' ').trim()));

/** The incident queue's rows as shown: id, state and the districts line. */
const shownIncidents = () => page.locator('ioc-incident-queue .row').evaluateAll((rows) => rows.map((row) => ({
  id: row.getAttribute('data-incident-id') ?? '',
  state: row.getAttribute('data-state'),
  meta: (row.querySelector('.meta')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
})));
const incidentDistricts = async () => (await shownIncidents()).map((r) => r.meta.split(' · ')[0]).sort();

describe('the console across an engine restart', () => {
  it('shows that it is disconnected, then catches up with nothing missing', async () => {
    const port = engine.httpPort;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 60_000 });
    // A mark on this page: a reload would lose it.
    await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });
    await publish(flood('rc-1', 'wl-to-lich-07', 2.6, 21.0015, 105.8201, 'dong-da'));
    await expect.poll(async () => (await shownAlerts()).length, { timeout: 30_000 }).toBe(1);
    // The flood policy opens an incident for the district.
    await expect.poll(incidentDistricts, { timeout: 30_000 }).toEqual(['Đống Đa']);
    const before = (await shownIncidents())[0]!;
    expect(before.state).toBe('open');

    await engine.stop(1000);
    const connection = page.locator('ioc-console .connection');
    await expect.poll(() => connection.getAttribute('data-phase'), { timeout: 30_000 }).toBe('reconnecting');
    expect(await connection.textContent()).toMatch(/Mất kết nối · thử lại sau \d+ giây/);
    expect(await connection.textContent()).toContain('Dữ liệu tính đến');
    // What the console still shows is the last it knew, and it says so.
    expect((await shownAlerts()).length).toBe(1);
    expect((await shownIncidents()).map((r) => r.id)).toEqual([before.id]);

    // Fires while no engine runs: the event waits in JetStream for the next one.
    await publish(flood('rc-2', 'wl-kim-nguu-02', 3.1, 21.006, 105.861, 'hai-ba-trung'));

    engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
    expect(engine.httpPort).toBe(port);
    await page.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 60_000 });
    // Both alerts, the one from before the restart and the one that fired while no engine ran.
    await expect.poll(async () => (await shownAlerts()).map((t) => t.match(/wl-[a-z-]+-\d+/)?.[0]).sort(), { timeout: 30_000 })
      .toEqual(['wl-kim-nguu-02', 'wl-to-lich-07']);
    // Both incidents too: the same one from before the restart (same id, not a copy) and the new district's.
    await expect.poll(incidentDistricts, { timeout: 30_000 }).toEqual(['Hai Bà Trưng', 'Đống Đa']);
    const after = await shownIncidents();
    expect(after.map((r) => r.id)).toContain(before.id);
    expect(new Set(after.map((r) => r.id)).size).toBe(2);
    expect(after.map((r) => r.state)).toEqual(['open', 'open']);
    expect(await page.evaluate(() => window.__ioc!.incidents())).toMatchObject({ held: 2, queued: 2 });
    expect(await connection.textContent()).not.toContain('Dữ liệu tính đến');
    expect(await page.evaluate(() => window.__ioc!.state())).toMatchObject({ connection: 'live', alerts: 2, mode: 'nats+clickhouse' });

    // The page was never reloaded: the restart was crossed by the reconnect, not by a new page.
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
