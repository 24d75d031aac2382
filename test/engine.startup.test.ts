// Start-up before the services answer: the HTTP port is open at once, /healthz
// says the process lives, /readyz says what it waits for; when NATS comes, the
// engine finishes starting by itself. Real servers, nothing faked.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine | undefined;
beforeAll(async () => {
  stack = await startStack({ database: 'ioc_startup' });
});
afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

it('answers /healthz and explains /readyz while waiting for NATS, then becomes ready', async () => {
  await stack.nats.stop();
  const starting = startTestEngine(stack);
  const base = `http://127.0.0.1:${stack.env.IOC_HTTP_PORT}`;
  await waitUntil(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200 || undefined, 30_000, () => '/healthz while NATS is down');
  const waiting = await fetch(`${base}/readyz`);
  expect(waiting.status).toBe(503);
  expect(await waiting.json()).toMatchObject({ ready: false, checks: { startup: { ok: false, detail: 'connecting to NATS' } } });

  await stack.nats.start();
  engine = await starting;
  await waitUntil(async () => (await fetch(`${base}/readyz`)).status === 200 || undefined, 30_000, () => '/readyz once NATS answers');
});
