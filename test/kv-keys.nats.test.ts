// Listing a KV bucket's keys against a real nats-server: live keys only
// (entries past the bucket's max age are gone), under a prefix, keys whose
// latest entry is a delete marker listed for the caller to skip, an empty
// bucket answered at once, and buckets with more keys than one STREAM.INFO
// page holds. The listing is what the cluster's ownership rounds read every
// second: it must answer or fail, never hang.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { kvKeys } from '../engine/bus/index.ts';
import { startNats, type NatsServer } from './harness/nats.ts';

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, noAsyncTraces: true });
});
afterAll(async () => {
  await nc?.close();
  await nats?.destroy();
});

it('lists the keys a bucket holds, under a prefix, delete markers included for the caller to skip', async () => {
  const kv = await nc.jetstream().views.kv('KEYS_A', { history: 1 });
  const jsm = await nc.jetstreamManager();
  expect(await kvKeys(jsm, 'KEYS_A')).toEqual([]);
  for (const k of ['m.one', 'm.two', 'p.0', 'p.1', 'p.10']) await kv.put(k, new TextEncoder().encode(k));
  await kv.delete('m.two');
  expect(await kvKeys(jsm, 'KEYS_A')).toEqual(['m.one', 'm.two', 'p.0', 'p.1', 'p.10']);
  expect(await kvKeys(jsm, 'KEYS_A', 'p.')).toEqual(['p.0', 'p.1', 'p.10']);
  expect(await kvKeys(jsm, 'KEYS_A', 'p.1')).toEqual(['p.1', 'p.10']); // a prefix that ends mid-token
  expect(await kvKeys(jsm, 'KEYS_A', 'm')).toEqual(['m.one', 'm.two']);
  expect((await kv.get('m.two'))?.operation).toBe('DEL');
});

it('leaves out entries older than the bucket max age (the case where nats.js kv.keys() can hang on 2.9)', async () => {
  const kv = await nc.jetstream().views.kv('KEYS_TTL', { history: 1, ttl: 1000 });
  const jsm = await nc.jetstreamManager();
  await kv.put('m.gone', new TextEncoder().encode('x'));
  await new Promise((r) => setTimeout(r, 1600));
  await kv.put('m.here', new TextEncoder().encode('y'));
  expect(await kvKeys(jsm, 'KEYS_TTL')).toEqual(['m.here']);
});

it('lists every key of a bucket larger than one STREAM.INFO page', async () => {
  const kv = await nc.jetstream().views.kv('KEYS_BIG', { history: 1 });
  const jsm = await nc.jetstreamManager();
  const n = 120_000;
  // Raw publishes to the bucket's subjects, acknowledged in one flush: a put per key would take minutes.
  const js = nc.jetstream();
  for (let i = 0; i < n; i += 5000) await Promise.all(Array.from({ length: Math.min(5000, n - i) }, (_, j) => js.publish(`$KV.KEYS_BIG.k.${i + j}`, new Uint8Array(1))));
  const keys = await kvKeys(jsm, 'KEYS_BIG', 'k.');
  expect(keys.length).toBe(n);
  expect(new Set(keys).size).toBe(n);
  expect((await kv.get('k.119999'))?.operation).toBe('PUT');
}, 120_000);
