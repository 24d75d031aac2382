import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryAttempt } from '../incidents/model.ts';
import { silentLogger } from '../log/index.ts';
import { NotificationDispatcher, type DispatcherOptions } from './dispatcher.ts';
import { MemoryOutbox } from './outbox.ts';
import { receiverSchema, type ReceiverInput } from './receiver-schema.ts';
import { verifySignature } from './signature.ts';
import { request, testReceiver, waitFor, type TestReceiver } from './test-kit.ts';

const backoff = { initialMs: 20, maxMs: 200 };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function webhook(name: string, r: TestReceiver, extra: Partial<ReceiverInput> = {}): ReceiverInput {
  return { name, webhook: { url: r.url, timeoutMs: 60_000 }, ...extra };
}

async function dispatcher(receivers: ReceiverInput[], opts: Partial<DispatcherOptions> = {}) {
  const attempts: DeliveryAttempt[] = [];
  const outbox = new MemoryOutbox();
  const d = new NotificationDispatcher({
    receivers: receivers.map((r) => receiverSchema.parse(r)),
    outbox,
    publish: async () => undefined,
    backoff,
    onAttempt: (a) => attempts.push(a),
    log: silentLogger(),
    ...opts,
  });
  await d.start();
  cleanup.push(() => d.stop());
  return { d, attempts, outbox };
}

async function receiver(opts: { down?: boolean } = {}) {
  const r = await testReceiver(opts);
  cleanup.push(() => r.down());
  return r;
}

/** A logger whose error lines are collected. */
function capturingLogger() {
  const errors: Record<string, unknown>[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, errors };
}

