// API limits on a real engine (private nats-server and clickhouse-server),
// over native gRPC and gRPC-web alike: the per-principal ingest rate (one
// principal's flood refuses only that principal, with a retry hint), message
// and batch sizes, and the unary deadline (server maximum and the client's own).
// Everything accepted before a refusal ends up in ClickHouse.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { ioc } from '../protos/gen/ioc.js';
import { IngestService, QueryService } from '../protos/gen/services.ts';
import { grpcClients, queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine;
const runId = Date.now().toString(36);

/** Every event id an engine answer counted as accepted; all must be stored once. */
const accepted: string[] = [];
/** Event ids of refused requests; none may be stored. */
const refused: string[] = [];

const MAX_MESSAGE_BYTES = 256 * 1024;
const CALL_TIMEOUT_MS = 1500;

beforeAll(async () => {
  stack = await startStack();
  engine = await startTestEngine(stack, {
    IOC_AUTH_MODE: 'off', // principals are named by x-ioc-user
    // Two flooders with 20 events of burst and a 1 event/s refill; everyone else the (roomy) default.
    IOC_LIMITS_INGEST_PER_PRINCIPAL: 'flood-native=1:20, flood-web=1:20',
    IOC_LIMITS_MAX_BATCH_EVENTS: '10',
    IOC_LIMITS_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    IOC_LIMITS_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
  });
}, 180_000);

afterAll(async () => {
  await engine?.stop();
  await stack?.destroy();
});

let seq = 0;
function events(source: string, n: number, extra: Partial<ioc.v1.IEvent> = {}): ioc.v1.IEvent[] {
  return Array.from({ length: n }, () => ({ id: `${runId}-${source}-${seq++}`, type: 'water.level', source, time: Date.now(), value: 1.2, unit: 'm', zone: 'hoan-kiem', ...extra }));
}
const ids = (requests: ioc.v1.IPublishRequest[]) => requests.flatMap((r) => (r.event ? [r.event] : (r.batch?.events ?? []))).map((e) => e.id!);

interface Outcome {
  code: number;
  message: string;
  retryAfterMs: string | undefined;
  response?: ioc.v1.PublishResponse;
}

/** Ingest/Publish over native gRPC as `user`. */
function publishNative(user: string, requests: ioc.v1.IPublishRequest[]): Promise<Outcome> {
  const { ingest } = grpcClients(engine.grpcPort);
  const md = new grpc.Metadata();
  md.set('x-ioc-user', user);
  return new Promise((resolve) => {
    const client = ingest as unknown as { publish(md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: ioc.v1.PublishResponse) => void): grpc.ClientWritableStream<ioc.v1.IPublishRequest> };
    const call = client.publish(md, (err, res) => {
      (ingest as grpc.Client).close();
      if (err) resolve({ code: err.code, message: err.details, retryAfterMs: err.metadata?.get('retry-after-ms')[0]?.toString() });
      else resolve({ code: 0, message: '', retryAfterMs: undefined, response: res! });
    });
    call.on('error', () => undefined);
    for (const r of requests) call.write(ioc.v1.PublishRequest.create(r));
    call.end();
  });
}

