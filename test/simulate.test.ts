// `ioc simulate` against a real NATS with the engine running: the feed lands
// in the stream, passes validation, and is stored.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { queryRows, repoRoot, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine;
beforeAll(async () => {
  stack = await startStack({ database: 'ioc_sim' });
  engine = await startTestEngine(stack);
});
afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

it('publishes the simulated Hanoi feed at the asked rate, and the engine stores all of it', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'engine/cli/bin.mjs'), 'simulate', '--rate', '300', '--duration', '3', '--nats', stack.nats.url], { cwd: repoRoot });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise((r) => child.once('exit', r));
  expect(code).toBe(0);
  const sent = Number(/done, (\d+) events sent/.exec(err)?.[1]);
  expect(sent).toBeGreaterThan(600);
  expect(sent).toBeLessThan(1300);
  await waitUntil(async () => {
    const [r] = await queryRows<{ n: string }>(stack.ch, 'SELECT count() AS n FROM ioc_sim.events FINAL');
    return Number(r!.n) === sent || undefined;
  }, 30_000, () => `${sent} simulated events stored`);
  const types = await queryRows<{ type: string }>(stack.ch, 'SELECT DISTINCT type FROM ioc_sim.events ORDER BY type');
  expect(types.map((t) => t.type)).toEqual(expect.arrayContaining(['aq.pm25', 'traffic.speed', 'water.level', 'weather.rain']));
  const metrics = await (await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`)).text();
  expect(metrics).not.toMatch(/ioc_events_rejected_total\{[^}]*via="nats"\} [1-9]/);
});

it('refuses to run, with the reason, when no stream captures ioc.events.>', async () => {
  const { startNats } = await import('./harness/nats.ts');
  const bare = await startNats();
  try {
    const child = spawn(process.execPath, [join(repoRoot, 'engine/cli/bin.mjs'), 'simulate', '--duration', '1', '--nats', bare.url], { cwd: repoRoot });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((r) => child.once('exit', r))).toBe(1);
    expect(err).toContain('no JetStream stream captures ioc.events.>');
  } finally {
    await bare.destroy();
  }
});
