// Issue 6 items 3, 5, 6 and 8 end to end, everything real: private nats-server
// and clickhouse-server, the engine with flood and air policies serving the
// built console, Debian Chromium. A gauge's readings rise over half an hour
// until it fires: the incident's detail charts that gauge's series with the
// alert moments marked, and a second gauge joining the incident gets its own
// chart live. New critical incidents (and one escalated to critical) are read
// out by the assertive live region without moving the focus. With the time
// cursor two hours back, the drill-down's open-incident count, the map's
// districts and the wall's KPI view are those of that moment (an incident in
// the history written straight into ClickHouse, as the engine would have
// written it then). The wall's rotation shows the KPI view. Screenshots of the
// detail with its chart and of the wall's KPI view go to test/screenshots/.

import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeoJSONSource } from 'maplibre-gl';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { queryRows, repoRoot, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const DB = 'ioc_console_evidence';
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.now();
const PAST = NOW - 2 * HOUR;
const outDir = join(repoRoot, 'test', 'screenshots');
const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    groupWait: 1s
    groupInterval: 2s
  - id: air
    type: air
    title: { vi: "Ô nhiễm không khí: {zone}", en: "Air pollution: {zone}" }
    match: { rules: ["aq.*"] }
    groupBy: [zone]
    groupWait: 1s
sops:
  - type: flood
    steps:
      - { id: notify-drainage, title: { vi: "Báo Công ty Thoát nước", en: "Notify the drainage company" }, owner: duty-officer, due: 10m }
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

/** A gauge in Hoàng Mai rising from 1.0 m to 2.45 m over the last 30 minutes: it reaches 2.0 m (critical) nine minutes ago. */
const GAUGE = 'wl-evid-01';
const gaugeReadings = () => Array.from({ length: 30 }, (_, k) => ({
  id: `ev-${k}`, type: 'water.level', source: GAUGE, zone: 'hoang-mai', time: NOW - (29 - k) * MIN, value: Math.round((1 + k * 0.05) * 100) / 100, unit: 'm',
}));

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: DB }), buildConsole()]);
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'city.yaml'), POLICIES);
  engine = await startTestEngine(stack, { IOC_CONSOLE_DIR: distDir });
  // A normal gauge in Đống Đa, so its district can be drilled into (silent for 40 minutes: stale); and, two hours ago, an
  // incident there (resolved an hour ago). Every reading goes in in event-time order: one later than the engine's
  // allowed lateness (30 s) behind the newest would be set aside as late.
  await publish({ id: 'dd-1', type: 'water.level', source: 'wl-dong-da-01', zone: 'dong-da', time: NOW - 40 * MIN, value: 0.6, unit: 'm' });
  const row = (seq: number, kind: string, at: number, state: string) => ({
    incident_id: 'inc-past', seq, at, actor: 'system', kind, detail: '', data: '{}', type: 'flood', severity: 'major', state,
    zones: ['dong-da'], opened_at: NOW - 3 * HOUR,
  });
  await stack.ch.insert({
    table: `${DB}.incident_events`, format: 'JSONEachRow',
    values: [row(1, 'opened', NOW - 3 * HOUR, 'open'), row(2, 'resolved', NOW - HOUR, 'resolved')],
  });
  browser = await launchBrowser();
  await mkdir(outDir, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

async function openConsole(query = ''): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  p.on('pageerror', (err) => pageErrors.push(err.message));
  p.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) pageErrors.push(m.text());
  });
  await p.goto(`http://127.0.0.1:${engine.httpPort}/${query}`);
  await p.waitForFunction(() => window.__ioc?.state().connection === 'live' && window.__ioc?.incidents()?.sound !== undefined, undefined, { timeout: 60_000 });
  return p;
}

const rows = () => page.locator('ioc-incident-queue .row');
const liveRegion = (p: Page) => p.locator('ioc-console [aria-live="assertive"]');

/** The element that has the focus, through every shadow root: `tag.class`. */
const focused = () => page.evaluate(() => {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el ? `${el.tagName.toLowerCase()}.${el.className}` : '';
});

