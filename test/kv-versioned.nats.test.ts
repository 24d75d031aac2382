// The compare-and-set store incident management keeps its state in (a NATS KV
// bucket), against a real nats-server: a write lands only on the revision the
// writer last saw, a stale one is refused as a conflict (another engine
// process wrote first), a key that was deleted can be created again, and a
// server that is gone is reported as unavailable, not as a conflict.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { connectNats, type NatsBus } from '../engine/bus/index.ts';
import { ConflictError, UnavailableError } from '../engine/errors/index.ts';
import { silentLogger } from '../engine/log/index.ts';
import { startNats, type NatsServer } from './harness/nats.ts';

let nats: NatsServer;
let bus: NatsBus;
let nc: NatsConnection;
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/** Waits until the restarted server answers JetStream requests on the bus's connection (it reconnects on its own). */
async function untilServing(): Promise<void> {
  await expect.poll(async () => {
    try {
      await (await bus.versionedStore('CAS_PING')).entries();
      return true;
    } catch {
      return false;
    }
  }, { timeout: 30_000, interval: 500 }).toBe(true);
}

beforeAll(async () => {
  nats = await startNats();
  bus = await connectNats({
    servers: nats.url, eventsStream: 'IOC_EVENTS', alertsStream: 'IOC_ALERTS', dlqStream: 'IOC_DLQ', consumer: 'kv-test',
    stateBucket: 'ioc_engine', eventsMaxAgeHours: 1, replicas: 1, maxAckPending: 1000, ackWaitSeconds: 30, log: silentLogger(),
  });
  await bus.setup();
  nc = await connect({ servers: nats.url, noAsyncTraces: true });
});
afterAll(async () => {
  await nc?.close();
  await bus?.close();
  await nats?.destroy();
});

it('writes on the revision last seen and refuses a stale or duplicate write as a conflict', async () => {
  const store = await bus.versionedStore('CAS_A');
  const r1 = await store.put('incident.a', bytes('one'), 0);
  await expect(store.put('incident.a', bytes('again'), 0)).rejects.toBeInstanceOf(ConflictError); // created already
  const r2 = await store.put('incident.a', bytes('two'), r1);
  expect(r2).toBeGreaterThan(r1);
  await expect(store.put('incident.a', bytes('stale'), r1)).rejects.toBeInstanceOf(ConflictError);
  const entries = await store.entries();
  expect(text(entries.get('incident.a')?.value)).toBe('two');
  expect(entries.get('incident.a')?.revision).toBe(r2);
  // What nats.js reads is what was written: the same bucket, the same key.
  const kv = await nc.jetstream().views.kv('CAS_A');
  expect(text((await kv.get('incident.a'))?.value)).toBe('two');
});

it('creates a key again after it was deleted, and refuses to re-create it over a newer write', async () => {
  const store = await bus.versionedStore('CAS_B');
  const r1 = await store.put('silence.s1', bytes('v1'), 0);
  await store.delete('silence.s1', r1);
  expect((await store.entries()).has('silence.s1')).toBe(false);
  const r2 = await store.put('silence.s1', bytes('v2'), 0);
  expect(text((await store.entries()).get('silence.s1')?.value)).toBe('v2');
  await expect(store.put('silence.s1', bytes('v3'), 0)).rejects.toBeInstanceOf(ConflictError);
  expect(r2).toBeGreaterThan(r1);
});

it('removes a delete marker when told, and nothing written after it', async () => {
  const store = await bus.versionedStore('CAS_FORGET');
  const jsm = await nc.jetstreamManager();
  const subjects = async () => Object.keys((await jsm.streams.info('KV_CAS_FORGET', { subjects_filter: '>' })).state.subjects ?? {}).sort();
  // Gone for good: the marker, then nothing at all.
  const gone = await store.delete('incident.gone', await store.put('incident.gone', bytes('old'), 0));
  await store.put('incident.kept', bytes('v1'), 0);
  expect(await subjects()).toEqual(['$KV.CAS_FORGET.incident.gone', '$KV.CAS_FORGET.incident.kept']);
  await store.forget('incident.gone', gone);
  expect(await subjects()).toEqual(['$KV.CAS_FORGET.incident.kept']);
  // Written again after the delete: forgetting the old marker leaves the new value.
  const marker = await store.delete('incident.kept', (await store.entries()).get('incident.kept')!.revision);
  const again = await store.put('incident.kept', bytes('v2'), 0);
  expect(again).toBeGreaterThan(marker);
  await store.forget('incident.kept', marker);
  const entries = await store.entries();
  expect(text(entries.get('incident.kept')?.value)).toBe('v2');
  expect(entries.get('incident.kept')?.revision).toBe(again);
  expect(entries.has('incident.gone')).toBe(false);
});

it('tells a watcher of every write, its own included, with the revision the writer got', async () => {
  const store = await bus.versionedStore('CAS_C');
  const seen: [string, string | undefined, number | undefined][] = [];
  const stop = await store.watch((key, e) => seen.push([key, text(e?.value), e?.revision]));
  const r1 = await store.put('alert.x', bytes('a'), 0);
  const r2 = await store.put('alert.x', bytes('b'), r1);
  await store.delete('alert.x', r2);
  await expect.poll(() => seen.length).toBe(3);
  stop();
  expect(seen).toEqual([['alert.x', 'a', r1], ['alert.x', 'b', r2], ['alert.x', undefined, undefined]]);
});

it('reports a server that is gone as unavailable, not as a conflict', async () => {
  const store = await bus.versionedStore('CAS_D');
  const r1 = await store.put('incident.z', bytes('one'), 0);
  await nats.stop();
  try {
    const err = await store.put('incident.z', bytes('two'), r1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
  } finally {
    await nats.start();
    await untilServing();
  }
}, 60_000);

it('keeps telling a watcher of writes after the server restarts (the watch is re-created from where it was)', async () => {
  const store = await bus.versionedStore('CAS_E');
  const seen: string[] = [];
  const stop = await store.watch((key, e) => seen.push(`${key}=${text(e?.value)}`));
  const r1 = await store.put('alert.y', bytes('before'), 0);
  await expect.poll(() => seen).toEqual(['alert.y=before']);
  await nats.stop();
  await nats.start();
  await untilServing();
  await store.put('alert.y', bytes('after'), r1);
  await expect.poll(() => seen, { timeout: 20_000 }).toEqual(['alert.y=before', 'alert.y=after']);
  stop();
}, 60_000);
