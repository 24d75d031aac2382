// Issue 7 acceptance for the console's sign-in, everything real: private
// nats-server and clickhouse-server, the engine with auth required (an
// accounts file and a bearer-token key) serving the built console, Chromium.
// The sign-in is shown and nothing else; a wrong secret says so; the right one
// signs in and every feed goes live with the credential; the header shows who
// and which role; a viewer (signed in with a pasted token) finds the incident
// actions disabled with the reason; the operator acknowledges the incident and
// is recorded as its actor; a token that expires mid-session sends the user
// back to the sign-in, saying so; sign-out returns to the sign-in with the
// tab's credential gone. Screenshots of the sign-in go to test/screenshots/.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { hashSecret } from '../engine/auth/index.ts';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { repoRoot, startStack, startTestEngine, type Stack } from './harness/engine.ts';

const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    groupWait: 1s
`;
const JWT_KEY = 'console-login-test-signing-key-0123456789';
const shots = join(repoRoot, 'test', 'screenshots');

let stack: Stack;
let engine: RunningEngine;
let distDir: string;
let accountsDir: string;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  [stack, distDir] = await Promise.all([startStack({ database: 'ioc_console_login' }), buildConsole()]);
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), POLICIES);
  // Beside the rules, not in them: every YAML file of the rules directory is read as rules.
  accountsDir = mkdtempSync(join(tmpdir(), 'ioc-accounts-'));
  const accounts = join(accountsDir, 'accounts.yaml');
  writeFileSync(accounts, `accounts:\n  - { name: lan, role: operator, secret: "${await hashSecret('đúng-mật-khẩu')}" }\n`);
  engine = await startTestEngine(stack, {
    IOC_CONSOLE_DIR: distDir, IOC_AUTH_MODE: 'required', IOC_AUTH_ACCOUNTS_FILE: accounts, IOC_AUTH_JWT_SECRET: JWT_KEY,
  });
  browser = await launchBrowser();
  await mkdir(shots, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.stop(1000);
  await stack?.destroy();
  if (distDir) await rm(distDir, { recursive: true, force: true });
  if (accountsDir) await rm(accountsDir, { recursive: true, force: true });
});

async function open(query = ''): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) pageErrors.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${engine.httpPort}/${query}`);
  return page;
}

const session = (page: Page) => page.evaluate(() => window.__ioc!.session());
const signIn = (page: Page) => page.locator('ioc-sign-in');
const rows = (page: Page) => page.locator('ioc-incident-queue .row');
const detail = (page: Page) => page.locator('ioc-incident-detail');

async function openFirstIncident(page: Page): Promise<void> {
  await expect.poll(() => rows(page).count(), { timeout: 30_000 }).toBe(1);
  await page.locator('ioc-incident-queue h2').click();
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await detail(page).locator('button.act-ack').waitFor({ timeout: 15_000 });
}