function frame(bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

/** A gRPC-web call with a raw fetch: any number of request messages in one body; the status from headers or the trailers frame. */
async function webCall(path: string, messages: Uint8Array[], headers: Record<string, string> = {}): Promise<{ code: number; message: string; retryAfterMs: string | undefined; payloads: Buffer[] }> {
  const res = await fetch(`http://127.0.0.1:${engine.httpPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', ...headers },
    body: Buffer.concat(messages.map(frame)),
  });
  expect(res.status).toBe(200);
  const body = Buffer.from(await res.arrayBuffer());
  const trailers = new Map<string, string>();
  for (const [k, v] of res.headers) trailers.set(k, v);
  const payloads: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const flags = body[at]!;
    const length = body.readUInt32BE(at + 1);
    const payload = body.subarray(at + 5, at + 5 + length);
    if (flags & 0x80) {
      for (const line of payload.toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    } else payloads.push(payload);
    at += 5 + length;
  }
  return {
    code: Number(trailers.get('grpc-status')),
    message: decodeURIComponent(trailers.get('grpc-message') ?? ''),
    retryAfterMs: trailers.get('retry-after-ms'),
    payloads,
  };
}

/** Ingest/Publish over gRPC-web as `user`: the request messages are the frames of one body. */
async function publishWeb(user: string, requests: ioc.v1.IPublishRequest[]): Promise<Outcome> {
  const r = await webCall(IngestService.publish.path, requests.map((q) => ioc.v1.PublishRequest.encode(ioc.v1.PublishRequest.create(q)).finish()), { 'x-ioc-user': user });
  return { code: r.code, message: r.message, retryAfterMs: r.retryAfterMs, ...(r.code === 0 ? { response: ioc.v1.PublishResponse.decode(r.payloads[0]!) } : {}) };
}

const transports = [
  { name: 'native gRPC', publish: publishNative, flooder: 'flood-native' },
  { name: 'gRPC-web', publish: publishWeb, flooder: 'flood-web' },
] as const;

describe.each(transports)('ingest limits over $name', ({ name, publish, flooder }) => {
  it('refuses a principal over its rate with RESOURCE_EXHAUSTED and a retry hint, while another principal is still accepted', async () => {
    // The whole burst (20 events), then 5 more in the same call: the bucket refills
    // 1 event/s, so the fifth batch would have to wait seconds and is refused.
    const burst = [0, 1, 2, 3].map(() => ({ batch: { events: events(flooder, 5) } }));
    const over = { batch: { events: events(flooder, 5) } };
    const r = await publish(flooder, [...burst, over]);
    expect(r.code, `${name}: ${r.message}`).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(r.message).toMatch(new RegExp(`^${flooder} is over its ingest rate of 1 events/s with bursts of 20; retry in \\d+ ms`));
    expect(r.message).toContain('this call had 20 events accepted and 0 rejected');
    const hint = Number(r.retryAfterMs);
    expect(hint).toBeGreaterThan(0);
    expect(hint).toBeLessThanOrEqual(5000);
    expect(r.message).toContain(`retry in ${hint} ms`);
    accepted.push(...ids(burst));
    refused.push(...ids([over]));

    // A new call from the same principal is refused at once too.
    const retry = [{ batch: { events: events(flooder, 5) } }];
    const again = await publish(flooder, retry);
    expect(again.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(Number(again.retryAfterMs)).toBeGreaterThan(0);
    refused.push(...ids(retry));

    // Someone else is not slowed or refused by the flood.
    const calm = [{ batch: { events: events(`calm-${name}`, 10) } }, { batch: { events: events(`calm-${name}`, 10) } }];
    expect(await publish('calm', calm)).toMatchObject({ code: 0, response: { accepted: 20 } });
    accepted.push(...ids(calm));
  });

  it('refuses a batch over limits.maxBatchEvents, without a retry hint, and keeps serving', async () => {
    const big = [{ batch: { events: events(`batch-${name}`, 11) } }];
    const r = await publish('batcher', big);
    expect(r).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, retryAfterMs: undefined });
    expect(r.message).toMatch(/^a batch of 11 events is over the limit of 10 \(limits\.maxBatchEvents\); send smaller batches/);
    refused.push(...ids(big));
    const ok = [{ batch: { events: events(`batch-${name}`, 10) } }];
    expect(await publish('batcher', ok)).toMatchObject({ code: 0, response: { accepted: 10 } });
    accepted.push(...ids(ok));
  });

  it('refuses a message over limits.maxMessageBytes with RESOURCE_EXHAUSTED, and keeps serving', async () => {
    const huge = [{ event: events(`size-${name}`, 1, { attrs: { blob: 'x'.repeat(MAX_MESSAGE_BYTES + 1000) } })[0]! }];
    const r = await publish('sizer', huge);
    expect(r.code, r.message).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // grpc-js words it its own way; the bridge names the limit the same way.
    expect(r.message).toMatch(name === 'native gRPC' ? /larger than max \(\d+ vs 262144\)/ : /frame of \d+ bytes is over the limit of 262144 bytes/);
    refused.push(...ids(huge));
    const ok = [{ event: events(`size-${name}`, 1)[0]! }];
    expect(await publish('sizer', ok)).toMatchObject({ code: 0, response: { accepted: 1 } });
    accepted.push(...ids(ok));
  });
});

describe('what was accepted', () => {
  it('is in ClickHouse exactly once, and nothing refused is', async () => {
    const list = (xs: string[]) => xs.map((i) => `'${i}'`).join(',');
    const stored = async (xs: string[]) =>
      new Map((await queryRows<{ id: string; n: string }>(stack.ch, `SELECT id, count() AS n FROM ioc_test.events FINAL WHERE id IN (${list(xs)}) GROUP BY id`)).map((r) => [r.id, Number(r.n)]));
    expect(accepted.length).toBe(2 * (20 + 20 + 10 + 1));
    await waitUntil(async () => (await stored(accepted)).size === accepted.length, 60_000, () => `${accepted.length} accepted events in ClickHouse`);
    expect([...(await stored(accepted)).values()].every((n) => n === 1)).toBe(true);
    expect(await stored(refused)).toEqual(new Map());
  });
});

/** The pid of the stack's private clickhouse-server, found by its config file. */
function clickhousePid(): number {
  const marker = `--config-file=${join(stack.clickhouse.dir, 'config.xml')}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(marker)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  throw new Error(`no process runs with ${marker}`);
}

describe('unary deadlines', () => {
  const top = () => ioc.v1.TopRequest.create({ by: ioc.v1.TopBy.TOP_BY_ZONE, type: 'water.level', metric: ioc.v1.TopMetric.TOP_METRIC_COUNT, from: Date.now() - 3_600_000, to: Date.now(), limit: 5 });
  const Query = grpc.makeGenericClientConstructor(QueryService as unknown as grpc.ServiceDefinition, 'Query');
  function topNative(deadlineMs?: number): Promise<{ code: number; message: string }> {
    const client = new Query(`127.0.0.1:${engine.grpcPort}`, grpc.credentials.createInsecure());
    const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
    return new Promise((resolve) => {
      (client as unknown as Record<string, (req: unknown, md: grpc.Metadata, o: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void) => void>).top!.call(client, top(), new grpc.Metadata(), options, (err) => {
        client.close();
        resolve(err ? { code: err.code, message: err.details } : { code: 0, message: '' });
      });
    });
  }
  const topWeb = (headers: Record<string, string> = {}) => webCall(QueryService.top.path, [ioc.v1.TopRequest.encode(top()).finish()], headers);

  it('ends a unary call that runs past limits.callTimeoutMs, or past the client\'s shorter grpc-timeout, with DEADLINE_EXCEEDED', async () => {
    // Before: the query answers.
    expect(await topNative()).toEqual({ code: 0, message: '' });
    expect((await topWeb()).code).toBe(0);
    // A stopped ClickHouse accepts connections and never answers: every query hangs.
    const pid = clickhousePid();
    process.kill(pid, 'SIGSTOP');
    try {
      const [native, web, webClient, nativeClient] = await Promise.all([topNative(), topWeb(), topWeb({ 'grpc-timeout': '300m' }), topNative(300)]);
      expect(native).toEqual({ code: grpc.status.DEADLINE_EXCEEDED, message: `the call ran past the server's limit of ${CALL_TIMEOUT_MS} ms (limits.callTimeoutMs)` });
      expect(web).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED, message: `the call ran past the server's limit of ${CALL_TIMEOUT_MS} ms (limits.callTimeoutMs)` });
      expect(webClient).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED, message: 'deadline of 300 ms exceeded' });
      expect(nativeClient.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // After: the engine still serves.
    await waitUntil(async () => (await topNative()).code === 0, 60_000, () => 'Query/Top answering again');
    expect((await topWeb()).code).toBe(0);
    expect(engine.readiness().ready).toBe(true);
  });
});

