// The fault suite (issue 7): under a steady feed, the engine (a child process)
// is SIGKILLed three times, nats-server is restarted, clickhouse-server is
// SIGKILLed and restarted, and the webhook receiver hangs for a while. Then:
// ClickHouse holds exactly the accepted events, no alert change and no
// notification is duplicated (a notification answered just before a SIGKILL,
// whose delivery the killed engine had not yet recorded, is sent again with
// the same Idempotency-Key: counted and printed apart, as decision 0500 says), the alerts are those the rules give on the
// accepted events (windowed ones with the same aggregates, so window state
// survived the kills), and every decided notification arrived.
// Everything real: nats-server, clickhouse-server, the engine, HTTP.

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alertMessageId, type Alert } from '../../engine/alerts/index.ts';
import { freePort } from '../harness/ports.ts';
import { queryRows, spawnEngine, startStack, waitUntil, type Stack } from '../harness/engine.ts';
import { expectedAlerts } from './expected.ts';
import { startFeed } from './feed.ts';
import { HangingReceiver } from './receiver.ts';

const DB = 'ioc_fault';
const LATENESS_MS = 30_000;
const WINDOWED = 'flood.fault-high-avg';

const RULES = `
rules:
  - id: flood.fault-critical
    title: { vi: "Mực nước nguy hiểm", en: "Critical water level" }
    on: water.level
    where: e.value >= 2.0
    severity: critical
    message: { vi: "Mực nước {{ e.value }} m tại {{ e.source }}", en: "Water level {{ e.value }} m at {{ e.source }}" }
  - id: ${WINDOWED}
    title: { vi: "Mực nước trung bình cao", en: "High average water level" }
    on: water.level
    groupBy: [e.source]
    window: { size: 1m }
    aggregate: { avg: avg(e.value), n: count() }
    when: avg > 1.6
    severity: major
`;

const ENGINE_ENV = {
  IOC_LOG_LEVEL: 'info',
  // Event time only: the wall clock must not move the watermark, or the expected alerts would depend on timing.
  IOC_RULES_IDLE_ADVANCE_MS: '0',
  IOC_RULES_ALLOWED_LATENESS_MS: String(LATENESS_MS),
  // Frequent snapshots, so restarts go through snapshot + replay.
  IOC_STATE_SNAPSHOT_EVERY_MS: '2000',
  // One-second batches: each insert makes a part in `events` and in every rollup, and thousands of
  // them (tens of thousands of files) made removing the data dir at the end take a minute.
  IOC_WRITER_BATCH_ROWS: '5000',
  IOC_WRITER_FLUSH_MS: '1000',
  IOC_NATS_BATCH: '500',
};

let stack: Stack;
/** The test's own connection: it reconnects for as long as it takes (the stack's gives up after ten tries). */
let nc: NatsConnection;
let hookPort: number;
/** Engine processes started here; any still running when the test ends (a failure) is killed. */
const engines: ChildProcess[] = [];
const receiver = new HangingReceiver();

beforeAll(async () => {
  hookPort = await freePort();
  stack = await startStack({ rules: RULES, database: DB });
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), `
policies:
  - id: flood
    type: flood
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    span: 1m
    autoResolve: true
    groupWait: 1s
    groupInterval: 3s
    notify: [city-webhook]
    escalation:
      - { after: 6s, notify: [city-webhook] }
receivers:
  - name: city-webhook
    webhook: { url: "http://127.0.0.1:${hookPort}/hook", timeoutMs: 5000 }
`);
  await receiver.listen(hookPort);
  nc = await connect({ servers: stack.nats.url, noAsyncTraces: true, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
});

