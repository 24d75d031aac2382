// The same input, twice: once through an engine that runs undisturbed, once
// through one SIGKILLed twice in the middle of its windows and restarted. Both
// must fire exactly the same alerts at the same event times: rule state comes
// back from the KV snapshot plus a replay of the stream to the checkpoint.
// Everything real: nats-server, clickhouse-server, the engine as a process.

import { afterAll, expect, it } from 'vitest';
import type { IocEvent } from '../engine/events/index.ts';
import { HanoiFeed } from '../engine/sim/index.ts';
import { queryRows, spawnEngine, startStack, waitUntil, type Stack } from './harness/engine.ts';

// One rule of each stateful kind, plus a stateless one with `for`, over the simulator's feed.
const RULES = `
rules:
  - id: t.rain-sustained
    title: { vi: "Mưa kéo dài", en: "Sustained rain" }
    on: weather.rain
    groupBy: [e.zone]
    window: { size: 10m, slide: 2m }
    aggregate: { avg: avg(e.value), n: count() }
    when: avg > 20.0 && n >= 3
    clear: avg < 10.0
    severity: major
  - id: t.level-count
    title: { vi: "Nhiều trạm nước cao", en: "Many high gauges" }
    on: water.level
    where: e.value >= 1.0
    groupBy: [e.zone]
    window: { size: 5m }
    aggregate: { n: count(), top: max(e.value) }
    when: n >= 3
    severity: minor
  - id: t.slow-traffic
    title: { vi: "Ùn tắc kéo dài", en: "Lasting congestion" }
    on: traffic.speed
    where: e.value < 12.0
    for: 2m
    clear: e.value > 20.0
    severity: minor
  - id: t.gauge-silent
    title: { vi: "Trạm im lặng", en: "Gauge silent" }
    on: water.level
    groupBy: [e.source]
    absent: 4m
    severity: info
  - id: t.rain-then-rise
    title: { vi: "Mưa rồi nước lên", en: "Rain then rise" }
    sequence:
      - { as: rain, on: weather.rain, where: e.value >= 40.0 }
      - { as: rise, on: water.level, where: e.value >= 1.2, within: 20m }
    sameKey: [e.zone]
    severity: major
`;

const N = 24_000;

/** A deterministic feed over 60 minutes of event time ending ten minutes ago; one gauge goes quiet halfway. */
function input(): IocEvent[] {
  const start = Date.now() - 70 * 60_000;
  const feed = new HanoiFeed({ start, seed: 11, firstStormAfter: 5 * 60_000, stormEvery: 25 * 60_000, stormDuration: 8 * 60_000 });
  const out: IocEvent[] = [];
  let quiet: string | undefined;
  while (out.length < N) {
    const i = out.length;
    feed.advance(start + (i * 60 * 60_000) / N);
    const e = feed.next();
    if (e.type === 'water.level') quiet ??= e.source;
    if (e.source === quiet && i > N / 2) continue;
    out.push(e);
  }
  return out;
}