describe('connection limits', () => {
  it('refuses HTTP connections past limits.maxConnections at once, and serves again when one closes', async () => {
    const capped = await startTestEngine(stack, { IOC_LIMITS_MAX_CONNECTIONS: '3', IOC_HTTP_PORT: '0', IOC_GRPC_PORT: '0' });
    const { connect } = await import('node:net');
    const open = () => new Promise<import('node:net').Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: capped.httpPort }, () => resolve(s));
      s.on('error', reject);
    });
    /** One request on a fresh connection: the status, or 'refused' when the server closed it unanswered. */
    const probe = () => new Promise<number | 'refused'>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: capped.httpPort }, () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(/^HTTP\/1\.1 (\d+)/.exec(data) ? Number(/^HTTP\/1\.1 (\d+)/.exec(data)![1]) : 'refused'));
      s.on('error', () => undefined);
    });
    try {
      expect(await probe()).toBe(200);
      const held = [await open(), await open(), await open()];
      await new Promise((r) => setTimeout(r, 100));
      expect(await probe()).toBe('refused');
      held[0]!.destroy();
      await waitUntil(async () => (await probe()) === 200, 10_000, () => 'a connection freed');
      for (const s of held) s.destroy();
    } finally {
      await capped.stop(500);
    }
  });
});