afterAll(async () => {
  for (const e of engines) if (e.exitCode === null && e.signalCode === null) e.kill('SIGKILL');
  await receiver.close();
  await nc?.close();
  await stack?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The identity of an alert change, with what must match exactly (windowed aggregates included). */
function describeAlert(a: Pick<Alert, 'rule' | 'key' | 'state' | 'startsAt' | 'endsAt' | 'eventTime' | 'eventId'> & { values?: Record<string, number> }, withValues: boolean): string {
  const values = withValues && a.values ? ` values=${JSON.stringify(Object.fromEntries(Object.entries(a.values).sort()))}` : '';
  return `${a.rule} ${a.key} ${a.state} start=${a.startsAt} end=${a.endsAt} at=${a.eventTime} event=${a.eventId}${values}`;
}

/** Items of `a` missing from `b` (as multisets), the first few. */
function missingFrom(a: readonly string[], b: readonly string[], n = 5): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const k = left.get(x) ?? 0;
    if (k > 0) left.set(x, k - 1);
    else if (out.length < n) out.push(x);
  }
  return out;
}

/** A KV entry's JSON, or undefined. */
async function kvJson<T>(bucket: string, key: string): Promise<T | undefined> {
  const kv = await nc.jetstream().views.kv(bucket);
  const e = await kv.get(key);
  return e && e.operation === 'PUT' ? (e.json() as T) : undefined;
}

/** Every message of a stream, in order, with its `Nats-Msg-Id`. */
async function streamMessages(stream: string): Promise<{ seq: number; msgId: string; data: Uint8Array }[]> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const out: { seq: number; msgId: string; data: Uint8Array }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    out.push({ seq, msgId: m.header?.get('Nats-Msg-Id') ?? '', data: m.data });
  }
  return out;
}

