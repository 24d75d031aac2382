// Issue 6 acceptance for incidents, everything real: private nats-server and
// clickhouse-server, the engine with a flood policy serving the built console,
// two Chromium consoles (separate contexts, as two operators' machines). A flood
// event becomes an incident in both queues with the alarm showing; one operator
// acknowledges it by keyboard, ticks an SOP step and resolves it with a note;
// the other console sees each change live, without a reload. The flood comes
// from the simulator: its storm crossing the city for the last few minutes,
// the water-level gauges' readings published as the city would send them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import type { IocEvent } from '../engine/events/index.ts';
import { HanoiFeed } from '../engine/sim/index.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { startStack, startTestEngine, type Stack } from './harness/engine.ts';

const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*"] }
    # One city-wide flood incident, however many districts the storm floods.
    groupBy: [rule]
    groupWait: 1s
    groupInterval: 2s
sops:
  - type: flood
    steps:
      - { id: notify-drainage, title: { vi: "Báo thoát nước", en: "Notify drainage" }, owner: duty-officer, due: 10m }
      - { id: dispatch-pumps, title: { vi: "Điều xe bơm", en: "Dispatch pumps" }, owner: drainage, due: 30m }
`;

let stack: Stack;
let engine: RunningEngine;
let distDir: string;
let browser: Browser;
let lan: Page;
let other: Page;
const pageErrors: string[] = [];

async function openConsole(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1600, height: 900 } })).newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // Content-Security-Policy violations arrive as console errors.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) pageErrors.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${engine.httpPort}`);
  await page.waitForFunction(() => window.__ioc?.incidents()?.sound !== undefined, undefined, { timeout: 60_000 });
  return page;
}

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: 'ioc_console_incidents' }), buildConsole()]);
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), POLICIES);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
  browser = await launchBrowser();
  [lan, other] = await Promise.all([openConsole(), openConsole()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

const rows = (page: Page) => page.locator('ioc-incident-queue .row');
const detail = (page: Page) => page.locator('ioc-incident-detail');
const desk = (page: Page) => page.evaluate(() => window.__ioc!.incidents()!);

describe('operators work an incident in the console', () => {
  it('queue with alarm, keyboard acknowledge, SOP step, resolve with a note; the second console follows live', async () => {
    // "Who am I" is kept per browser; actions are sent under that name.
    const who = lan.locator('ioc-incident-queue input.user');
    await who.fill('lan');
    await who.dispatchEvent('change');
    expect((await desk(lan)).user).toBe('lan');
    expect((await desk(other)).user).toBe('operator');

    // The simulated storm: 8 minutes of the city's water-level readings up to now, the storm starting at once.
    const start = Date.now() - 8 * 60_000;
    const feed = new HanoiFeed({ start, seed: 11, firstStormAfter: 0 });
    const readings: IocEvent[] = [];
    // Every 10 s of event time, one reading from each of the feed's few hundred sensors (next() goes round them).
    for (let t = start; t <= start + 8 * 60_000; t += 10_000) {
      feed.advance(t);
      for (let i = 0; i < 400; i++) {
        const e = feed.next();
        if (e.type === 'water.level') readings.push(e);
      }
    }
    const flooded = readings.filter((e) => (e.value ?? 0) >= 2.0);
    expect(flooded.length, 'the simulated storm floods some gauges past 2.0 m').toBeGreaterThan(0);
    const js = stack.nc.jetstream();
    for (const e of readings) await js.publish('ioc.events.water.level', JSON.stringify(e), { msgID: `${e.source}/${e.id}` });

    // The incident reaches both queues, worst severity, with the alarm on (or saying the browser blocks it).
    for (const page of [lan, other]) {
      await expect.poll(() => rows(page).count(), { timeout: 30_000 }).toBe(1);
      expect(await rows(page).first().getAttribute('data-severity')).toBe('critical');
      expect(await rows(page).first().getAttribute('data-state')).toBe('open');
      const sound = (await desk(page)).sound!;
      expect(['ringing', 'blocked']).toContain(sound.status);
      expect(sound.severity).toBe('critical');
      expect(await page.locator('ioc-incident-queue .sound').getAttribute('data-status')).toBe(sound.status);
    }
    const id = (await rows(lan).first().getAttribute('data-incident-id'))!;
    expect(await rows(lan).first().textContent()).toContain('Ngập lụt');

    // The second operator has the incident open to watch it.
    await rows(other).first().click();
    await other.locator('ioc-incident-queue h2').click();
    await other.keyboard.press('Enter');
    await expect.poll(() => detail(other).locator('.sop li').count(), { timeout: 10_000 }).toBe(2);

    // Keyboard triage: j selects the first row, a acknowledges it as "lan".
    await lan.locator('ioc-incident-queue h2').click();
    await lan.keyboard.press('j');
    expect((await desk(lan)).selected).toBe(id);
    await lan.keyboard.press('a');
    for (const page of [lan, other]) {
      await expect.poll(() => rows(page).first().getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    }
    await expect.poll(async () => (await desk(lan)).sound!.status, { timeout: 5_000 }).toBe('silent');
    await expect.poll(() => detail(other).locator('.timeline li[data-kind="acknowledged"]').textContent(), { timeout: 10_000 }).toContain('lan');

    // Enter opens the detail; the SOP step is ticked there.
    await lan.keyboard.press('Enter');
    const step = detail(lan).locator('li[data-step="notify-drainage"]');
    await step.locator('input[type="checkbox"]').check();
    for (const page of [lan, other]) {
      await expect.poll(() => detail(page).locator('li[data-step="notify-drainage"]').getAttribute('data-done'), { timeout: 10_000 }).toBe('true');
    }
    expect(await detail(other).locator('li[data-step="notify-drainage"]').textContent()).toContain('lan');
    // Evidence: readings from the gauges the storm flooded, with their values.
    const floodedSources = [...new Set(flooded.map((e) => e.source))];
    await expect.poll(async () => {
      const rowsText = await detail(lan).locator('tr[data-event-id]').allTextContents();
      return rowsText.length > 0 && rowsText.every((t) => floodedSources.some((src) => t.includes(src)));
    }, { timeout: 10_000 }).toBe(true);

    // Resolved with a note; the other console shows the note and the queue lets it go.
    await detail(lan).locator('textarea.resolve-note').fill('Đã bơm hết nước lúc 10:40');
    await detail(lan).locator('button.act-resolve').click();
    await expect.poll(() => detail(other).locator('.meta .state').getAttribute('data-state'), { timeout: 10_000 }).toBe('resolved');
    expect(await detail(other).locator('.resolution').textContent()).toContain('Đã bơm hết nước lúc 10:40');
    expect(await detail(other).locator('.timeline li[data-kind="resolved"]').textContent()).toContain('lan');
    await expect.poll(() => rows(other).count(), { timeout: 10_000 }).toBe(0);

    expect(pageErrors).toEqual([]);
  });

  it('keeps a few dozen rows in the DOM for thousands of incidents, and scrolls to the last', async () => {
    // Thousands of incidents pushed into the page's store as if they came live from Watch.
    const queued = await lan.evaluate((n) => {
      const store = document.querySelector('ioc-console')!.incidents;
      for (let k = 0; k < n; k++) {
        store.apply({
          kind: 'incident', seq: store.seq + 1,
          incident: {
            id: `bulk-${String(k).padStart(4, '0')}`, type: 'flood', policy: 'flood', title: { vi: `Ngập ${k}`, en: `Flood ${k}` }, state: 'open',
            severity: 'info', zones: ['hoan-kiem'], groupKey: '', alerts: [], openedAt: 1_000 + k, acknowledgedAt: 0, acknowledgedBy: '',
            resolvedAt: 0, resolution: '', assignee: '', escalationLevel: 0, sop: [], timeline: [],
          },
        });
      }
      return n;
    }, 3000);
    await expect.poll(async () => (await desk(lan)).queued, { timeout: 10_000 }).toBe(queued);
    expect((await desk(lan)).rendered).toBeLessThan(60);
    await lan.locator('ioc-incident-queue .rows').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await expect.poll(() => lan.locator('ioc-incident-queue .row[data-incident-id="bulk-2999"]').count(), { timeout: 5_000 }).toBe(1);
    expect((await desk(lan)).rendered).toBeLessThan(60);
    // The rows in view are laid out one under the other, not stacked at the top.
    const tops = await lan.locator('ioc-incident-queue .row').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
    expect(new Set(tops).size).toBe(tops.length);
    expect(pageErrors).toEqual([]);
  });
});
