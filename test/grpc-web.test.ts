// The gRPC-web bridge on a real node:http server, called by clients we did not
// write: nice-grpc-web over fetch (binary mode) and Google's grpc-web over an
// XMLHttpRequest polyfill (text mode), plus raw requests for malformed input.

import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GrpcWebClientBase, MethodDescriptor, RpcError, StatusCode } from 'grpc-web';
import { ClientError, createChannel, createClient, Metadata, Status } from 'nice-grpc-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcWebHandler, methodsOf, type CallOutcome, type StartTimer, type WireMethod } from '../engine/api/grpc-web.ts';
import type { CallContext, HandlerTable, MethodHandler } from '../engine/api/handlers.ts';
import { InvalidArgumentError, IocError, ResourceExhaustedError } from '../engine/errors/index.ts';
import { ioc } from '../protos/gen/ioc.js';
import { allServices, AlertsService, IngestService } from '../protos/gen/services.ts';

/** A unary method for the tests only: the protos have none yet. It echoes an Alert. */
const echo = {
  path: '/test.v1.Echo/Echo',
  requestStream: false as const,
  responseStream: false as const,
  requestSerialize: (value: ioc.v1.IAlert) => ioc.v1.Alert.encode(value).finish(),
  requestDeserialize: (bytes: Uint8Array) => ioc.v1.Alert.decode(bytes),
  responseSerialize: (value: ioc.v1.IAlert) => ioc.v1.Alert.encode(value).finish(),
  responseDeserialize: (bytes: Uint8Array) => ioc.v1.Alert.decode(bytes),
  options: {},
};
const EchoService = { echo };
/** nice-grpc-web reads the stream kinds from literal types, which the generated definitions widen to boolean. */
const AlertsClientDefinition = { subscribe: { ...AlertsService.subscribe, requestStream: false as const, responseStream: true as const, options: {} } };

class NotFoundForTest extends IocError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/** What a scripted handler saw, per test (keyed by the id the test sends). */
interface Probe {
  aborted: Promise<unknown>;
  closed: Promise<void>;
  yielded: number;
  resolveAborted(reason: unknown): void;
  resolveClosed(): void;
}
const probes = new Map<string, Probe>();
function probe(id: string): Probe {
  let p = probes.get(id);
  if (p === undefined) {
    let resolveAborted: (reason: unknown) => void = () => {};
    let resolveClosed: () => void = () => {};
    const aborted = new Promise<unknown>((r) => { resolveAborted = r; });
    const closed = new Promise<void>((r) => { resolveClosed = r; });
    p = { aborted, closed, yielded: 0, resolveAborted, resolveClosed };
    probes.set(id, p);
  }
  return p;
}
function watch(id: string, ctx: CallContext): Probe {
  const p = probe(id);
  if (ctx.signal.aborted) p.resolveAborted(ctx.signal.reason);
  ctx.signal.addEventListener('abort', () => p.resolveAborted(ctx.signal.reason), { once: true });
  return p;
}
const untilAborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

let received = { bytes: 0 };
const BIG = 256 * 1024;

function alert(i: number, message = `Mực nước ${i} m`): ioc.v1.IAlert {
  return {
    fingerprint: `fp-${i}`, rule: 'flood.water-level-critical', key: `sensor-${i}`,
    state: ioc.v1.AlertState.FIRING, severity: ioc.v1.Severity.CRITICAL,
    title: { vi: 'Mực nước nguy hiểm', en: 'Critical water level' }, message: { vi: message, en: `Water level ${i} m` },
    zone: 'hoan-kiem', source: `sensor-${i}`, value: 2.5 + i, startsAt: 1_700_000_000_000 + i,
  };
}