async function publishAll(stack: Stack, events: IocEvent[]): Promise<void> {
  const js = stack.nc.jetstream();
  const pending: Promise<unknown>[] = [];
  for (const e of events) {
    pending.push(js.publish(`ioc.events.${e.type}`, JSON.stringify(e), { msgID: `${e.source}/${e.id}` }));
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

type Row = { rule: string; key: string; state: string; starts_at: string; ends_at: string; event_time: string };
async function alerts(stack: Stack, db: string): Promise<string[]> {
  const rows = await queryRows<Row>(stack.ch, `SELECT rule, key, state, starts_at, ends_at, event_time FROM ${db}.alerts FINAL ORDER BY rule, key, starts_at, state`);
  return rows.map((r) => `${r.rule} ${r.key} ${r.state} start=${r.starts_at} end=${r.ends_at} at=${r.event_time}`);
}

/** The sequence the engine's last rule state snapshot covers, from its KV bucket. */
async function snapshotSeq(stack: Stack): Promise<number> {
  const kv = await stack.nc.jetstream().views.kv('ioc_engine');
  const e = await kv.get('snapshot.ioc-engine');
  return e && e.operation === 'PUT' ? (JSON.parse(e.string()) as { seq: number }).seq : 0;
}

/**
 * Runs the engine over the input and returns the alerts stored. With kills, the
 * first part of the input is processed and snapshotted first, so the restarts
 * go through both recovery paths: snapshot + replay, and (killed before any new
 * snapshot covers the checkpoint) replay from an older snapshot.
 */
async function run(events: IocEvent[], db: string, kill: boolean): Promise<{ alerts: string[]; restarts: string[] }> {
  const stack = await startStack({ rules: RULES, database: db });
  stacks.push(stack);
  const env = { IOC_LOG_LEVEL: 'info', IOC_RULES_IDLE_ADVANCE_MS: '0', IOC_STATE_SNAPSHOT_EVERY_MS: '400', IOC_WRITER_BATCH_ROWS: '500', IOC_WRITER_FLUSH_MS: '50', IOC_NATS_BATCH: '100' };
  // The first start creates the streams.
  const first = await spawnEngine(stack, env);
  first.kill('SIGTERM');
  await new Promise((r) => first.once('exit', r));
  const restarts: string[] = [];
  let engine = await spawnEngine(stack, env);
  if (!kill) {
    await publishAll(stack, events);
  } else {
    const part = Math.floor(N * 0.4);
    await publishAll(stack, events.slice(0, part));
    await waitUntil(async () => (await snapshotSeq(stack)) >= part - 1000 || undefined, 60_000, () => 'a snapshot of the first part');
    const rest = publishAll(stack, events.slice(part));
    for (const share of [0.6, 0.85]) {
      await waitUntil(async () => (await processed(stack)) >= share * N || undefined, 120_000, () => `progress to ${share}`);
      engine.kill('SIGKILL');
      await new Promise((r) => engine.once('exit', r));
      engine = await spawnEngine(stack, env);
      restarts.push(engine.logs().split('\n').find((l) => l.includes('pipeline state restored')) ?? '');
    }
    await rest;
  }
  await waitUntil(async () => {
    const [r] = await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM ${db}.events FINAL`);
    return Number(r!.n) === events.length || undefined;
  }, 180_000, () => 'every event stored');
  await new Promise((r) => setTimeout(r, 1500));
  engine.kill('SIGTERM');
  await new Promise((r) => engine.once('exit', r));
  return { alerts: await alerts(stack, db), restarts };
}

/** Events committed so far, read from the engine's checkpoint (it survives the kills, unlike metrics). */
async function processed(stack: Stack): Promise<number> {
  const kv = await stack.nc.jetstream().views.kv('ioc_engine');
  const e = await kv.get('checkpoint.ioc-engine');
  return e && e.operation === 'PUT' ? (JSON.parse(e.string()) as { seq: number }).seq : 0;
}

const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.destroy();
});

it('fires the same alerts at the same event times with or without SIGKILLs mid-window', async () => {
  const events = input();
  const steady = await run(events, 'ioc_steady', false);
  const killed = await run(events, 'ioc_killed', true);
  // Both restarts restored a snapshot and replayed the stream from it to the checkpoint.
  for (const line of killed.restarts) {
    const restored = JSON.parse(line) as { snapshot: number | null; replay: number; checkpoint: number };
    console.log(`restart equivalence: restart at checkpoint ${restored.checkpoint} restored the snapshot at ${restored.snapshot} and replayed ${restored.replay} events`);
    expect(restored.snapshot).toBeGreaterThan(0);
    expect(restored.replay).toBeGreaterThan(0);
  }
  const kinds = (list: string[]) => new Set(list.map((a) => a.split(' ')[0]));
  console.log(`restart equivalence: ${steady.alerts.length} alert changes uninterrupted, ${killed.alerts.length} with 2 SIGKILLs; rules that fired: ${[...kinds(steady.alerts)].join(', ')}`);
  // The input must exercise every kind, or the comparison proves little.
  expect(kinds(steady.alerts)).toEqual(new Set(['t.rain-sustained', 't.level-count', 't.slow-traffic', 't.gauge-silent', 't.rain-then-rise']));
  expect(killed.alerts).toEqual(steady.alerts);
}, 600_000);
