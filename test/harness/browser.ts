// Shared browser tooling for tests in test/: Debian's Chromium driven by
// playwright-core (no browser download), a fresh console build, and a record of
// every request a page makes so a test can prove it stayed on this machine.

import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { guardHandlers } from '../../engine/api/authorize.ts';
import type { MethodHandler } from '../../engine/api/handlers.ts';
import { sessionHandlers } from '../../engine/api/session.ts';
import { createAuthenticator } from '../../engine/auth/index.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Chromium from the Debian package; IOC_CHROMIUM overrides the path. */
export const chromiumPath = process.env.IOC_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium with WebGL on SwiftShader (no GPU here, and recent
 * Chromium no longer falls back by itself) and no background traffic.
 * @example const browser = await launchBrowser(); try { ... } finally { await browser.close(); }
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/**
 * Builds the console with Vite into a new temporary folder and returns it, so a
 * test never serves a stale build nor overwrites console/dist.
 */
export async function buildConsole(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'ioc-console-'));
  await promisify(execFile)(process.execPath,
    [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', 'console', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  return outDir;
}

export interface RequestLog {
  /** Every http(s) URL the page (and its workers) requested, in order. */
  readonly urls: string[];
  /** Those whose host is not this machine. */
  offMachine(): string[];
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Starts recording the page's requests; call before `page.goto`. */
export function recordRequests(page: Page): RequestLog {
  const urls: string[] = [];
  page.context().on('request', (req) => {
    const url = req.url();
    if (/^https?:/.test(url)) urls.push(url);
  });
  return { urls, offMachine: () => urls.filter((u) => !LOCAL_HOSTS.has(new URL(u).hostname)) };
}

/**
 * Session/WhoAmI with sign-in off, as the demo serves it, for tests that script
 * their own gRPC-web server: the console asks who it is before starting its feeds.
 * @example const handlers = new Map([...scriptedHandlers, ...signInOffHandlers()]);
 */
export function signInOffHandlers(): [string, MethodHandler][] {
  return [...guardHandlers(new Map(sessionHandlers({ requiresSignIn: false })), createAuthenticator({ required: false, accounts: [] }))];
}