describe('signing in to the console', () => {
  let lan: Page;

  it('shows only the sign-in; a wrong secret says so; the right one signs in and the feeds go live', async () => {
    lan = await open();
    await signIn(lan).locator('input[name="name"]').waitFor({ timeout: 60_000 });
    expect(await session(lan)).toMatchObject({ status: 'signed-out', requiresSignIn: true });
    // Nothing of the city before sign-in: no map, no queue.
    expect(await lan.locator('ioc-wall-map, ioc-incident-desk').count()).toBe(0);
    await lan.evaluate(() => document.fonts.ready);
    const png = await lan.screenshot({ path: join(shots, 'sign-in-vi.png'), animations: 'disabled' });
    expect(png.length).toBeGreaterThan(10_000);

    await signIn(lan).locator('input[name="name"]').fill('lan');
    await signIn(lan).locator('input[name="secret"]').fill('sai-mật-khẩu');
    await signIn(lan).locator('button.submit').click();
    await expect.poll(() => signIn(lan).locator('.error').textContent(), { timeout: 15_000 }).toBe('Sai tên hoặc mật khẩu.');
    expect((await session(lan)).status).toBe('signed-out');

    await signIn(lan).locator('input[name="secret"]').fill('đúng-mật-khẩu');
    await signIn(lan).locator('button.submit').click();
    await expect.poll(async () => (await session(lan)).status, { timeout: 15_000 }).toBe('signed-in');
    // Console/Watch carries the credential: the page goes live.
    await lan.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 60_000 });
    const header = lan.locator('header .session');
    expect(await header.getAttribute('data-role')).toBe('operator');
    expect(await header.textContent()).toContain('Đăng nhập: lan · điều hành viên');
    expect(await signIn(lan).count()).toBe(0);
    // The credential lives in this tab's sessionStorage, never in localStorage.
    const stored = await lan.evaluate(() => ({ session: sessionStorage.getItem('ioc.session'), local: JSON.stringify({ ...localStorage }) }));
    expect(stored.session).toMatch(/^Basic /);
    expect(stored.local).not.toContain('Basic');
    // A reload of the same tab stays signed in.
    await lan.reload();
    await expect.poll(async () => (await session(lan)).status, { timeout: 30_000 }).toBe('signed-in');
  });

  it('a viewer (pasted token) sees the incident but its actions are disabled with the reason; the operator acknowledges it', async () => {
    await stack.nc.jetstream().publish('ioc.events.water.level', JSON.stringify({
      id: 'login-flood-1', type: 'water.level', source: 'wl-kim-nguu-02', time: Date.now(), value: 2.6, unit: 'm', zone: 'hai-ba-trung',
    }));
    const token = await new SignJWT({ sub: 'minh', role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_KEY));
    const minh = await open('?lang=en');
    await signIn(minh).locator('button.tab-token').waitFor({ timeout: 60_000 });
    await minh.screenshot({ path: join(shots, 'sign-in-en.png'), animations: 'disabled' });
    await signIn(minh).locator('button.tab-token').click();
    await signIn(minh).locator('textarea[name="token"]').fill(`Bearer ${token}\n`);
    await signIn(minh).locator('button.submit').click();
    await expect.poll(async () => (await session(minh)).role, { timeout: 15_000 }).toBe('viewer');
    expect(await minh.locator('header .session').textContent()).toContain('Signed in: minh · viewer');

    // The viewer reads the incident (Incidents/Watch and Get carry the token) but may not act.
    await openFirstIncident(minh);
    const ack = detail(minh).locator('button.act-ack');
    expect(await ack.isDisabled()).toBe(true);
    expect(await detail(minh).locator('fieldset').getAttribute('title')).toBe('The viewer role may not do this');
    expect(await detail(minh).locator('button.act-resolve').isDisabled()).toBe(true);
    await minh.screenshot({ path: join(shots, 'incident-detail-viewer-en.png'), animations: 'disabled' });
    // The keyboard shortcut says why instead of failing after a call.
    await minh.locator('ioc-incident-queue h2').click();
    await minh.keyboard.press('a');
    await expect.poll(() => minh.locator('ioc-incident-desk .notice').textContent(), { timeout: 5_000 }).toBe('The viewer role may not do this');
    expect(await rows(minh).first().getAttribute('data-state')).toBe('open');

    // The operator may: acknowledged, recorded as the signed-in account (not a typed "who am I").
    await openFirstIncident(lan);
    expect(await detail(lan).locator('button.act-ack').isDisabled()).toBe(false);
    await detail(lan).locator('button.act-ack').click();
    await expect.poll(() => rows(minh).first().getAttribute('data-state'), { timeout: 15_000 }).toBe('acknowledged');
    await expect.poll(() => detail(minh).locator('.timeline li[data-kind="acknowledged"]').textContent(), { timeout: 10_000 }).toContain('lan');
  });

  it('a token that expires mid-session: the next call is refused and the sign-in says the session expired', async () => {
    const exp = Math.floor(Date.now() / 1000) + 6;
    const token = await new SignJWT({ sub: 'thu', role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(exp)
      .sign(new TextEncoder().encode(JWT_KEY));
    const thu = await open('?lang=en');
    await signIn(thu).locator('button.tab-token').click();
    await signIn(thu).locator('textarea[name="token"]').fill(token);
    await signIn(thu).locator('button.submit').click();
    await expect.poll(async () => (await session(thu)).name, { timeout: 15_000 }).toBe('thu');
    await expect.poll(() => rows(thu).count(), { timeout: 30_000 }).toBe(1);
    // Streams opened before the expiry stay open; the next call (opening the incident: Incidents/Get) is refused.
    await thu.waitForTimeout(Math.max(0, exp * 1000 - Date.now()) + 1500);
    await thu.locator('ioc-incident-queue h2').click();
    await thu.keyboard.press('j');
    await thu.keyboard.press('Enter');
    await expect.poll(() => signIn(thu).locator('.error').textContent().catch(() => null), { timeout: 30_000 })
      .toBe('Your session expired or was revoked; please sign in again.');
    expect(await thu.evaluate(() => sessionStorage.getItem('ioc.session'))).toBeNull();
  });

  it('sign-out clears the credential and returns to the sign-in', async () => {
    await lan.locator('header button.sign-out').click();
    await signIn(lan).locator('input[name="name"]').waitFor({ timeout: 30_000 });
    expect((await session(lan)).status).toBe('signed-out');
    expect(await lan.evaluate(() => sessionStorage.getItem('ioc.session'))).toBeNull();
    expect(await lan.locator('ioc-wall-map, ioc-incident-desk').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