it('keeps events, alerts, window state and notifications exact through engine kills, NATS and ClickHouse restarts and a hanging receiver', async () => {
  const began = Date.now();
  const timeline: string[] = [];
  const mark = (what: string) => timeline.push(`+${((Date.now() - began) / 1000).toFixed(1)}s ${what}`);
  const logs: string[] = [];
  const spawn = async () => {
    const e = await spawnEngine(stack, ENGINE_ENV);
    engines.push(e);
    return e;
  };
  let engine = await spawn();
  const survived = { engineKills: 0, natsRestarts: 0, clickhouseRestarts: 0 };
  /** Wall times of the engine SIGKILLs, to tell a re-send after a kill from a duplicate. */
  const killedAt: number[] = [];
  const killEngine = async () => {
    killedAt.push(Date.now());
    engine.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    logs.push(engine.logs());
    survived.engineKills++;
    mark(`engine SIGKILLed (${survived.engineKills})`);
    engine = await spawn();
    mark('engine ready again');
  };
  const jsm = await nc.jetstreamManager();
  const checkpoint = async () => (await kvJson<{ seq: number }>('ioc_engine', 'checkpoint.ioc-engine'))?.seq ?? 0;
  /** Waits until the engine has committed what the stream held a moment ago, without restarting it: the fault was survived, not rescued by the next kill. */
  const caughtUp = async (after: string) => {
    const pid = engine.pid;
    const target = await waitUntil(async () => (await jsm.streams.info('IOC_EVENTS')).state.last_seq, 60_000, () => 'the events stream to answer');
    await waitUntil(async () => (await checkpoint()) >= target || undefined, 90_000, () => `the engine committing up to ${target} after ${after}\n${timeline.join('\n')}\n${engine.logs().split('\n').slice(-30).join('\n')}`);
    expect(engine.exitCode, `the engine exited after ${after}:\n${engine.logs().split('\n').slice(-30).join('\n')}`).toBeNull();
    expect(engine.pid).toBe(pid);
    mark(`engine (same process) committed up to ${target} after ${after}`);
  };

  // Event time starts two hours back (never "in the future", whatever the pace), off the minute so no window edge meets the end watermark.
  const t0 = Math.floor((Date.now() - 2 * 3600_000) / 60_000) * 60_000 + 7;
  const feed = await startFeed({ url: stack.nats.url, t0, perTick: 15, tickMs: 50 }); // ~300 events/s
  mark('feed started');
  try {
    await sleep(10_000);
    await killEngine();

    await caughtUp('the first kill');
    await sleep(3000);
    receiver.hang();
    mark('webhook receiver hangs');
    await sleep(4000);
    await killEngine(); // with notifications stuck on the hanging receiver
    // Hang until something is left hanging, so the fault really happened.
    await waitUntil(() => receiver.hung() > 0, 60_000, () => 'a notification to hang on');
    await sleep(2000);
    receiver.answer();
    mark(`webhook receiver answers again (${receiver.hung()} requests were left hanging)`);

    // NATS goes away with a notification in flight, answered while it is away: the
    // engine must still record that delivery (longer than a JetStream request's timeout), or a restart sends it again.
    await sleep(3000);
    receiver.slow(1500);
    const before = receiver.requests();
    await waitUntil(() => receiver.requests() > before, 60_000, () => 'a notification in flight');
    await stack.nats.stop();
    mark('nats-server stopped, a notification in flight (answered 1.5 s later)');
    await sleep(8000);
    await stack.nats.start();
    receiver.answer();
    survived.natsRestarts++;
    mark('nats-server started');
    await caughtUp('the NATS restart');

    await sleep(8000);
    await stack.clickhouse.kill();
    mark('clickhouse-server SIGKILLed');
    await sleep(6000);
    await stack.clickhouse.start();
    survived.clickhouseRestarts++;
    mark('clickhouse-server started');
    await caughtUp('the ClickHouse restart');

    await sleep(8000);
    await killEngine();
    await sleep(8000);
  } finally {
    await feed.stop();
    mark(`feed stopped: ${feed.stats.accepted} accepted, ${feed.stats.retries} publishes retried, ${feed.stats.duplicateAcks} acknowledged as duplicates`);
  }
  const accepted = feed.stats.accepted;
  const fail = () => `\ntimeline:\n${timeline.join('\n')}\nengine logs (current):\n${engine.logs().split('\n').slice(-40).join('\n')}`;

  // Drained: the engine committed the whole stream and every event is stored.
  const lastEventSeq = (await jsm.streams.info('IOC_EVENTS')).state.last_seq;
  await waitUntil(async () => (await checkpoint()) >= lastEventSeq || undefined, 120_000, () => `the checkpoint at ${lastEventSeq}${fail()}`);
  const storedCount = async () => Number((await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM ${DB}.events FINAL`))[0]!.n);
  await waitUntil(async () => (await storedCount()) >= accepted || undefined, 60_000, () => `${accepted} events stored${fail()}`).catch(() => undefined);
  mark('engine drained');

  // Settled: incident management read every alert change, timers that were due ran (escalation 6 s), nothing is pending in the outbox.
  await waitUntil(async () => {
    const lastAlertSeq = (await jsm.streams.info('IOC_ALERTS')).state.last_seq;
    return ((await kvJson<{ seq: number }>('ioc_incidents', 'cursor'))?.seq ?? 0) >= lastAlertSeq || undefined;
  }, 60_000, () => `incident management reading every alert${fail()}`);
  const lastEmitted = Math.max(0, ...(await streamMessages('IOC_ALERTS')).map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as Alert).emittedAt));
  await sleep(Math.max(0, lastEmitted + 8000 - Date.now()));
  const outbox = async () => {
    const kv = await nc.jetstream().views.kv('ioc_notify_outbox');
    const keys: string[] = [];
    for await (const k of await kv.keys('n.>')) keys.push(k);
    const entries: { id: string; state: string }[] = [];
    for (const k of keys) {
      const e = await kv.get(k);
      if (e && e.operation === 'PUT') entries.push({ id: Buffer.from(k.slice(2), 'base64url').toString('utf8'), state: (e.json() as { state: string }).state });
    }
    return entries;
  };
  await waitUntil(async () => (await outbox()).every((e) => e.state !== 'pending') && Date.now() - receiver.lastRequestAt > 2000 || undefined, 90_000, () => `the outbox emptied${fail()}`);
  await sleep(2500); // incident history is flushed to ClickHouse every second
  mark('incidents settled');

  // --- events: exactly the accepted ones ------------------------------------
  const [counts] = await queryRows<{ final: string; distinct: string; raw: string }>(stack.ch,
    `SELECT (SELECT count() FROM ${DB}.events FINAL) AS final, uniqExact(source, id) AS distinct, count() AS raw FROM ${DB}.events`);
  const stored = Number(counts!.final);
  const distinct = Number(counts!.distinct);
  const ids = new Set((await queryRows<{ id: string }>(stack.ch, `SELECT id FROM ${DB}.events FINAL`)).map((r) => r.id));
  const acceptedIds = Array.from({ length: accepted }, (_, i) => `f-${i}`);
  const missing = acceptedIds.filter((id) => !ids.has(id));
  const acceptedSet = new Set(acceptedIds);
  const extra = [...ids].filter((id) => !acceptedSet.has(id));

  // --- alerts: what the rules give on the accepted events --------------------
  const expected = await expectedAlerts({ rules: RULES, t0, accepted, allowedLatenessMs: LATENESS_MS });
  const onStream = (await streamMessages('IOC_ALERTS')).map((m) => ({ msgId: m.msgId, alert: JSON.parse(new TextDecoder().decode(m.data)) as Alert }));
  const streamIdDups = onStream.length - new Set(onStream.map((m) => m.msgId)).size;
  const changeKey = (a: Alert) => `${a.fingerprint}:${a.state}:${a.startsAt}`;
  const streamChangeDups = onStream.length - new Set(onStream.map((m) => changeKey(m.alert))).size;
  const seen = [...new Map(onStream.map((m) => [alertMessageId(m.alert), m.alert])).values()];
  const expectedList = expected.map((a) => describeAlert(a, true)).sort();
  const seenList = seen.map((a) => describeAlert(a, true)).sort();
  type AlertRow = { rule: string; key: string; state: string; starts_at: string; ends_at: string; event_time: string; event_id: string };
  const rows = await queryRows<AlertRow>(stack.ch, `SELECT rule, key, state, starts_at, ends_at, event_time, event_id FROM ${DB}.alerts FINAL`);
  const [alertRows] = await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM ${DB}.alerts`);
  const storedAlerts = rows.map((r) => describeAlert({ rule: r.rule, key: r.key, state: r.state as Alert['state'], startsAt: Number(r.starts_at), endsAt: Number(r.ends_at), eventTime: Number(r.event_time), eventId: r.event_id }, false)).sort();
  const expectedNoValues = expected.map((a) => describeAlert(a, false)).sort();
  const windowedExpected = expected.filter((a) => a.rule === WINDOWED).length;
  const windowedSeen = seen.filter((a) => a.rule === WINDOWED).length;
  // Each restart after the first restored a snapshot and replayed the stream from it: window state crossed the kill.
  const restores = [...logs, engine.logs()].slice(1).map((l) => {
    const line = l.split('\n').find((x) => x.includes('pipeline state restored'));
    const r = line ? (JSON.parse(line) as { checkpoint: number; snapshot: number | null; replay: number }) : undefined;
    return { checkpoint: r?.checkpoint ?? 0, snapshot: r?.snapshot ?? null, replay: r?.replay ?? 0 };
  });

  // --- notifications --------------------------------------------------------
  const decided = await outbox();
  const delivered = receiver.delivered();
  const { duplicated, resentAfterKill } = receiver.duplicated(killedAt);
  const undelivered = decided.filter((d) => !delivered.has(d.id)).map((d) => `${d.id} (${d.state})`);
  const decidedIds = new Set(decided.map((d) => d.id));
  const undecided = [...delivered].filter((k) => !decidedIds.has(k));
  const history = await queryRows<{ incident_id: string; data: string }>(stack.ch, `SELECT incident_id, data FROM ${DB}.incident_events FINAL WHERE kind = 'notified'`);
  const historyDecided = history.map((h) => `${h.incident_id}:${(JSON.parse(h.data) as { reason: string }).reason}`);
  const firstOfKey = new Map(receiver.got.filter((g) => g.answered).map((g) => [g.key, g] as const));
  const deliveredByReason = [...firstOfKey.values()].map((g) => `${g.incidentId}:${g.reason}`);
  const historyNotArrived = missingFrom(historyDecided, deliveredByReason);
  const allLogs = [...logs, engine.logs()].join('\n');
  const recordRetried = allLogs.split('\n').filter((l) => l.includes('recorded in the outbox after retries')).length;
  const arrivedWithoutHistory = missingFrom(deliveredByReason, historyDecided, Number.MAX_SAFE_INTEGER).length;

  console.log([
    'fault suite',
    ...timeline.map((t) => `  ${t}`),
    `  events accepted ${accepted}, stored ${stored} (distinct ${distinct}, physical rows ${counts!.raw}), duplicates ${stored - distinct}, missing ${missing.length}${missing.length ? ` e.g. ${missing.slice(0, 5).join(', ')}` : ''}, extra ${extra.length}${extra.length ? ` e.g. ${extra.slice(0, 5).join(', ')}` : ''}`,
    `  alerts expected ${expected.length} vs seen ${seen.length} on IOC_ALERTS (${onStream.length} messages, ${streamIdDups} repeated message ids, ${streamChangeDups} changes seen twice) and ${storedAlerts.length} in ClickHouse (${alertRows!.n} physical rows before FINAL); windowed ${windowedExpected} expected vs ${windowedSeen} seen`,
    `  notifications decided ${decided.length} vs delivered ${delivered.size} vs duplicated ${duplicated.length}, re-sent after a kill between the receiver's 200 and its record ${resentAfterKill.length} (${receiver.hung()} requests hung unanswered and were retried; history rows 'notified' ${history.length}, delivered without a history row ${arrivedWithoutHistory}; deliveries recorded in the outbox only after NATS came back ${recordRetried})`,
    `  survived: engine kills ${survived.engineKills}, NATS restarts ${survived.natsRestarts}, ClickHouse restarts ${survived.clickhouseRestarts}`,
    ...restores.map((r, i) => `  restart ${i + 1}: checkpoint ${r.checkpoint}, restored the snapshot at ${r.snapshot}, replayed ${r.replay} events`),
  ].join('\n'));

  expect(missing.slice(0, 5), 'accepted events missing from ClickHouse').toEqual([]);
  expect(extra.slice(0, 5), 'events in ClickHouse that were never accepted').toEqual([]);
  expect(stored).toBe(accepted);
  expect(distinct).toBe(accepted);

  expect(streamIdDups, 'alert message ids repeated on IOC_ALERTS').toBe(0);
  expect(streamChangeDups, 'alert changes seen twice on IOC_ALERTS').toBe(0);
  expect(windowedExpected, 'the feed must make the windowed rule fire, or the window check proves nothing').toBeGreaterThan(0);
  expect(expected.length - windowedExpected, 'the feed must make the threshold rule fire').toBeGreaterThan(0);
  expect(missingFrom(expectedList, seenList), 'expected alert changes not seen on IOC_ALERTS').toEqual([]);
  expect(missingFrom(seenList, expectedList), 'alert changes on IOC_ALERTS the rules do not give').toEqual([]);
  expect(missingFrom(expectedNoValues, storedAlerts), 'expected alert changes not in ClickHouse').toEqual([]);
  expect(missingFrom(storedAlerts, expectedNoValues), 'alert changes in ClickHouse the rules do not give').toEqual([]);
  for (const r of restores) expect(r.snapshot, `a restart restored no snapshot: ${JSON.stringify(r)}`).toBeGreaterThan(0);

  expect(decided.length, 'the policy must decide notifications').toBeGreaterThan(0);
  expect(receiver.hung(), 'the receiver must have left requests hanging').toBeGreaterThan(0);
  expect(recordRetried, 'the NATS restart must catch a delivery in flight, or it proves nothing about recording one').toBeGreaterThan(0);
  expect(duplicated, 'notifications delivered twice').toEqual([]);
  expect(undelivered, 'decided notifications that never arrived').toEqual([]);
  expect(undecided, 'notifications that arrived but the outbox never held').toEqual([]);
  expect(historyNotArrived, 'notifications the incident history decided that never arrived').toEqual([]);

  engine.kill('SIGTERM');
  await new Promise((r) => engine.once('exit', r));
}, 420_000);
