// What the scale-out tests share: engine processes in a partitioned
// deployment, a steady feed that publishes like a careful integrator (same
// message id until acknowledged), and the checks at the end: every accepted
// event in ClickHouse once, and the alerts on IOC_ALERTS exactly those each
// partition's rules give when its events run undisturbed.

import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { JetStreamClient, NatsConnection } from 'nats';
import { expect } from 'vitest';
import { alertMessageId, type Alert } from '../../engine/alerts/index.ts';
import { cityRules, partitionOf, rulesForPartition, type ClusterStatus } from '../../engine/cluster/index.ts';
import { eventKey, type IocEvent } from '../../engine/events/index.ts';
import { compileRuleText } from '../../engine/rules/index.ts';
import { createRuleRuntime } from '../../engine/runtime/index.ts';
import { liveSensors, queryRows, repoRoot, spawnEngine, waitUntil, type Stack } from './engine.ts';
import { freePort } from './ports.ts';

/**
 * The rules the scale-out tests run: a stateless threshold, a per-zone window
 * (partition-local), and a city-wide window grouped by event type across every
 * zone (run once, in the city slot).
 */
export const CLUSTER_RULES = `
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
    window: { size: 10s }
    aggregate: { n: count(), top: max(e.value) }
    when: n >= 3
    severity: minor
    message: { vi: "{{ n }} số đo tại {{ key.zone }}", en: "{{ n }} readings in {{ key.zone }}" }
  - id: t.city-readings
    title: { vi: "Số đo toàn thành phố", en: "City-wide readings" }
    on: water.level
    groupBy: [e.type]
    window: { size: 10s }
    aggregate: { n: count(), zones: distinct(e.zone) }
    when: n >= 900
    severity: info
    message: { vi: "{{ n }} số đo ở {{ zones }} quận", en: "{{ n }} readings in {{ zones }} districts" }
`;

export type EngineProcess = ChildProcess & { logs(): string; httpPort: number; grpcPort: number };

/** Starts `ioc start` in a partitioned deployment of `partitions` partitions. */
export async function spawnClusterEngine(stack: Stack, partitions: number, extra: Record<string, string> = {}): Promise<EngineProcess> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const spawned = await spawnEngine(stack, {
    IOC_HTTP_PORT: String(httpPort),
    IOC_GRPC_PORT: String(grpcPort),
    IOC_CLUSTER_PARTITIONS: String(partitions),
    IOC_CLUSTER_LEASE_MS: '8000',
    IOC_CLUSTER_ROUND_MS: '1000',
    IOC_RULES_IDLE_ADVANCE_MS: '0',
    IOC_STATE_SNAPSHOT_EVERY_MS: '1000',
    IOC_LOG_LEVEL: 'info',
    ...extra,
  });
  return Object.assign(spawned, { httpPort, grpcPort });
}

/**
 * The districts whose sensors a console connected to each engine shows, once
 * the live views have caught up: every process owns some partitions, and they
 * share their sensors, so each should show all of `zones`.
 */
export async function liveZonesEverywhere(engines: EngineProcess[], zones: readonly string[]): Promise<number[]> {
  const seen = async (e: EngineProcess) => new Set((await liveSensors(e.grpcPort)).map((s) => s.zone)).size;
  return waitUntil(async () => {
    const counts = await Promise.all(engines.map(seen));
    return counts.every((n) => n === zones.length) ? counts : undefined;
  }, 15_000, () => `every console sees sensors in all ${zones.length} districts`).catch(() => Promise.all(engines.map(seen)));
}

