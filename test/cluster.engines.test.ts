// Scale-out on one NATS: two engine processes (`ioc start` with
// cluster.partitions = 8) share the partitions under a steady feed. One is
// SIGKILLed mid-feed (its partitions and, if it held it, the router move to
// the survivor once its leases expire) and later started again (it takes a
// fair share back). Then: every accepted event is in ClickHouse exactly
// once, and the alerts on IOC_ALERTS are exactly those the same rules give
// when each partition's events run through their own runtime undisturbed —
// none missing, none extra, none twice — so window state moved with its
// partition. Figures are printed.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alertMessageId, type Alert } from '../engine/alerts/index.ts';
import { partitionOf, rulesForPartition, type ClusterStatus } from '../engine/cluster/index.ts';
import { eventKey, type IocEvent } from '../engine/events/index.ts';
import { hanoiDistricts } from '../engine/geo/index.ts';
import { compileRuleText } from '../engine/rules/index.ts';
import { createRuleRuntime } from '../engine/runtime/index.ts';
import { freePort } from './harness/ports.ts';
import { queryRows, repoRoot, spawnEngine, startStack, waitUntil, type Stack } from './harness/engine.ts';

const P = 8;
const RULES = `
rules:
  - id: t.high-water
    title: { vi: "Nước cao", en: "High water" }
    on: water.level
    where: e.value >= 2.0
    severity: major
    message: { vi: "{{ e.value }} tại {{ e.source }}", en: "{{ e.value }} at {{ e.source }}" }
  - id: t.zone-readings
    title: { vi: "Nhiều số đo", en: "Many readings" }
    on: water.level
    groupBy: [e.zone]
    window: { size: 20s }
    aggregate: { n: count(), top: max(e.value) }
    when: n >= 3
    severity: minor
    message: { vi: "{{ n }} số đo tại {{ key.zone }}", en: "{{ n }} readings in {{ key.zone }}" }
`;

let stack: Stack;
const engines: (ChildProcess & { logs(): string; httpPort: number })[] = [];