async function* subscribe(request: unknown, ctx: CallContext): AsyncIterable<ioc.v1.IAlert> {
  const [scenario = '', id = ''] = (request as ioc.v1.SubscribeRequest).zones;
  const p = watch(id, ctx);
  try {
    switch (scenario) {
      case 'three':
        for (let i = 0; i < 3; i++) yield alert(i);
        return;
      case 'big':
        // 200 × 256 KiB = 50 MiB: far more than loopback socket buffers hold.
        for (let i = 0; i < 200; i++) {
          // With backpressure the bridge asks for the next message only once the last one fit in the socket.
          expect(i * BIG - received.bytes).toBeLessThan(24 * 1024 * 1024);
          p.yielded++;
          yield alert(i, 'x'.repeat(BIG));
        }
        return;
      case 'fail-first':
        throw new ResourceExhaustedError('quá nhiều thuê bao: 100% (too many subscribers)');
      case 'fail-after-one':
        yield alert(0);
        throw new InvalidArgumentError('vùng không hợp lệ: "hoan kiem"');
      case 'crash-after-one':
        yield alert(0);
        throw new TypeError('boom');
      case 'forever':
        yield alert(0);
        await untilAborted(ctx.signal);
        return;
      default:
        throw new NotFoundForTest(`no scenario "${scenario}"`);
    }
  } finally {
    p.resolveClosed();
  }
}

const handlers: HandlerTable = new Map<string, MethodHandler>([
  [echo.path, {
    kind: 'unary',
    handle: async (request, ctx) => {
      const a = request as ioc.v1.Alert;
      if (a.rule === 'hang') {
        watch(a.key, ctx);
        await untilAborted(ctx.signal);
        throw new Error('handler gave up after abort');
      }
      if (a.rule === 'fail') throw new NotFoundForTest(`không tìm thấy ${a.key}`);
      return { ...a, key: `${a.key}|${ctx.metadata['x-test'] ?? ''}` };
    },
  }],
  [AlertsService.subscribe.path, { kind: 'serverStream', handle: subscribe }],
  [IngestService.publish.path, { kind: 'clientStream', handle: async () => ({}) }],
]);
const methods: WireMethod[] = [...methodsOf(allServices), echo];

interface Served {
  url: string;
  outcomes: CallOutcome[];
  close(): Promise<void>;
}

