// ClickHouse stops for 30 s under a steady feed and comes back: the engine
// stops acknowledging (backpressure), retries, and resumes without losing or
// doubling an event. /readyz reports the outage while it lasts.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine;
beforeAll(async () => {
  stack = await startStack({ database: 'ioc_outage' });
  engine = await startTestEngine(stack);
});
afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

it('loses and doubles nothing when ClickHouse is down for 30 s', async () => {
  const js = stack.nc.jetstream();
  let sent = 0;
  let feeding = true;
  const feed = (async () => {
    while (feeding) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        const n = sent++;
        const e = { id: `out-${n}`, type: 'aq.pm25', source: `aq-${n % 40}`, time: Date.now(), value: 40 + (n % 150), zone: 'dong-da' };
        batch.push(js.publish('ioc.events.aq.pm25', JSON.stringify(e), { msgID: `${e.source}/${e.id}` }));
      }
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, 100)); // ~200 events/s
    }
  })();
  const ready = async () => (await fetch(`http://127.0.0.1:${engine.httpPort}/readyz`)).status;

  await waitUntil(async () => {
    const [r] = await queryRows<{ n: string }>(stack.ch, 'SELECT count() AS n FROM ioc_outage.events');
    return Number(r!.n) > 200 || undefined;
  }, 30_000, () => 'rows before the outage');
  await stack.clickhouse.stop();
  const stoppedAt = Date.now();
  await waitUntil(async () => (await ready()) === 503 || undefined, 20_000, () => '/readyz to report the outage');
  await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - stoppedAt))));
  const sentDuringOutage = sent;
  await stack.clickhouse.start();
  await new Promise((r) => setTimeout(r, 3000));
  feeding = false;
  await feed;

  await waitUntil(async () => {
    const [r] = await queryRows<{ n: string }>(stack.ch, 'SELECT count() AS n FROM ioc_outage.events FINAL');
    return Number(r!.n) === sent || undefined;
  }, 90_000, () => `all ${sent} events stored`);
  const [s] = await queryRows<{ final: string }>(stack.ch, 'SELECT count() AS final FROM ioc_outage.events FINAL');
  const [u] = await queryRows<{ unique: string; raw: string; lo: string; hi: string }>(stack.ch,
    "SELECT uniqExact(id) AS unique, count() AS raw, min(toUInt64(substring(id, 5))) AS lo, max(toUInt64(substring(id, 5))) AS hi FROM ioc_outage.events");
  console.log(`outage test: sent ${sent} (${sentDuringOutage} by the end of the outage), stored FINAL ${s!.final}, unique ${u!.unique}, physical rows ${u!.raw}`);
  expect(Number(s!.final)).toBe(sent);
  expect(Number(u!.unique)).toBe(sent);
  expect([Number(u!.lo), Number(u!.hi)]).toEqual([0, sent - 1]);
  // The health check pings storage every few seconds: /readyz follows within one period.
  await waitUntil(async () => (await ready()) === 200 || undefined, 15_000, () => '/readyz back to 200');
  const metrics = await (await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`)).text();
  expect(metrics).toMatch(/ioc_store_retries_total [1-9]/);
});