/** Moves the slider to `at` as an operator would (the value, then the change event). */
async function setCursor(p: Page, at: number): Promise<void> {
  await p.locator('ioc-time-cursor input[type=range]').evaluate((input: HTMLInputElement, target: number) => {
    const cursor = (input.getRootNode() as ShadowRoot).host as HTMLElement & { now: number };
    input.value = String(Math.round((target - (cursor.now - 24 * 3600_000)) / 60_000));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, at);
}

/** District ids of the map's open-incident choropleth. */
const choropleth = () => page.evaluate(async () => {
  const data = (await (window.__ioc!.map!.getSource('incident-zones') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
  return data.features.map((f) => String(f.properties?.id)).sort();
});

describe('incident evidence, announcements and KPIs at a moment', () => {
  it('announces a new critical incident and one escalated to critical, without moving the focus', async () => {
    page = await openConsole();
    // The operator is working the queue; nothing has been announced for what was there on opening.
    await page.locator('ioc-incident-queue .rows').focus();
    expect(await focused()).toBe('div.rows');

    for (const e of gaugeReadings()) await publish(e);
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => liveRegion(page).textContent(), { timeout: 20_000 }).toContain('Sự cố khẩn cấp mới: Ngập lụt: Hoàng Mai, Hoàng Mai');
    expect(await focused()).toBe('div.rows');

    // A major air-quality incident in Cầu Giấy: not announced…
    await publish({ id: 'aq-1', type: 'aq.pm25', source: 'aq-cau-giay-01', zone: 'cau-giay', time: Date.now(), value: 180, unit: 'µg/m³' });
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(2);
    const major = (await rows().nth(1).getAttribute('data-incident-id'))!;
    expect(await rows().nth(1).getAttribute('data-severity')).toBe('major');
    expect(await liveRegion(page).textContent()).not.toContain('Cầu Giấy');
    // …until the operator escalates it by keyboard (j, j selects it; e raises it one step, to critical).
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect((await page.evaluate(() => window.__ioc!.incidents()!)).selected).toBe(major);
    await page.keyboard.press('e');
    await expect.poll(() => liveRegion(page).textContent(), { timeout: 20_000 }).toContain('Sự cố nâng lên khẩn cấp: Ô nhiễm không khí: Cầu Giấy, Cầu Giấy');
    expect((await page.evaluate(() => window.__ioc!.wall().announcement))).toContain('Cầu Giấy');
    expect(await focused()).toBe('div.rows');
  }, 120_000);

  it('charts the evidence: the gauge\'s series around the incident with the alert moments marked, live as alerts join', async () => {
    const flood = rows().filter({ hasText: 'Hoàng Mai' });
    await flood.click();
    await page.locator('ioc-incident-queue h2').click();
    await page.keyboard.press('Enter');
    const detail = page.locator('ioc-incident-detail');
    await expect.poll(() => detail.locator('.sop li').count(), { timeout: 15_000 }).toBe(1);
    // Opening the detail takes the focus to its heading; Tab goes on to its actions.
    expect(await focused()).toBe('h2.');
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^button\.close/);

    const chart = detail.locator(`ioc-evidence-chart`);
    await expect.poll(() => chart.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => chart.locator('.plot').getAttribute('data-status'), { timeout: 20_000 }).toBe('complete');
    // Half an hour of readings before the alert (raw resolution for a short range), and the moment it fired.
    const points = Number(await chart.locator('ioc-series-chart svg').getAttribute('data-points'));
    expect(points).toBeGreaterThanOrEqual(19);
    expect(await chart.locator('.plot').getAttribute('data-resolution')).toBe('raw');
    const marks = chart.locator('svg.marks g.mark');
    expect(await marks.count()).toBeGreaterThanOrEqual(1);
    expect(await marks.first().getAttribute('data-severity')).toBe('critical');
    // The first reading at or above 2.0 m; the event that fired is drawn where its value is.
    expect(Number(await marks.first().getAttribute('data-t'))).toBe(NOW - 9 * MIN);
    expect(await marks.locator('circle').count()).toBeGreaterThanOrEqual(1);
    expect(await chart.locator('ioc-series-chart svg').getAttribute('aria-label')).toMatch(/water\.level.*\d+ thời điểm cảnh báo/);
    await chart.scrollIntoViewIfNeeded();
    await detail.screenshot({ path: join(outDir, 'incident-evidence-vi.png') });

    // A second gauge in the district fires: its alert joins the incident and gets a chart of its own.
    await publish({ id: 'ev2-1', type: 'water.level', source: 'wl-evid-02', zone: 'hoang-mai', time: Date.now() - 10_000, value: 1.7, unit: 'm' });
    await publish({ id: 'ev2-2', type: 'water.level', source: 'wl-evid-02', zone: 'hoang-mai', time: Date.now(), value: 2.2, unit: 'm' });
    await expect.poll(() => chart.count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => detail.locator('ioc-evidence-chart .plot[data-status="complete"]').count(), { timeout: 20_000 }).toBe(2);
    await page.keyboard.press('Escape');
    await expect.poll(() => detail.count()).toBe(0);
  }, 120_000);

  it('shows the KPIs of the moment under the time cursor: the drill-down\'s count and the map\'s districts', async () => {
    await expect.poll(choropleth, { timeout: 20_000 }).toEqual(['cau-giay', 'hoang-mai']);
    await page.evaluate(() => document.querySelector('ioc-console')!.dispatchEvent(new CustomEvent('zone-selected', { detail: { zone: 'dong-da' } })));
    const count = page.locator('ioc-drill-panel dd[data-kpi="incidents"]');
    // Now: nothing open in Đống Đa.
    await expect.poll(() => count.textContent(), { timeout: 20_000 }).toBe('0');

    // Two hours ago the history had one incident open there, and none in the districts open now.
    await setCursor(page, PAST);
    await expect.poll(() => page.locator('ioc-time-cursor .status').getAttribute('data-status'), { timeout: 20_000 }).toBe('ready');
    await expect.poll(() => count.textContent(), { timeout: 20_000 }).toBe('1');
    await expect.poll(choropleth, { timeout: 20_000 }).toEqual(['dong-da']);

    await page.locator('ioc-time-cursor button.live').click();
    await expect.poll(() => count.textContent(), { timeout: 20_000 }).toBe('0');
    await expect.poll(choropleth, { timeout: 20_000 }).toEqual(['cau-giay', 'hoang-mai']);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('rotates the wall through a KPI view in large type, live and at the time cursor\'s moment', async () => {
    // The alerts of the last hour as the history holds them (what the view must show).
    const started = await waitUntil(async () => {
      const [r] = await queryRows<{ n: string }>(stack.ch,
        `SELECT uniqExact(fingerprint, starts_at) AS n FROM ${DB}.alerts WHERE state = 'firing' AND starts_at >= ${Date.now() - HOUR}`);
      return Number(r?.n ?? 0) >= 3 ? Number(r!.n) : false;
    }, 30_000, () => 'three alerts in the history');

    // A wall rotating every 2 s comes to the KPI view by itself.
    const rotating = await openConsole('?wall=1&rotate=2');
    // The view and the attribute read in one instant: the wall moves on every 2 s.
    await expect.poll(() => rotating.evaluate(() => `${window.__ioc!.wall().view} ${document.querySelector('ioc-console')?.getAttribute('wall-view')}`), { timeout: 20_000 }).toBe('kpis kpis');
    await rotating.close();

    // A wall that does not rotate, moved on by hand (→ twice: map, queue, KPIs), holds the view still to be read.
    const wall = await openConsole('?wall=1&rotate=0');
    await wall.keyboard.press('ArrowRight');
    await wall.keyboard.press('ArrowRight');
    await expect.poll(() => wall.evaluate(() => window.__ioc!.wall().view)).toBe('kpis');
    const kpis = wall.locator('ioc-wall-kpis');
    expect(await kpis.isVisible()).toBe(true);
    expect(await kpis.locator('.when').getAttribute('data-mode')).toBe('live');
    expect(await kpis.locator('section[data-kpi="open"]').getAttribute('data-count')).toBe('2');
    expect(await kpis.locator('section[data-kpi="open"] [data-severity="critical"]').getAttribute('data-count')).toBe('2');
    expect(await kpis.locator('section[data-kpi="zones"] li').evaluateAll((li) => li.map((l) => l.getAttribute('data-zone')))).toEqual(['cau-giay', 'hoang-mai']);
    expect(await kpis.locator('section[data-kpi="zones"] li').first().textContent()).toContain('Cầu Giấy');
    expect(await kpis.locator('section[data-kpi="sensors"]').getAttribute('data-reporting')).toBe('3');
    expect(await kpis.locator('section[data-kpi="sensors"]').getAttribute('data-stale')).toBe('1');
    await expect.poll(() => kpis.locator('section[data-kpi="alerts"]').getAttribute('data-count'), { timeout: 20_000 }).toBe(String(started));
    const big = await kpis.locator('section[data-kpi="open"] .big').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(big).toBeGreaterThanOrEqual(56);
    // Nothing spills out of its panel at a 1280×720 wall (each panel clips what does not fit).
    expect(await kpis.locator('section').evaluateAll((all) => all.filter((x) => x.scrollHeight > x.clientHeight + 1).map((x) => x.getAttribute('data-kpi')))).toEqual([]);
    expect(await kpis.locator('section[data-kpi="open"] h2').textContent()).toBe('Sự cố đang mở');
    await kpis.screenshot({ path: join(outDir, 'wall-kpis-vi.png') });

    // The same wall at the moment two hours ago: the history's one incident, in Đống Đa, and no alerts in the hour before it.
    await setCursor(wall, PAST);
    await expect.poll(() => kpis.locator('.when').getAttribute('data-mode'), { timeout: 20_000 }).toBe('past');
    await expect.poll(() => kpis.locator('section[data-kpi="open"]').getAttribute('data-count'), { timeout: 20_000 }).toBe('1');
    expect(await kpis.locator('section[data-kpi="zones"] li').evaluateAll((li) => li.map((l) => l.getAttribute('data-zone')))).toEqual(['dong-da']);
    await expect.poll(() => kpis.locator('section[data-kpi="alerts"]').getAttribute('data-count'), { timeout: 20_000 }).toBe('0');
    // In English too.
    await wall.evaluate(() => { const app = document.querySelector('ioc-console')!; app.lang = 'en'; });
    await expect.poll(() => kpis.locator('section[data-kpi="open"] h2').textContent()).toBe('Open incidents');
    expect(pageErrors).toEqual([]);
    await wall.close();
  }, 120_000);
});