describe('NotificationDispatcher, webhook', () => {
  it('delivers everything exactly once and in order to a receiver that was down and comes up', async () => {
    const r = await receiver({ down: true });
    const { d, attempts, outbox } = await dispatcher([webhook('hook', r)]);
    const reqs = [1, 2, 3, 4, 5].map(() => request({ receiver: 'hook' }));
    // Enqueued out of order: delivery follows createdAt, not arrival.
    await d.enqueue([reqs[2]!, reqs[0]!, reqs[4]!]);
    await d.enqueue([reqs[1]!, reqs[3]!]);
    expect((await outbox.pending()).length).toBe(5);
    await waitFor(() => attempts.filter((a) => !a.ok).length >= 3, 'three failed attempts');

    await r.up();
    await waitFor(() => r.requests.length >= 5, 'five requests');
    await d.idle();

    const keys = r.requests.map((q) => q.headers['idempotency-key']);
    expect(keys).toEqual(reqs.map((q) => q.id));
    expect(new Set(keys).size).toBe(5);
    expect(r.requests.length).toBe(5);
    const failed = attempts.filter((a) => !a.ok);
    expect(failed.every((a) => a.notificationId === reqs[0]!.id && /ECONNREFUSED/.test(a.detail))).toBe(true);
    expect(failed.map((a) => a.attempt)).toEqual(failed.map((_, i) => i + 1));
    expect(attempts.filter((a) => a.ok).map((a) => a.notificationId)).toEqual(reqs.map((q) => q.id));
    expect(await outbox.pending()).toEqual([]);
  });

  it('keeps at most maxQueuePerReceiver waiting for a receiver that is down, dropping the oldest with a reason', async () => {
    const r = await receiver({ down: true });
    const { d, attempts, outbox } = await dispatcher([webhook('hook', r)], { maxQueuePerReceiver: 3 });
    const reqs = [1, 2, 3, 4, 5, 6].map(() => request({ receiver: 'hook' }));
    await d.enqueue(reqs);
    // Six for a queue of three: the three oldest dropped, each recorded with the reason.
    const dropped = attempts.filter((a) => a.detail.startsWith('dropped:')).map((a) => a.notificationId);
    expect(dropped).toEqual([reqs[0]!.id, reqs[1]!.id, reqs[2]!.id]);
    expect(attempts.find((a) => a.detail.startsWith('dropped:'))!.detail).toContain('more than 3 notifications waiting');
    await waitFor(async () => (await outbox.pending()).length === 3, 'three left in the outbox');
    // The receiver is down: the oldest kept one is tried and retried; once it is up, the three kept arrive in order.
    await waitFor(() => attempts.some((a) => !a.ok && a.notificationId === reqs[3]!.id && !a.detail.startsWith('dropped')), 'the head was attempted');
    await r.up();
    await waitFor(() => r.requests.length >= 3, 'three requests');
    await d.idle();
    expect(r.requests.map((q) => q.headers['idempotency-key'])).toEqual([reqs[3]!.id, reqs[4]!.id, reqs[5]!.id]);
  });

  it('retries 503 until a 200, and drops a 400 after one attempt with an error naming status and receiver', async () => {
    const r = await receiver();
    const answers = new Map<string, number[]>();
    r.respond = (q) => answers.get(q.payload.id)?.shift() ?? 200;
    const { log, errors } = capturingLogger();
    const { d, attempts, outbox } = await dispatcher([webhook('hook', r)], { log });
    const flaky = request();
    const bad = request();
    const after = request();
    answers.set(flaky.id, [503, 503, 200]);
    answers.set(bad.id, [400]);

    await d.enqueue([flaky, bad, after]);
    await d.idle();

    expect(r.requests.map((q) => q.payload.id)).toEqual([flaky.id, flaky.id, flaky.id, bad.id, after.id]);
    expect(attempts.map((a) => [a.notificationId, a.attempt, a.ok, a.detail])).toEqual([
      [flaky.id, 1, false, 'HTTP 503'],
      [flaky.id, 2, false, 'HTTP 503'],
      [flaky.id, 3, true, 'HTTP 200'],
      [bad.id, 1, false, 'HTTP 400'],
      [after.id, 1, true, 'HTTP 200'],
    ]);
    expect(errors).toEqual([expect.objectContaining({ receiver: 'hook', notification: bad.id, detail: 'HTTP 400' })]);
    expect(await outbox.pending()).toEqual([]);
    // Neither comes back when incident management replays its decisions.
    await d.enqueue([flaky, bad]);
    await d.idle();
    expect(r.requests.length).toBe(5);
  });

  it('signs with the secret from the environment and sends the documented request', async () => {
    const r = await receiver();
    const { d } = await dispatcher([webhook('hook', r, { webhook: { url: r.url, secretEnv: 'HOOK_SECRET' }, locale: 'vi' })], { env: { HOOK_SECRET: 's3cret' } });
    const req = request({ vars: { type: 'flood', title_vi: 'Ngập tại Hoàn Kiếm', title_en: 'Flooding', severity: 'major', zones: 'hoan-kiem' } });
    await d.enqueue([req]);
    await d.idle();

    const [got] = r.requests;
    const signed = { body: got!.raw, timestamp: String(got!.headers['x-ioc-timestamp']), signature: String(got!.headers['x-ioc-signature']) };
    expect(verifySignature(signed, 's3cret')).toBe(true);
    expect(verifySignature(signed, 'another-secret')).toBe(false);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['x-ioc-delivery']).toBe(req.id);
    expect(got!.payload).toEqual({
      id: req.id,
      receiver: 'hook',
      reason: 'opened',
      incidentId: req.incidentId,
      title: 'Sự cố mới [major]: Ngập tại Hoàn Kiếm',
      body: expect.stringContaining('Khu vực: hoan-kiem'),
      vars: req.vars,
      createdAt: req.createdAt,
    });
    expect(got!.payload.body).not.toContain('Phụ trách');
  });

  it('refuses to start without the secret it names', () => {
    const make = () => new NotificationDispatcher({ receivers: [receiverSchema.parse({ name: 'h', webhook: { url: 'http://127.0.0.1:1/', secretEnv: 'NO_SUCH_SECRET' } })], outbox: new MemoryOutbox(), publish: async () => undefined, log: silentLogger(), env: {} });
    expect(make).toThrow(/NO_SUCH_SECRET/);
  });

  it('keeps delivering to one receiver while another hangs', async () => {
    const slow = await receiver();
    slow.respond = () => 'hang';
    const fast = await receiver();
    const { d } = await dispatcher([webhook('slow', slow), webhook('fast', fast)]);
    const toSlow = [request({ receiver: 'slow' }), request({ receiver: 'slow' })];
    const toFast = [request({ receiver: 'fast' }), request({ receiver: 'fast' }), request({ receiver: 'fast' })];
    await d.enqueue([...toSlow, ...toFast]);

    await waitFor(() => fast.requests.length === 3, 'all three at the fast receiver');
    expect(slow.requests.length).toBe(1);
    slow.respond = () => 200;
    slow.release();
    await d.idle();
    expect(slow.requests.map((q) => q.payload.id)).toEqual(toSlow.map((q) => q.id));
  });
});