/** Partitions an engine owns now, from its /metrics. */
async function owned(e: { httpPort: number }): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${e.httpPort}/metrics`)).text();
  return Number(/^ioc_partitions_owned (\d+)/m.exec(text)?.[1] ?? 0);
}

async function engine(): Promise<ChildProcess & { logs(): string; httpPort: number }> {
  const httpPort = await freePort();
  const spawned = await spawnEngine(stack, {
    IOC_HTTP_PORT: String(httpPort),
    IOC_GRPC_PORT: String(await freePort()),
    IOC_CLUSTER_PARTITIONS: String(P),
    IOC_CLUSTER_LEASE_MS: '8000',
    IOC_CLUSTER_ROUND_MS: '1000',
    IOC_RULES_IDLE_ADVANCE_MS: '0',
    IOC_STATE_SNAPSHOT_EVERY_MS: '1000',
    IOC_LOG_LEVEL: 'info',
  });
  const e = Object.assign(spawned, { httpPort });
  engines.push(e);
  return e;
}

beforeAll(async () => {
  stack = await startStack({ rules: RULES, database: 'ioc_cluster' });
}, 120_000);
afterAll(async () => {
  if (process.env.IOC_TEST_DUMP_LOGS) engines.forEach((e, i) => writeFileSync(`${process.env.IOC_TEST_DUMP_LOGS}-${i}.log`, e.logs()));
  for (const e of engines) e.kill('SIGKILL');
  await stack?.destroy();
});

it('two engines split the partitions; one is killed and restarted; every event is stored once and every alert fires once', async () => {
  const zones = hanoiDistricts().map((d) => d.id);
  const a = await engine();
  const b = await engine();
  const js = stack.nc.jetstream();
  const accepted: IocEvent[] = [];
  const base = Date.now() - 10 * 60_000;
  let n = 0;
  let feeding = true;
  let kills = 0;
  let restarts = 0;
  const feed = (async () => {
    while (feeding) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) {
        const k = n++;
        const zone = zones[k % zones.length]!;
        const e: IocEvent = { id: `c-${k}`, type: 'water.level', source: `wl-${zone}-${k % 4}`, zone, time: base + k * 20, value: 1 + ((k * 7) % 13) / 10, attrs: {} };
        batch.push(js.publish('ioc.events.water.level', JSON.stringify(e), { msgID: eventKey(e) }).then(() => void accepted.push(e), () => undefined));
      }
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, 100)); // ~500 events/s
    }
  })();

  await waitUntil(async () => (await owned(a)) + (await owned(b)) === P && (await owned(b)) > 0, 30_000, () => 'both engines own partitions');
  await new Promise((r) => setTimeout(r, 3000));
  b.kill('SIGKILL');
  kills++;
  const killedAt = Date.now();
  await waitUntil(async () => (await owned(a)) === P, 60_000, () => 'the survivor owns every partition');
  const takeover = Date.now() - killedAt;
  await new Promise((r) => setTimeout(r, 2000));
  const b2 = await engine(); // b again, as a new process
  restarts++;
  const joinedAt = Date.now();
  await waitUntil(async () => (await owned(b2)) >= P / 2 - 1 && (await owned(a)) + (await owned(b2)) === P, 60_000, () => 'the restarted engine took its share');
  const rebalance = Date.now() - joinedAt;
  // Each engine reports the lag of the partitions it owns.
  await waitUntil(async () => /^ioc_partition_lag\{partition="\d+"\} \d+/m.test(await (await fetch(`http://127.0.0.1:${a.httpPort}/metrics`)).text()), 20_000, () => 'ioc_partition_lag on /metrics');

  // `ioc cluster status` shows the same: two live engines, every partition and the router owned by one of them.
  await waitUntil(() => {
    const status = JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'engine', 'cli', 'bin.mjs'), 'cluster', 'status', '--json'], {
      env: { ...process.env, ...stack.env, IOC_CLUSTER_PARTITIONS: String(P) }, encoding: 'utf8',
    })) as ClusterStatus;
    const ids = new Set(status.members.map((m) => m.id));
    return status.members.length === 2 && status.rows.every((r) => r.owner !== undefined && ids.has(r.owner) && r.pending !== undefined) && ids.has(status.router.owner ?? '');
  }, 30_000, () => 'ioc cluster status: two engines owning every partition');
  await new Promise((r) => setTimeout(r, 3000));
  feeding = false;
  await feed;
  accepted.sort((x, y) => x.time - y.time);

  // Everything accepted reaches ClickHouse, once.
  const ids = await waitUntil(async () => {
    const [r] = await queryRows<{ n: string; distinct: string }>(stack.ch, 'SELECT count() AS n, uniqExact(source, id) AS distinct FROM ioc_cluster.events FINAL');
    return Number(r!.distinct) >= accepted.length ? r : undefined;
  }, 90_000, () => `waiting for ${accepted.length} events in ClickHouse`).catch(async (err: unknown) => {
    // Where they stopped: per partition, what ClickHouse holds and what each consumer has seen.
    const jsm = await stack.nc.jetstreamManager();
    const rows = await queryRows<{ zone: string; n: string }>(stack.ch, 'SELECT zone, uniqExact(source, id) AS n FROM ioc_cluster.events FINAL GROUP BY zone');
    const storedBy = new Map<number, number>();
    for (const r of rows) storedBy.set(partitionOf(r.zone, P), (storedBy.get(partitionOf(r.zone, P)) ?? 0) + Number(r.n));
    const lines: string[] = [];
    for (let p = 0; p < P; p++) {
      const want = accepted.filter((e) => partitionOf(e.zone!, P) === p).length;
      const info = await jsm.consumers.info('IOC_PARTS', `ioc-engine-p${p}`).catch(() => undefined);
      lines.push(`p${p}: accepted ${want}, stored ${storedBy.get(p) ?? 0}, consumer delivered ${info?.delivered.stream_seq}, ack floor ${info?.ack_floor.stream_seq}, pending ${info?.num_pending}, ack pending ${info?.num_ack_pending}`);
    }
    throw new Error(`${(err as Error).message}\n${lines.join('\n')}`);
  });
  const stored = Number(ids.n);

  // The alerts the rules give when each partition runs its own events, undisturbed.
  const { rules } = compileRuleText(RULES, 'cluster.yaml');
  const expected = new Map<string, Alert>();
  for (let p = 0; p < P; p++) {
    const runtime = createRuleRuntime(rulesForPartition(rules, p, P), { now: Date.now, allowedLatenessMs: 30_000, latePolicy: 'dlq' });
    for (const e of accepted) {
      if (partitionOf(e.zone!, P) !== p) continue;
      runtime.process({ ...e, attrs: {} });
      for (const alert of runtime.takeChanges()) if (alert.state !== 'pending') expected.set(alertMessageId(alert), alert);
    }
  }

  // The alerts the engines published, read back from IOC_ALERTS once they stop changing.
  const readAlerts = async () => {
    const jsm = await stack.nc.jetstreamManager();
    const info = await jsm.streams.info('IOC_ALERTS');
    const seen = new Map<string, number>();
    if (info.state.messages === 0) return seen;
    // An ordered consumer from the start, read up to what the stream holds now.
    const consumer = await js.consumers.get('IOC_ALERTS');
    const messages = await consumer.consume();
    let read = 0;
    for await (const m of messages) {
      const id = alertMessageId(m.json<Alert>());
      seen.set(id, (seen.get(id) ?? 0) + 1);
      if (++read >= info.state.messages) break;
    }
    return seen;
  };
  const seen = await waitUntil(async () => {
    const s = await readAlerts();
    return [...expected.keys()].every((id) => s.has(id)) ? s : undefined;
  }, 60_000, () => `waiting for ${expected.size} expected alerts`).catch(() => readAlerts());

  const missing = [...expected.keys()].filter((id) => !seen.has(id));
  const extra = [...seen.keys()].filter((id) => !expected.has(id));
  const twice = [...seen.values()].filter((c) => c > 1).length;
  console.log(`cluster: ${P} partitions, 2 engines, ${kills} SIGKILL, ${restarts} restart; a dead engine's partitions moved in ${takeover} ms (lease 8 s), a restarted engine took its share in ${rebalance} ms
  events accepted ${accepted.length}, stored ${stored} (distinct ${ids.distinct}), duplicates ${stored - Number(ids.distinct)}
  alerts expected ${expected.size}, seen ${seen.size}, missing ${missing.length}, extra ${extra.length}, published twice ${twice}`);
  expect(Number(ids.distinct)).toBe(accepted.length);
  expect(stored).toBe(accepted.length);
  expect(missing.slice(0, 5)).toEqual([]);
  expect(extra.slice(0, 5)).toEqual([]);
  expect(twice).toBe(0);
  expect(expected.size).toBeGreaterThan(50);
}, 240_000);
