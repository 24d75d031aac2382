// The hot-path JetStream publisher against a real nats-server: every publish
// resolves only with the stream's PubAck, duplicates of a message id are
// reported as such and stored once, and every way a publish can fail (no
// stream, a refused expectation, no answer, a closed publisher) rejects with
// a clear error instead of hanging.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, headers, type NatsConnection } from 'nats';
import { JetStreamPublisher, PublishRefusedError } from '../engine/bus/js-publisher.ts';
import { startNats, type NatsServer } from './harness/nats.ts';

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, noAsyncTraces: true });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'PUB', subjects: ['pub.>'], duplicate_window: 60_000_000_000 });
});
afterAll(async () => {
  await nc?.close();
  await nats?.destroy();
});

it('resolves each of 5,000 concurrent publishes with its own PubAck, in order, and stores each once', async () => {
  const publisher = new JetStreamPublisher(nc);
  const acks = await Promise.all(Array.from({ length: 5000 }, (_, i) => publisher.publish(`pub.a.${i % 7}`, new TextEncoder().encode(String(i)), { msgId: `a-${i}` })));
  expect(acks.every((a) => a.stream === 'PUB' && !a.duplicate)).toBe(true);
  const seqs = acks.map((a) => a.seq);
  expect(new Set(seqs).size).toBe(5000);
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  expect(publisher.inFlight).toBe(0);
  const info = await (await nc.jetstreamManager()).streams.info('PUB');
  expect(info.state.messages).toBe(5000);
  publisher.close();
});

it('reports a message id seen before as a duplicate, which the stream does not store again', async () => {
  const publisher = new JetStreamPublisher(nc);
  const first = await publisher.publish('pub.b', new TextEncoder().encode('x'), { msgId: 'b-1' });
  const again = await publisher.publish('pub.b', new TextEncoder().encode('x'), { msgId: 'b-1' });
  expect(first.duplicate).toBe(false);
  expect(again).toEqual({ stream: 'PUB', seq: first.seq, duplicate: true });
  publisher.close();
});

it('rejects a publish no stream captures, one the stream refuses, and one nobody answers, with the reason', async () => {
  const publisher = new JetStreamPublisher(nc, 300);
  await expect(publisher.publish('nostream.x', new Uint8Array())).rejects.toThrow(/no JetStream stream answered for nostream\.x \(503/);

  const h = headers();
  h.set('Nats-Expected-Last-Sequence', '1');
  const refused = await publisher.publish('pub.c', new Uint8Array(), { headers: h }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(PublishRefusedError);
  expect((refused as PublishRefusedError).code).toBe(10071);
  expect((refused as Error).message).toMatch(/JetStream refused the publish to pub\.c: wrong last sequence/);

  // A subscriber that never replies: the publish times out instead of hanging.
  const silent = nc.subscribe('silent.x');
  await expect(publisher.publish('silent.x', new Uint8Array())).rejects.toThrow(/publish to silent\.x: no PubAck within 300 ms/);
  silent.unsubscribe();
  expect(publisher.inFlight).toBe(0);
  publisher.close();
});

it('fails what is still waiting when closed', async () => {
  const publisher = new JetStreamPublisher(nc, 60_000);
  const silent = nc.subscribe('silent.y');
  const waiting = publisher.publish('silent.y', new Uint8Array());
  publisher.close();
  await expect(waiting).rejects.toThrow(/the publisher is closed/);
  silent.unsubscribe();
});