async function serve(extra: { startTimer?: StartTimer; maxRequestBytes?: number } = {}): Promise<Served> {
  const outcomes: CallOutcome[] = [];
  const route = createGrpcWebHandler({
    handlers, methods, allowedOrigins: ['http://console.test'], onCallEnd: (o) => outcomes.push(o), ...extra,
  });
  const server = http.createServer((req, res) => {
    if (!route(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not gRPC-web\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    outcomes,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

let server: Served;
beforeAll(async () => { server = await serve(); });
afterAll(async () => { await server.close(); });

describe('nice-grpc-web (binary mode, fetch)', () => {
  const client = () => createClient(EchoService, createChannel(server.url));
  const alerts = () => createClient(AlertsClientDefinition, createChannel(server.url));

  it('makes a unary call and passes metadata to the handler', async () => {
    const reply = await client().echo(alert(7), { metadata: Metadata({ 'x-test': 'xin chao' }) });
    expect(reply.message?.vi).toBe('Mực nước 7 m');
    expect(reply.key).toBe('sensor-7|xin chao');
    expect(reply.startsAt).toBe(1700000000007);
  });

  it('streams every message of a server stream, then OK', async () => {
    const got: ioc.v1.Alert[] = [];
    for await (const a of alerts().subscribe(sub(['three', 'three-1']))) got.push(a);
    expect(got.map((a) => a.fingerprint)).toEqual(['fp-0', 'fp-1', 'fp-2']);
    expect(got[2]?.value).toBe(4.5);
  });

  it('waits for the client instead of buffering a large stream', async () => {
    received = { bytes: 0 };
    const response = await fetch(`${server.url}${AlertsService.subscribe.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: new Uint8Array(frame(0, ioc.v1.SubscribeRequest.encode({ zones: ['big', 'big-1'] }).finish())),
    });
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received.bytes += value.length;
    }
    expect(probe('big-1').yielded).toBe(200);
    expect(received.bytes).toBeGreaterThan(200 * BIG);
    expect(server.outcomes.find((o) => o.messages === 200)?.code).toBe(Status.OK);
  });

  it('reports a handler error before any message as a trailers-only response', async () => {
    const error = await collect(alerts().subscribe(sub(['fail-first', 'ff-1']))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: Status.RESOURCE_EXHAUSTED, details: 'quá nhiều thuê bao: 100% (too many subscribers)' });
  });

  it('reports a handler error after messages in the trailers frame', async () => {
    const got: string[] = [];
    const error = await (async () => {
      for await (const a of alerts().subscribe(sub(['fail-after-one', 'fa-1']))) got.push(a.fingerprint);
    })().catch((e: unknown) => e);
    expect(got).toEqual(['fp-0']);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT, details: 'vùng không hợp lệ: "hoan kiem"' });
  });

  it('maps unexpected errors to INTERNAL through toGrpcStatus', async () => {
    const error = await collect(alerts().subscribe(sub(['crash-after-one', 'c-1']))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Status.INTERNAL, details: 'internal error: boom' });
  });

  it('answers UNIMPLEMENTED for an unknown method', async () => {
    const unknown = { nope: { ...echo, path: '/ioc.v1.Nope/Nope' } };
    const error = await createClient(unknown, createChannel(server.url)).nope(alert(1)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Status.UNIMPLEMENTED, details: 'unknown method /ioc.v1.Nope/Nope' });
  });

  it('passes the grpc-timeout deadline to the handler as an abort', async () => {
    const error = await client().echo({ ...alert(1), rule: 'hang', key: 'deadline-1' }, { metadata: Metadata({ 'grpc-timeout': '50m' }) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Status.DEADLINE_EXCEEDED, details: 'deadline of 50 ms exceeded' });
    expect(await probe('deadline-1').aborted).toMatchObject({ code: Status.DEADLINE_EXCEEDED });
  });

  it('aborts the handler and closes its stream when the client cancels', async () => {
    const cancel = new AbortController();
    const stream = alerts().subscribe(sub(['forever', 'cancel-1']), { signal: cancel.signal })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.fingerprint).toBe('fp-0');
    cancel.abort();
    await expect(stream.next()).rejects.toThrow(/abort/i);
    expect(await probe('cancel-1').aborted).toMatchObject({ code: Status.CANCELLED });
    await probe('cancel-1').closed;
    await until(() => server.outcomes.some((o) => o.code === Status.CANCELLED && o.messages === 1));
  });
});

describe('deadline in virtual time', () => {
  it('ends a running stream with DEADLINE_EXCEEDED in its trailers when the timer fires', async () => {
    const timers: { ms: number; fire(): void; cancelled: boolean }[] = [];
    const startTimer: StartTimer = (ms, fire) => {
      const t = { ms, fire, cancelled: false };
      timers.push(t);
      return () => { t.cancelled = true; };
    };
    const own = await serve({ startTimer });
    try {
      const stream = createClient(AlertsClientDefinition, createChannel(own.url))
        .subscribe(sub(['forever', 'vt-1']), { metadata: Metadata({ 'grpc-timeout': '5S' }) })[Symbol.asyncIterator]();
      expect((await stream.next()).value?.fingerprint).toBe('fp-0');
      expect(timers.map((t) => t.ms)).toEqual([5000]);
      timers[0]!.fire();
      await expect(stream.next()).rejects.toMatchObject({ code: Status.DEADLINE_EXCEEDED });
      expect(await probe('vt-1').aborted).toMatchObject({ code: Status.DEADLINE_EXCEEDED });
      await probe('vt-1').closed;
    } finally {
      await own.close();
    }
  });

  it('cancels the timer when the call ends first', async () => {
    const timers: { cancelled: boolean }[] = [];
    const own = await serve({ startTimer: () => { const t = { cancelled: false }; timers.push(t); return () => { t.cancelled = true; }; } });
    try {
      await createClient(EchoService, createChannel(own.url)).echo(alert(2), { metadata: Metadata({ 'grpc-timeout': '1H' }) });
      expect(timers).toEqual([{ cancelled: true }]);
    } finally {
      await own.close();
    }
  });
});

describe("Google's grpc-web (text mode, XMLHttpRequest)", () => {
  beforeAll(async () => {
    // The client is written for browsers; xhr2 gives Node the XMLHttpRequest it expects.
    const { default: XMLHttpRequestPolyfill } = (await import('xhr2' as string)) as { default: unknown };
    Object.assign(globalThis, { XMLHttpRequest: XMLHttpRequestPolyfill });
  });
  afterAll(() => {
    Reflect.deleteProperty(globalThis, 'XMLHttpRequest');
  });

  const client = () => new GrpcWebClientBase({ format: 'text' });
  // The descriptor's type arguments are only read by code generated with protoc; the serializers do the work.
  const type = <T>(ctor: unknown) => ctor as new (...args: unknown[]) => T;
  const echoDescriptor = new MethodDescriptor(echo.path, 'unary', type<ioc.v1.IAlert>(ioc.v1.Alert), type<ioc.v1.Alert>(ioc.v1.Alert),
    echo.requestSerialize, echo.responseDeserialize);
  const subscribeDescriptor = new MethodDescriptor(AlertsService.subscribe.path, 'server_streaming',
    type<ioc.v1.ISubscribeRequest>(ioc.v1.SubscribeRequest), type<ioc.v1.Alert>(ioc.v1.Alert),
    (r: ioc.v1.ISubscribeRequest) => ioc.v1.SubscribeRequest.encode(r).finish(), AlertsService.subscribe.responseDeserialize);

  function stream(request: ioc.v1.ISubscribeRequest): Promise<{ messages: ioc.v1.Alert[]; error?: RpcError }> {
    return new Promise((resolve) => {
      const messages: ioc.v1.Alert[] = [];
      client().serverStreaming(`${server.url}${subscribeDescriptor.getName()}`, request, {}, subscribeDescriptor)
        .on('data', (m) => messages.push(m))
        .on('error', (error) => resolve({ messages, error }))
        .on('end', () => resolve({ messages }));
    });
  }

  it('makes a unary call', async () => {
    const reply = await client().unaryCall(`${server.url}${echo.path}`, alert(3), { 'x-test': 'text' }, echoDescriptor);
    expect(reply.title?.vi).toBe('Mực nước nguy hiểm');
    expect(reply.key).toBe('sensor-3|text');
  });

  it('reads a server stream', async () => {
    const { messages, error } = await stream({ zones: ['three', 'g-three'] });
    expect(error).toBeUndefined();
    expect(messages.map((m) => m.fingerprint)).toEqual(['fp-0', 'fp-1', 'fp-2']);
  });

  it('reads a status from a trailers-only response', async () => {
    const error = await client().unaryCall(`${server.url}${echo.path}`, { ...alert(1), rule: 'fail', key: 'x' }, {}, echoDescriptor)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: StatusCode.NOT_FOUND, message: 'không tìm thấy x' });
  });

  it('reads a status from the trailers frame after messages', async () => {
    const { messages, error } = await stream({ zones: ['fail-after-one', 'g-fa'] });
    expect(messages).toHaveLength(1);
    expect(error).toMatchObject({ code: StatusCode.INVALID_ARGUMENT, message: 'vùng không hợp lệ: "hoan kiem"' });
  });
});

describe('bad input (raw requests)', () => {
  const echoBytes = ioc.v1.Alert.encode(alert(1)).finish();

  it('answers INVALID_ARGUMENT for a frame cut short', async () => {
    const r = await raw(echo.path, frame(0, echoBytes).subarray(0, 20));
    expect(r).toMatchObject({ http: 200, status: '3' });
    expect(r.message).toMatch(/ends inside a frame/);
  });

  it('answers INVALID_ARGUMENT when the request has no message or two', async () => {
    expect(await raw(echo.path, new Uint8Array(0))).toMatchObject({ status: '3', message: 'request must carry exactly one message, found 0' });
    const two = Buffer.concat([frame(0, echoBytes), frame(0, echoBytes)]);
    expect(await raw(echo.path, two)).toMatchObject({ status: '3', message: 'request must carry exactly one message, found 2' });
  });

  it('answers INVALID_ARGUMENT for bytes that are not the request message', async () => {
    const r = await raw(echo.path, frame(0, Uint8Array.of(0x0a, 0xff, 0xff, 0xff)));
    expect(r.status).toBe('3');
    expect(r.message).toMatch(/^cannot decode the \/test.v1.Echo\/Echo request/);
  });

  it('answers INVALID_ARGUMENT for text that is not base64', async () => {
    const r = await raw(echo.path, 'AAAA*AAA', 'application/grpc-web-text');
    expect(r).toMatchObject({ status: '3', message: 'gRPC-web text body is not base64' });
  });

  it('answers RESOURCE_EXHAUSTED for a body over the limit, declared or not', async () => {
    const small = await serve({ maxRequestBytes: 1024 });
    try {
      const big = frame(0, ioc.v1.Alert.encode(alert(1, 'x'.repeat(5000))).finish());
      const declared = await raw(echo.path, big, 'application/grpc-web+proto', {}, small.url);
      expect(declared).toMatchObject({ http: 200, status: '8' });
      expect(declared.message).toMatch(/over the limit of 1024 bytes/);
      const streamed = await raw(echo.path, big, 'application/grpc-web+proto', {}, small.url, true);
      expect(streamed).toMatchObject({ http: 200, status: '8' });
    } finally {
      await small.close();
    }
  });

  it('answers UNIMPLEMENTED for client streaming and compressed messages', async () => {
    const publish = await raw(IngestService.publish.path, frame(0, new Uint8Array(0)));
    expect(publish.status).toBe('12');
    expect(publish.message).toMatch(/client-streaming, which gRPC-web cannot carry/);
    expect(await raw(echo.path, frame(1, echoBytes))).toMatchObject({ status: '12', message: 'compressed request messages are not supported' });
  });

  it('answers a text-mode call in text mode', async () => {
    const r = await raw(echo.path, frame(0, echoBytes).toString('base64'), 'application/grpc-web-text');
    expect(r.contentType).toBe('application/grpc-web-text+proto');
    const body = Buffer.from(r.body, 'base64');
    expect(body[0]).toBe(0);
    const length = body.readUInt32BE(1);
    expect(ioc.v1.Alert.decode(body.subarray(5, 5 + length)).fingerprint).toBe('fp-1');
    expect(r.body.slice(Math.ceil((5 + length) / 3) * 4)).not.toBe('');
  });

  it('refuses codecs other than protobuf with 415', async () => {
    expect((await raw(echo.path, '{}', 'application/grpc-web+json')).http).toBe(415);
  });

  it('leaves other requests to the next route', async () => {
    expect((await fetch(`${server.url}/index.html`)).status).toBe(404);
    expect((await raw(echo.path, frame(0, echoBytes), 'application/json')).http).toBe(404);
  });

  it('answers CORS preflights for allowed origins only, and exposes the status headers', async () => {
    const preflight = (origin: string) => fetch(`${server.url}${echo.path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-grpc-web,x-user-agent' },
    });
    const ok = await preflight('http://console.test');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://console.test');
    expect(ok.headers.get('access-control-allow-headers')).toContain('x-user-agent');
    expect((await preflight('http://elsewhere.test')).headers.get('access-control-allow-origin')).toBeNull();
    const call = await raw(echo.path, frame(0, echoBytes), 'application/grpc-web+proto', { origin: 'http://console.test' });
    expect(call.headers.get('access-control-expose-headers')).toBe('grpc-status, grpc-message');
  });

  it('still serves calls after all of the above', async () => {
    const reply = await createClient(EchoService, createChannel(server.url)).echo(alert(9));
    expect(reply.fingerprint).toBe('fp-9');
  });
});

const sub = (zones: string[]) => ioc.v1.SubscribeRequest.create({ zones });

function frame(flags: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

interface RawResult {
  http: number;
  status: string | null;
  message: string | null;
  contentType: string | null;
  headers: Headers;
  body: string;
}

/** One request with node:http (so a refused upload still reads the answer), status read from headers. */
async function raw(path: string, body: Uint8Array | string, contentType = 'application/grpc-web+proto',
  headers: Record<string, string> = {}, base = server.url, chunked = false): Promise<RawResult> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : Buffer.from(body);
  const req = http.request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(chunked ? {} : { 'content-length': String(bytes.length) }), ...headers },
  });
  req.on('error', () => {});
  if (chunked) {
    for (let at = 0; at < bytes.length; at += 512) req.write(bytes.subarray(at, at + 512));
    req.end();
  } else {
    req.end(bytes);
  }
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
  const message = h.get('grpc-message');
  return {
    http: res.statusCode ?? 0, status: h.get('grpc-status'), message: message === null ? null : decodeURIComponent(message),
    contentType: h.get('content-type'), headers: h, body: Buffer.concat(chunks).toString('latin1'),
  };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/** Waits until `check` holds, one event-loop turn at a time (no clock involved). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}
