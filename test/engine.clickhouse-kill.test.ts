// ClickHouse killed (SIGKILL, mid-insert) under load and restarted: the
// engine holds back acknowledgements, retries, and in the end `events` holds
// every accepted event exactly once — no loss from the kill, no doubles from
// the retries. The rollups are repaired the documented way afterwards.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { ClickHouseStore, parseDay, rebuildRollups } from '../engine/store/index.ts';
import { queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine;
beforeAll(async () => {
  stack = await startStack({ database: 'ioc_kill' });
  engine = await startTestEngine(stack, { IOC_WRITER_BATCH_ROWS: '500' });
}, 120_000);
afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

it('stores every accepted event exactly once when ClickHouse is killed under load', async () => {
  const js = stack.nc.jetstream();
  let sent = 0;
  let feeding = true;
  const feed = (async () => {
    while (feeding) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < 100; i++) {
        const n = sent++;
        const e = { id: `k-${n}`, type: 'water.level', source: `wl-${n % 200}`, time: Date.now(), value: 0.5 + (n % 100) / 100, zone: 'hoang-mai' };
        batch.push(js.publish('ioc.events.water.level', JSON.stringify(e), { msgID: `${e.source}/${e.id}` }));
      }
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, 50)); // ~2,000 events/s
    }
  })();
  await waitUntil(async () => {
    const [r] = await queryRows<{ n: string }>(stack.ch, 'SELECT count() AS n FROM ioc_kill.events');
    return Number(r!.n) > 3000 || undefined;
  }, 60_000, () => 'rows before the kill');
  await stack.clickhouse.kill();
  await new Promise((r) => setTimeout(r, 5000));
  await stack.clickhouse.start();
  await new Promise((r) => setTimeout(r, 3000));
  feeding = false;
  await feed;

  await waitUntil(async () => {
    const [r] = await queryRows<{ n: string }>(stack.ch, 'SELECT count() AS n FROM ioc_kill.events FINAL');
    return Number(r!.n) === sent || undefined;
  }, 120_000, () => `all ${sent} events stored`);
  const [u] = await queryRows<{ unique: string; lo: string; hi: string }>(stack.ch,
    "SELECT uniqExact(id) AS unique, min(toUInt64(substring(id, 3))) AS lo, max(toUInt64(substring(id, 3))) AS hi FROM ioc_kill.events");
  expect(Number(u!.unique)).toBe(sent);
  expect([Number(u!.lo), Number(u!.hi)]).toEqual([0, sent - 1]);
  const metrics = await (await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`)).text();
  expect(metrics).toMatch(/ioc_store_retries_total [1-9]/);

  // A retried insert may have reached the rollup views twice; rebuilding the days makes them exact again.
  const store = new ClickHouseStore({ url: stack.clickhouse.url, database: 'ioc_kill' });
  try {
    const days = await queryRows<{ d: string }>(stack.ch, 'SELECT DISTINCT toString(day) AS d FROM ioc_kill.events');
    for (const { d } of days) await rebuildRollups(store, { database: 'ioc_kill', day: parseDay(d) });
  } finally {
    await store.close();
  }
  const [z] = await queryRows<{ c: string }>(stack.ch, 'SELECT countMerge(n) AS c FROM ioc_kill.rollup_zone_1m');
  expect(Number(z!.c)).toBe(sent);
}, 240_000);