/** Partitions an engine owns now, from its /metrics (0 when it does not answer). */
export async function ownedPartitions(e: { httpPort: number }): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${e.httpPort}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    return Number(/^ioc_partitions_owned (\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** What `ioc cluster status --json` prints for the stack. */
export function clusterStatus(stack: Stack, partitions: number): ClusterStatus {
  const out = execFileSync(process.execPath, [join(repoRoot, 'engine', 'cli', 'bin.mjs'), 'cluster', 'status', '--json'], {
    env: { ...process.env, ...stack.env, IOC_CLUSTER_PARTITIONS: String(partitions) },
    encoding: 'utf8',
  });
  return JSON.parse(out) as ClusterStatus;
}

export interface Feed {
  /** Events NATS acknowledged, in publish order. */
  accepted: IocEvent[];
  /** Publish attempts that failed and were retried with the same message id. */
  retried(): number;
  /** Stops publishing, once at least `minEvents` (default 12,500) were accepted. */
  stop(): Promise<void>;
}

/**
 * Publishes water-level readings for every zone to `ioc.events.water.level`,
 * 50 every 100 ms (~500/s), event time at about twice the wall clock's pace. A publish that fails (a node down, a leader
 * election) is retried with the same message id until NATS acknowledges it,
 * so JetStream's duplicate window keeps it once; only acknowledged events
 * count as accepted.
 */
export function startFeed(js: JetStreamClient, zones: string[], o: { prefix?: string; batch?: number; everyMs?: number; minEvents?: number } = {}): Feed {
  const accepted: IocEvent[] = [];
  const base = Date.now() - 10 * 60_000;
  const prefix = o.prefix ?? 'c';
  let n = 0;
  let retries = 0;
  let feeding = true;
  const publish = async (e: IocEvent): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await js.publish('ioc.events.water.level', JSON.stringify(e), { msgID: eventKey(e), timeout: 5000 });
        accepted.push(e);
        return;
      } catch (err) {
        if (attempt >= 30) throw new Error(`event ${e.id} not accepted after ${attempt + 1} attempts: ${String(err)}`);
        retries++;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const loop = (async () => {
    while (feeding) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < (o.batch ?? 50); i++) {
        const k = n++;
        const zone = zones[k % zones.length]!;
        // Event time moves about twice as fast as the wall clock (50 readings 4 ms apart every ~100 ms): enough
        // windows close in a minute, and the seconds a NATS fail-over delays some routed events stay well within
        // the engine's allowed lateness (30 s of event time), as they would for a real feed.
        batch.push(publish({ id: `${prefix}-${k}`, type: 'water.level', source: `wl-${zone}-${k % 4}`, zone, time: base + k * 4, value: 1 + ((k * 7) % 13) / 10, attrs: {} }));
      }
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, o.everyMs ?? 100));
    }
  })();
  return {
    accepted,
    retried: () => retries,
    stop: async () => {
      // At least 12,500 readings (50 s of event time): windows close 30 s (the allowed lateness) after their end,
      // so the first 10 s windows, the city-wide one among them, have closed by then whatever the machine's pace.
      while (accepted.length < (o.minEvents ?? 12_500)) await new Promise((r) => setTimeout(r, 100));
      feeding = false;
      await loop;
      accepted.sort((x, y) => x.time - y.time);
    },
  };
}

