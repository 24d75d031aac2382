// The notification outbox in a real NATS KV bucket (private nats-server from
// the harness): pending notifications survive a dispatcher restart on a new
// connection and are delivered once; replayed ids are refused.

import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveryAttempt } from '../engine/incidents/model.ts';
import { silentLogger } from '../engine/log/index.ts';
import { KvOutbox, NotificationDispatcher, receiverSchema, type ReceiverConfig } from '../engine/notify/index.ts';
import { request, testReceiver, waitFor, type TestReceiver } from '../engine/notify/test-kit.ts';
import { startNats, type NatsServer } from './harness/nats.ts';

let nats: NatsServer;
let hook: TestReceiver;
const connections: NatsConnection[] = [];

beforeAll(async () => {
  nats = await startNats();
  hook = await testReceiver({ down: true });
  const nc = await open();
  await (await nc.jetstreamManager()).streams.add({ name: 'NOTIFY', subjects: ['ioc.notifications.>'], duplicate_window: 60_000_000_000 });
});
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  await hook?.down();
  await nats?.destroy();
});

async function open(): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  connections.push(nc);
  return nc;
}

function receivers(): ReceiverConfig[] {
  return [receiverSchema.parse({ name: 'hook', webhook: { url: hook.url } }), receiverSchema.parse({ name: 'ops', nats: { subject: 'ioc.notifications.ops' } })];
}

function dispatcherOn(nc: NatsConnection, outbox: KvOutbox, attempts: DeliveryAttempt[]): NotificationDispatcher {
  const js = nc.jetstream();
  return new NotificationDispatcher({
    receivers: receivers(),
    outbox,
    publish: async (subject, data, msgId) => {
      await js.publish(subject, data, { msgID: msgId });
    },
    backoff: { initialMs: 20, maxMs: 200 },
    onAttempt: (a) => attempts.push(a),
    log: silentLogger(),
  });
}

it('delivers pending notifications once after a restart on a new connection, and refuses replays', async () => {
  // Ids with characters KV keys do not allow.
  const toHook = [1, 2, 3].map((i) => request({ id: `inc/${i}:opened:Hoàn Kiếm`, receiver: 'hook' }));
  const toOps = request({ id: 'inc/4:opened', receiver: 'ops' });

  const nc1 = await open();
  const attempts1: DeliveryAttempt[] = [];
  const first = dispatcherOn(nc1, await KvOutbox.open(nc1.jetstream(), { bucket: 'notify-restart' }), attempts1);
  await first.start();
  await first.enqueue([...toHook, toOps]);
  await waitFor(() => attempts1.some((a) => a.receiver === 'ops' && a.ok) && attempts1.some((a) => a.receiver === 'hook' && !a.ok), 'ops delivered and hook failing');
  await first.stop();
  await nc1.close();

  const nc2 = await open();
  const outbox = await KvOutbox.open(nc2.jetstream(), { bucket: 'notify-restart' });
  const pending = await outbox.pending();
  expect(pending.map((p) => p.request.id)).toEqual(toHook.map((r) => r.id));
  // Only the head of a receiver's queue is attempted; its failures were recorded.
  expect(pending.map((p) => p.attempts > 0)).toEqual([true, false, false]);

  await hook.up();
  const attempts2: DeliveryAttempt[] = [];
  const second = dispatcherOn(nc2, outbox, attempts2);
  await second.start();
  await second.idle();
  expect(hook.requests.map((r) => r.payload.id)).toEqual(toHook.map((r) => r.id));
  // Header values cannot carry `ế`: the key is the id percent-encoded.
  expect(hook.requests.map((r) => decodeURIComponent(String(r.headers['idempotency-key'])))).toEqual(toHook.map((r) => r.id));
  expect(await outbox.pending()).toEqual([]);
  // The attempt count carried over the restart.
  expect(attempts2[0]!.attempt).toBe(pending[0]!.attempts + 1);

  // A replay after a crash: nothing is sent again.
  for (const r of [...toHook, toOps]) expect(await outbox.add(r)).toBe(false);
  await second.enqueue([...toHook, toOps]);
  await second.idle();
  expect(hook.requests.length).toBe(3);
  const stream = await (await nc2.jetstreamManager()).streams.info('NOTIFY');
  expect(stream.state.messages).toBe(1);
  const msg = await (await nc2.jetstreamManager()).streams.getMessage('NOTIFY', { last_by_subj: 'ioc.notifications.ops' });
  expect(msg.json<{ id: string }>().id).toBe(toOps.id);
  await second.stop();
});

it('forgets delivered ids after the retention but never a pending one', async () => {
  let now = 1_000_000;
  const nc = await open();
  const outbox = await KvOutbox.open(nc.jetstream(), { bucket: 'notify-prune', retentionMs: 1000, now: () => now });
  const done = request({ receiver: 'hook' });
  const waiting = request({ receiver: 'hook' });
  expect(await outbox.add(done)).toBe(true);
  expect(await outbox.add(waiting)).toBe(true);
  await outbox.delivered(done.id);
  expect(await outbox.prune()).toBe(0);
  expect(await outbox.add(done)).toBe(false);

  now += 1001;
  expect(await outbox.prune()).toBe(1);
  expect((await outbox.pending()).map((p) => p.request.id)).toEqual([waiting.id]);
  expect(await outbox.add(done)).toBe(true);
  expect(await outbox.add(waiting)).toBe(false);
});

it('two engine processes share the outbox: each notification is sent once, and a dead one\'s are taken over', async () => {
  const hook2 = await testReceiver({ down: true });
  try {
    const start = async (name: string, bucket: string) => {
      const nc = await open();
      const d = new NotificationDispatcher({
        receivers: [receiverSchema.parse({ name: 'hook', webhook: { url: hook2.url, timeoutMs: 2000 } })],
        outbox: await KvOutbox.open(nc.jetstream(), { bucket }),
        publish: async () => undefined,
        backoff: { initialMs: 20, maxMs: 200 },
        log: silentLogger(),
        rescanEveryMs: 200,
        owner: name,
      });
      await d.start();
      return d;
    };
    const old = Date.now() - 60_000; // decided a minute ago: stale at once, so both processes go after them
    const received = () => hook2.requests.map((r) => r.payload.id);

    // Both processes attempt the same 30 notifications while the receiver is down, then it comes up.
    const a = await start('engine-a', 'notify-shared');
    const b = await start('engine-b', 'notify-shared');
    const shared = Array.from({ length: 30 }, (_, i) => request({ id: `shared-${i}`, receiver: 'hook', createdAt: old + i }));
    await a.enqueue(shared);
    await new Promise((r) => setTimeout(r, 1000));
    await hook2.up();
    await waitFor(async () => (await (await KvOutbox.open((await open()).jetstream(), { bucket: 'notify-shared' })).pending()).length === 0, 'the outbox emptied', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(received().sort()).toEqual(shared.map((r) => r.id).sort());
    await Promise.all([a.stop(), b.stop()]);

    // A process dies with notifications undelivered: the survivor sends each of them, once.
    await hook2.down();
    hook2.requests.length = 0;
    const dying = await start('engine-c', 'notify-takeover');
    const survivor = await start('engine-d', 'notify-takeover');
    const left = Array.from({ length: 10 }, (_, i) => request({ id: `left-${i}`, receiver: 'hook', createdAt: old + i }));
    await dying.enqueue(left);
    await dying.stop();
    await hook2.up();
    await waitFor(() => received().length >= 10, 'the survivor delivered what the dead process left', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(received()).toEqual(left.map((r) => r.id));
    await survivor.stop();
  } finally {
    await hook2.down();
  }
}, 90_000);
