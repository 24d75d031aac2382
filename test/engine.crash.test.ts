// SIGKILL the engine (a real child process) while it works through a stream of
// events, restart it, and check that ClickHouse holds every event exactly once
// and that no alert state change was stored twice.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows, spawnEngine, startStack, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ database: 'ioc_crash' });
});
afterAll(async () => {
  await stack?.destroy();
});

const TOTAL = 20_000;
const KILLS = 3;

async function publishRange(from: number, to: number): Promise<void> {
  const js = stack.nc.jetstream();
  const t0 = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = from; i < to; i++) {
    const source = `wl-${i % 50}`;
    // Every 10th reading of a sensor crosses the critical level, the next one clears it.
    const value = i % 100 < 50 && Math.floor(i / 50) % 10 === 9 ? 2.4 : 1.0;
    const e = { id: `crash-${i}`, type: 'water.level', source, time: t0 + i, value, zone: 'long-bien' };
    pending.push(js.publish('ioc.events.water.level', JSON.stringify(e), { msgID: `${source}/${e.id}` }));
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

async function stored(): Promise<{ final: number; unique: number; raw: number }> {
  const [r] = await queryRows<{ final: string }>(stack.ch, `SELECT count() AS final FROM ioc_crash.events FINAL`);
  const [u] = await queryRows<{ unique: string; raw: string }>(stack.ch, `SELECT uniqExact(source, id) AS unique, count() AS raw FROM ioc_crash.events`);
  return { final: Number(r!.final), unique: Number(u!.unique), raw: Number(u!.raw) };
}

it(`keeps every event exactly once across ${KILLS} SIGKILLs`, async () => {
  const perRound = TOTAL / KILLS;
  let published = 0;
  const first = await spawnEngine(stack); // creates the streams
  first.kill('SIGTERM');
  await new Promise((r) => first.once('exit', r));
  for (let k = 0; k < KILLS; k++) {
    // A backlog first, so the kill lands while the engine is still working through it.
    const target = Math.round(perRound * (k + 1));
    await publishRange(published, target);
    published = target;
    const before = (await stored()).raw;
    const engine = await spawnEngine(stack, { IOC_WRITER_BATCH_ROWS: '200', IOC_WRITER_FLUSH_MS: '20', IOC_NATS_BATCH: '100' });
    await waitUntil(async () => (await stored()).raw > before || undefined, 60_000, () => 'some progress');
    engine.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    console.log(`crash test: killed engine ${k + 1} of ${KILLS} with ${JSON.stringify(await stored())} stored of ${published} published`);
  }
  const last = await spawnEngine(stack);
  await waitUntil(async () => (await stored()).final === TOTAL || undefined, 120_000, () => `all ${TOTAL} events stored`);
  const s = await stored();
  console.log(`crash test: published ${TOTAL}, kills ${KILLS}, stored FINAL ${s.final}, unique ${s.unique}, physical rows ${s.raw}`);
  expect(s.final).toBe(TOTAL);
  expect(s.unique).toBe(TOTAL);

  const dupAlerts = await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM (SELECT fingerprint, state, starts_at, count() AS c FROM ioc_crash.alerts FINAL GROUP BY fingerprint, state, starts_at HAVING c > 1)`);
  expect(Number(dupAlerts[0]!.n)).toBe(0);
  const firingTwice = await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM (SELECT fingerprint, starts_at FROM ioc_crash.alerts FINAL WHERE state = 'firing' GROUP BY fingerprint, starts_at HAVING count() > 1)`);
  expect(Number(firingTwice[0]!.n)).toBe(0);
  last.kill('SIGTERM');
  await new Promise((r) => last.once('exit', r));
}, 400_000);