/** Physical rows, rows after replacement (FINAL) and distinct (source, id) in `db`.events, once every accepted event is there. */
export async function waitStoredOnce(stack: Stack, db: string, accepted: IocEvent[], partitions: number, timeoutMs = 90_000): Promise<{ physical: number; final: number; distinct: number; foreign: number }> {
  const read = async () => {
    const [r] = await queryRows<{ final: string; distinct: string }>(stack.ch, `SELECT count() AS final, uniqExact(source, id) AS distinct FROM ${db}.events FINAL`);
    return { final: Number(r!.final), distinct: Number(r!.distinct) };
  };
  const counts = await waitUntil(async () => {
    const c = await read();
    return c.distinct >= accepted.length ? c : undefined;
  }, timeoutMs, () => `${accepted.length} events in ClickHouse`).catch(async (err: unknown) => {
    // Where they stopped: per partition, what ClickHouse holds and what each consumer has seen.
    const jsm = await stack.nc.jetstreamManager();
    const rows = await queryRows<{ zone: string; n: string }>(stack.ch, `SELECT zone, uniqExact(source, id) AS n FROM ${db}.events FINAL GROUP BY zone`);
    const storedBy = new Map<number, number>();
    for (const r of rows) storedBy.set(partitionOf(r.zone, partitions), (storedBy.get(partitionOf(r.zone, partitions)) ?? 0) + Number(r.n));
    const lines: string[] = [];
    for (let p = 0; p < partitions; p++) {
      const want = accepted.filter((e) => partitionOf(e.zone!, partitions) === p).length;
      const info = await jsm.consumers.info('IOC_PARTS', `ioc-engine-p${p}`).catch(() => undefined);
      lines.push(`p${p}: accepted ${want}, stored ${storedBy.get(p) ?? 0}, consumer delivered ${info?.delivered.stream_seq}, ack floor ${info?.ack_floor.stream_seq}, pending ${info?.num_pending}, ack pending ${info?.num_ack_pending}`);
    }
    // Which stream lost them: the accepted events missing from IOC_EVENTS (the feed's stream) and from IOC_PARTS (the router's).
    const storedIds = new Set((await queryRows<{ id: string }>(stack.ch, `SELECT DISTINCT id FROM ${db}.events`)).map((r) => r.id));
    const notStored = accepted.filter((e) => !storedIds.has(e.id)).map((e) => e.id);
    for (const stream of ['IOC_EVENTS', 'IOC_PARTS']) {
      const ids = new Set(await streamEventIds(stack.nc, stream));
      const absent = notStored.filter((id) => !ids.has(id));
      lines.push(`${stream}: ${ids.size} events; of the ${notStored.length} not stored, ${absent.length} are not in it (${absent.slice(0, 5).join(', ')})`);
    }
    // Dead letters by reason: events a partition refused (e.g. storage_rejected) are acknowledged without being stored.
    const dlq = await jsm.streams.info('IOC_DLQ', { subjects_filter: 'ioc.dlq.>' }).catch(() => undefined);
    lines.push(`IOC_DLQ: ${JSON.stringify(dlq?.state.subjects ?? {})}`);
    const disorder = await routedDisorder(stack.nc, accepted, partitions);
    lines.push(`IOC_PARTS out of order: ${disorder.events} events, by up to ${disorder.maxMs} ms of event time`);
    throw new Error(`${(err as Error).message}\n${lines.join('\n')}`);
  });
  // Rows as written (before ReplacingMergeTree merges): more than `distinct` when a batch was written twice.
  const [p] = await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM ${db}.events`);
  // Events in ClickHouse that nobody published (or whose publish was never acknowledged).
  const ids = new Set(accepted.map((e) => e.id));
  const stored = await queryRows<{ id: string }>(stack.ch, `SELECT DISTINCT id FROM ${db}.events`);
  return { ...counts, physical: Number(p!.n), foreign: stored.filter((r) => !ids.has(r.id)).length };
}

/**
 * The alerts the rules give when each partition's accepted events run
 * through their own runtime, undisturbed, in the order its partition read
 * them (`routed`: IOC_PARTS order; `accepted` when not given), and the
 * city-wide rules run over all of them (pending ones left out).
 */
export function expectedPartitionAlerts(rulesText: string, accepted: IocEvent[], partitions: number, routed: IocEvent[] = accepted): Map<string, Alert> {
  const { rules } = compileRuleText(rulesText, 'cluster.yaml');
  const expected = new Map<string, Alert>();
  const run = (ruleSet: ReturnType<typeof cityRules>, events: IocEvent[]) => {
    const runtime = createRuleRuntime(ruleSet, { now: Date.now, allowedLatenessMs: 30_000, latePolicy: 'dlq' });
    for (const e of events) {
      runtime.process({ ...e, attrs: {} });
      for (const alert of runtime.takeChanges()) if (alert.state !== 'pending') expected.set(alertMessageId(alert), alert);
    }
  };
  for (let p = 0; p < partitions; p++) run(rulesForPartition(rules, p, partitions), routed.filter((e) => partitionOf(e.zone!, partitions) === p));
  const city = cityRules(rules);
  if (city.length > 0) run(city, accepted);
  return expected;
}

/** The ids of the events a stream holds now, in stream order. */
async function streamEventIds(nc: NatsConnection, stream: string): Promise<string[]> {
  const ids: string[] = [];
  const info = await (await nc.jetstreamManager()).streams.info(stream);
  if (info.state.messages === 0) return ids;
  const messages = await (await nc.jetstream().consumers.get(stream)).consume();
  for await (const m of messages) {
    ids.push(m.json<{ id: string }>().id);
    if (ids.length >= info.state.messages) break;
  }
  return ids;
}

/**
 * The accepted events in the order a stream holds them: IOC_EVENTS (what the
 * router and the city slot read) or IOC_PARTS (what each partition reads).
 * It is publish order except where a failed publish was retried after later
 * ones were stored; the alerts of a stateless rule follow it.
 */
export async function inStreamOrder(nc: NatsConnection, accepted: readonly IocEvent[], stream = 'IOC_EVENTS'): Promise<IocEvent[]> {
  const byId = new Map(accepted.map((e) => [e.id, e]));
  const ordered = (await streamEventIds(nc, stream)).map((id) => byId.get(id)).filter((e) => e !== undefined);
  if (ordered.length !== accepted.length) throw new Error(`${stream} holds ${ordered.length} of the ${accepted.length} accepted events`);
  return ordered;
}

/**
 * Events of IOC_PARTS that reached their partition after a later-published
 * event of the same partition, and the largest such delay in event time: the
 * router re-publishes a failed publish (a NATS fail-over) while later ones go through.
 */
export async function routedDisorder(nc: NatsConnection, accepted: readonly IocEvent[], partitions: number): Promise<{ events: number; maxMs: number }> {
  const byId = new Map(accepted.map((e) => [e.id, e]));
  const newest = new Map<number, number>();
  let events = 0;
  let maxMs = 0;
  for (const id of await streamEventIds(nc, 'IOC_PARTS')) {
    const e = byId.get(id);
    if (!e) continue;
    const p = partitionOf(e.zone!, partitions);
    const n = newest.get(p) ?? -Infinity;
    if (e.time < n) {
      events++;
      maxMs = Math.max(maxMs, n - e.time);
    } else newest.set(p, e.time);
  }
  return { events, maxMs };
}

/** Events that come after a later-published one (a retried publish): the feed's event times rise with publish order. */
export function outOfOrder(events: readonly IocEvent[]): number {
  let newest = -Infinity;
  let n = 0;
  for (const e of events) {
    if (e.time < newest) n++;
    else newest = e.time;
  }
  return n;
}

/** How many times each alert message id is on IOC_ALERTS now. */
export async function alertCounts(nc: NatsConnection): Promise<Map<string, number>> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info('IOC_ALERTS');
  const seen = new Map<string, number>();
  if (info.state.messages === 0) return seen;
  // An ordered consumer from the start, read up to what the stream holds now.
  const consumer = await nc.jetstream().consumers.get('IOC_ALERTS');
  const messages = await consumer.consume();
  let read = 0;
  for await (const m of messages) {
    const id = alertMessageId(m.json<Alert>());
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (++read >= info.state.messages) break;
  }
  return seen;
}

/** The city-wide rule's alerts: one firing alert that counted every one of the 30 districts shows it saw all partitions' events. */
export function cityAlerts(expected: Map<string, Alert>): [string, string][] {
  return [...expected.values()].filter((a) => a.rule === 't.city-readings').map((a) => [a.state, a.message.en ?? '']);
}

/** Waits until every expected alert is on IOC_ALERTS (or the timeout), then compares. */
export async function compareAlerts(nc: NatsConnection, expected: Map<string, Alert>, timeoutMs = 60_000): Promise<{ seen: number; missing: string[]; extra: string[]; twice: number }> {
  const seen = await waitUntil(async () => {
    const s = await alertCounts(nc);
    return [...expected.keys()].every((id) => s.has(id)) ? s : undefined;
  }, timeoutMs, () => `${expected.size} expected alerts`).catch(() => alertCounts(nc));
  return {
    seen: seen.size,
    missing: [...expected.keys()].filter((id) => !seen.has(id)),
    extra: [...seen.keys()].filter((id) => !expected.has(id)),
    twice: [...seen.values()].filter((c) => c > 1).length,
  };
}

/**
 * What both scale-out tests require in the end: every accepted event stored
 * once, IOC_ALERTS exactly the expected alerts, and the city-wide rule's one
 * alert counting all 30 districts (it saw every partition's events).
 */
export function expectEveryEventAndAlertOnce(accepted: readonly IocEvent[], stored: Awaited<ReturnType<typeof waitStoredOnce>>, expected: Map<string, Alert>, alerts: Awaited<ReturnType<typeof compareAlerts>>): void {
  expect(stored.distinct).toBe(accepted.length);
  expect(stored.final).toBe(accepted.length);
  expect(stored.foreign).toBe(0);
  expect(alerts.missing.slice(0, 5)).toEqual([]);
  expect(alerts.extra.slice(0, 5)).toEqual([]);
  expect(alerts.twice).toBe(0);
  expect(expected.size).toBeGreaterThan(50);
  expect(cityAlerts(expected)).toEqual([['firing', expect.stringMatching(/^\d+ readings in 30 districts$/)]]);
}
