// The README's first command on a machine where neither NATS nor ClickHouse
// answers: `ioc demo` (what `npm start` runs) must fall back to the embedded
// bus and store, say so loudly, and still show a live map with alerts from the
// simulated storm. Driven in Debian Chromium.

import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildConsole, launchBrowser } from './harness/browser.ts';
import { repoRoot, waitUntil } from './harness/engine.ts';
import { freePort } from './harness/ports.ts';

let demo: ChildProcess;
let output = '';
let browser: Browser;
let distDir: string;
let httpPort: number;

beforeAll(async () => {
  distDir = await buildConsole();
  httpPort = await freePort();
  const closed = await freePort(); // nothing listens here: NATS and ClickHouse are "not there"
  demo = spawn(process.execPath, [join(repoRoot, 'engine/cli/bin.mjs'), 'demo', '--rate', '400', '--first-storm', '1'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      IOC_MODE: '',
      IOC_NATS_URL: `nats://127.0.0.1:${closed}`,
      IOC_CLICKHOUSE_URL: `http://127.0.0.1:${closed}`,
      IOC_HTTP_PORT: String(httpPort),
      IOC_GRPC_PORT: String(await freePort()),
      IOC_HTTP_HOST: '127.0.0.1',
      IOC_GRPC_HOST: '127.0.0.1',
      IOC_CONSOLE_DIR: distDir,
      // Unset: the demo turns sign-in off by itself (and says so), whatever the default.
      IOC_AUTH_MODE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await new Promise((r) => demo.once('exit', r));
  }
  if (distDir) await rm(distDir, { recursive: true, force: true });
});

it('runs embedded, says so, and shows a live map with alerts', async () => {
  await waitUntil(() => output.includes('console:'), 60_000, () => `the demo banner; output so far:\n${output}`);
  expect(output).toContain(`console:  http://127.0.0.1:${httpPort}/`);
  expect(output).toMatch(/mode:\s+embedded\s+<-- EMBEDDED/);
  expect(output).toContain('NATS is not reachable: using the EMBEDDED in-process bus');
  expect(output).toContain('ClickHouse is not reachable: using the EMBEDDED in-memory store');
  expect(output).toMatch(/auth:\s+OFF\s+<-- NO SIGN-IN/);

  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(`http://127.0.0.1:${httpPort}/`);
  await page.waitForFunction(() => window.__ioc?.state().connection === 'live', undefined, { timeout: 60_000 });
  await page.waitForFunction(() => window.__ioc?.map?.loaded() === true, undefined, { timeout: 60_000 });
  expect(await page.locator('.mode').textContent()).toContain('EMBEDDED DEMO');
  // No sign-in, and the header says so.
  expect(await page.evaluate(() => window.__ioc!.session())).toMatchObject({ status: 'open', requiresSignIn: false });
  expect(await page.locator('header .session[data-state="open"]').textContent()).toContain('KHÔNG ĐĂNG NHẬP (demo)');
  // The simulated storm reaches the low-lying districts: alerts arrive live.
  await page.waitForFunction(() => (window.__ioc?.state().alerts ?? 0) > 0 && (window.__ioc?.state().sensors ?? 0) > 100, undefined, { timeout: 90_000 });
  const items = page.locator('ioc-alert-list li');
  expect(await items.count()).toBeGreaterThan(0);
  const readyz = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
  expect(await readyz.json()).toMatchObject({ ready: true, checks: { nats: { detail: 'embedded' }, clickhouse: { detail: 'memory' } } });
}, 240_000);