describe('NotificationDispatcher, outbox outage', () => {
  /** An outbox that cannot record deliveries for its first `failures` tries (NATS restarting). */
  class FlakyOutbox extends MemoryOutbox {
    calls = 0;
    constructor(private failures: number) {
      super();
    }
    override async delivered(id: string): Promise<void> {
      this.calls++;
      if (this.failures-- > 0) throw new Error('notification outbox: cannot record it: TIMEOUT');
      return super.delivered(id);
    }
  }

  it('records a delivery once the outbox is back, so a restart does not send it again', async () => {
    const r = await receiver();
    const outbox = new FlakyOutbox(2);
    const { d } = await dispatcher([webhook('hook', r)], { outbox });
    const req = request({ receiver: 'hook' });
    await d.enqueue([req]);
    await d.idle();
    expect(outbox.calls).toBe(3);
    expect(await outbox.pending()).toEqual([]);
    // The next engine on the same outbox has nothing to send.
    const next = new NotificationDispatcher({ receivers: [receiverSchema.parse(webhook('hook', r))], outbox, publish: async () => undefined, backoff, log: silentLogger() });
    await next.start();
    cleanup.push(() => next.stop());
    await next.enqueue([req]);
    await next.idle();
    expect(r.requests.map((q) => q.payload.id)).toEqual([req.id]);
  });
});

describe('NotificationDispatcher, NATS and unknown receivers', () => {
  it('publishes with the id as message id, retrying a rejected publish, with both languages', async () => {
    const published: { subject: string; payload: { title: unknown }; msgId: string }[] = [];
    let failures = 1;
    const { d, attempts } = await dispatcher([{ name: 'ops', nats: { subject: 'ioc.notifications.ops' } }], {
      publish: async (subject, data, msgId) => {
        if (failures-- > 0) throw new Error('no responders');
        published.push({ subject, payload: JSON.parse(new TextDecoder().decode(data)) as { title: unknown }, msgId });
      },
    });
    const req = request({ receiver: 'ops', reason: 'resolved' });
    await d.enqueue([req]);
    await d.idle();
    expect(published).toEqual([{ subject: 'ioc.notifications.ops', msgId: req.id, payload: expect.objectContaining({ title: { vi: 'Đã xử lý xong: Ngập tại Hoàn Kiếm', en: 'Resolved: Flooding in Hoan Kiem' } }) }]);
    expect(attempts.map((a) => [a.ok, a.detail])).toEqual([
      [false, 'publish failed: no responders'],
      [true, 'published'],
    ]);
  });

  it('records a failed attempt for an unknown receiver and drops it without throwing', async () => {
    const { log, errors } = capturingLogger();
    const { d, attempts, outbox } = await dispatcher([{ name: 'ops', nats: { subject: 'a' } }], { log });
    const req = request({ receiver: 'nobody' });
    await expect(d.enqueue([req])).resolves.toBeUndefined();
    await d.idle();
    expect(attempts).toEqual([expect.objectContaining({ notificationId: req.id, ok: false, detail: 'unknown receiver "nobody"; known: ops' })]);
    expect(errors.length).toBe(1);
    expect(await outbox.pending()).toEqual([]);
  });
});

describe('NotificationDispatcher, reload', () => {
  it('puts new receiver settings in force: a moved webhook gets what was waiting, a removed receiver’s notifications are dropped and recorded', async () => {
    const oldHook = await receiver({ down: true });
    const newHook = await receiver();
    const { d, attempts, outbox } = await dispatcher([webhook('hook', oldHook), { name: 'gone', nats: { subject: 'x' } }], { publish: () => Promise.reject(new Error('no NATS')) });
    await d.enqueue([request({ receiver: 'hook' }), request({ receiver: 'gone' })]);
    await waitFor(() => attempts.some((a) => a.receiver === 'hook' && !a.ok), 'a failed attempt at the old address');
    await d.setReceivers([webhook('hook', newHook)].map((r) => receiverSchema.parse(r)));
    await waitFor(() => newHook.requests.length === 1, 'delivery to the new address');
    await d.idle();
    expect(attempts.some((a) => a.receiver === 'gone' && !a.ok && /unknown receiver/.test(a.detail))).toBe(true);
    expect(await outbox.pending()).toEqual([]);
  });

  it('refuses settings it cannot use and keeps the old ones', async () => {
    const hook = await receiver();
    const { d } = await dispatcher([webhook('hook', hook)], { env: {} });
    await expect(d.setReceivers([receiverSchema.parse({ name: 'signed', webhook: { url: hook.url, secretEnv: 'NOPE_SECRET' } })])).rejects.toThrow(/NOPE_SECRET/);
    await d.enqueue([request({ receiver: 'hook' })]);
    await waitFor(() => hook.requests.length === 1, 'delivery with the old settings');
  });
});
