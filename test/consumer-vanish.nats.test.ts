// The engine's durable consumer vanishing under it (deleted by an operator,
// or lost with a NATS node in a cluster fail-over, as the scale-out test saw
// on nats-server 2.9): the engine notices, re-creates it from its checkpoint
// and stores every event once. Before, nats.js waited for the consumer to
// come back, silently, and the pipeline stalled for good.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine;

beforeAll(async () => {
  stack = await startStack({ database: 'ioc_vanish' });
  engine = await startTestEngine(stack);
});
afterAll(async () => {
  await engine?.stop();
  await stack?.destroy();
});

const stored = async () => Number((await queryRows<{ n: string }>(stack.ch, 'SELECT uniqExact(source, id) AS n FROM ioc_vanish.events FINAL'))[0]!.n);

async function publish(from: number, count: number): Promise<void> {
  const js = stack.nc.jetstream();
  for (let i = from; i < from + count; i++) {
    const e = { id: `v-${i}`, type: 'water.level', source: `wl-vanish-${i % 5}`, time: Date.now() - 60_000 + i, value: 1.1, lat: 20.981, lon: 105.863 };
    await js.publish('ioc.events.water.level', JSON.stringify(e), { msgID: `${e.source}/${e.id}` });
  }
}

it('re-creates its consumer when it vanishes, and stores every event once', async () => {
  await publish(0, 50);
  await waitUntil(async () => (await stored()) === 50, 30_000, () => 'the first 50 events stored');
  const jsm = await stack.nc.jetstreamManager();
  const names: string[] = [];
  for await (const c of jsm.consumers.list('IOC_EVENTS')) names.push(c.name);
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) await jsm.consumers.delete('IOC_EVENTS', name);

  await publish(50, 50);
  let have = 0;
  await waitUntil(async () => (have = await stored()) === 100, 60_000, () => `100 events stored (have ${have})`);
  const after: string[] = [];
  for await (const c of jsm.consumers.list('IOC_EVENTS')) after.push(c.name);
  expect(after.sort()).toEqual(names.sort());
  const [rows] = await queryRows<{ n: string }>(stack.ch, 'SELECT count() AS n FROM ioc_vanish.events FINAL');
  expect(Number(rows!.n)).toBe(100);
}, 120_000);
