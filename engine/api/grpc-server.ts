// Native gRPC (grpc-js) over the transport-neutral handlers. Adapts each call
// kind, turns errors into statuses through status.ts only, respects flow
// control on server streams and aborts handlers when the client goes away.

import type { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { allServices, type MethodDefinition } from '../../protos/gen/services.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { CallContext, HandlerTable } from './handlers.ts';
import { callDeadline, type Deadline } from './limits.ts';
import { toGrpcStatus } from './status.ts';

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

export interface GrpcServerOptions {
  handlers: HandlerTable;
  host: string;
  port: number;
  log: Logger;
  metrics: Metrics;
  /** PEM certificate and key: serve TLS only. */
  tls?: { cert: string; key: string };
  /** Largest request message, bytes (limits.maxMessageBytes); grpc-js refuses larger ones with RESOURCE_EXHAUSTED. */
  maxReceiveBytes?: number;
  /** Longest a unary call may run (limits.callTimeoutMs); absent: only the client's deadline. */
  callTimeoutMs?: number;
  /** Concurrent calls per connection (limits.maxStreamsPerConnection); default grpc-js's. */
  maxConcurrentStreams?: number;
}

/** setTimeout's limit; a longer deadline behaves as this one (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The call's deadline: the client's (grpc-timeout), and for unary calls at most `serverMaxMs`. */
function deadlineOf(call: AnyCall, serverMaxMs: number | undefined): Deadline | undefined {
  const d = call.getDeadline();
  const at = d instanceof Date ? d.getTime() : d;
  return callDeadline(Number.isFinite(at) ? Math.max(1, at - Date.now()) : undefined, serverMaxMs);
}

/**
 * The handler's context. Its signal aborts when the client goes away or the
 * deadline passes; `onExpire` then answers the call (grpc-js ends calls past
 * the client's own deadline by itself, but never tells the handler).
 */
function contextOf(call: AnyCall, deadline: Deadline | undefined, onExpire: (d: Deadline) => void): { ctx: CallContext; done(): void } {
  const ac = new AbortController();
  const abort = () => ac.abort();
  const events = call as unknown as EventEmitter;
  events.on('cancelled', abort);
  const timer = deadline && setTimeout(() => {
    ac.abort();
    onExpire(deadline);
  }, Math.min(deadline.ms, MAX_TIMER_MS));
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k.toLowerCase()] = String(v);
  return {
    ctx: { signal: ac.signal, metadata, peer: call.getPeer() },
    done: () => {
      clearTimeout(timer);
      events.removeListener('cancelled', abort);
    },
  };
}

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const { code, message, trailers } = toGrpcStatus(err);
  if (trailers === undefined) return { code, details: message };
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(trailers)) metadata.set(k, v);
  return { code, details: message, metadata };
}

/** Answers a call that returns one response exactly once: by the handler, or by the deadline, whichever comes first. */
function answerOnce(callback: grpc.sendUnaryData<unknown>, count: (code: grpc.status) => void, done: () => void): (err: Partial<grpc.StatusObject> | null, res?: unknown) => void {
  let answered = false;
  return (err, res) => {
    if (answered) return;
    answered = true;
    done();
    count(err === null ? grpc.status.OK : err.code!);
    if (err === null) callback(null, res);
    else callback(err);
  };
}

/** Writes with flow control: waits for 'drain' when grpc-js's buffer is full. */
function write(call: grpc.ServerWritableStream<unknown, unknown>, msg: unknown, signal: AbortSignal): Promise<void> | undefined {
  if (call.write(msg)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      call.removeListener('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Builds the grpc-js implementation object of one service. */
function implementation(methods: Record<string, MethodDefinition<unknown, unknown>>, o: GrpcServerOptions): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(methods)) {
    const h = o.handlers.get(def.path);
    const count = (code: grpc.status) => o.metrics.ingestCalls.labels(def.path, grpc.status[code] ?? String(code)).inc();
    if (!h) {
      impl[name] = ((_call: unknown, callback?: grpc.sendUnaryData<unknown>) => {
        const err = { code: grpc.status.UNIMPLEMENTED, details: `${def.path} is not implemented` };
        if (callback) callback(err);
        else (_call as grpc.ServerWritableStream<unknown, unknown>).emit('error', err);
      }) as grpc.UntypedHandleCall;
      continue;
    }
    if (h.kind === 'unary') {
      impl[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        let answer = (_err: Partial<grpc.StatusObject> | null, _res?: unknown): void => {};
        const { ctx, done } = contextOf(call, deadlineOf(call, o.callTimeoutMs), (d) => answer({ code: grpc.status.DEADLINE_EXCEEDED, details: d.message }));
        answer = answerOnce(callback, count, done);
        h.handle(call.request, ctx).then(
          (res) => answer(null, res),
          (err: unknown) => answer(toServiceError(err)),
        );
      }) as grpc.UntypedHandleCall;
    } else if (h.kind === 'clientStream') {
      impl[name] = ((call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        let answer = (_err: Partial<grpc.StatusObject> | null, _res?: unknown): void => {};
        const { ctx, done } = contextOf(call, deadlineOf(call, undefined), (d) => answer({ code: grpc.status.DEADLINE_EXCEEDED, details: d.message }));
        answer = answerOnce(callback, count, done);
        h.handle(call as AsyncIterable<unknown>, ctx).then(
          (res) => answer(null, res),
          (err: unknown) => {
            const e = toServiceError(err);
            o.log.debug({ method: def.path, err: e.details }, 'call failed');
            answer(e);
          },
        );
      }) as grpc.UntypedHandleCall;
    } else {
      impl[name] = ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        // Past the client's deadline grpc-js has already sent the status; the abort stops the handler.
        const { ctx, done } = contextOf(call, deadlineOf(call, undefined), () => {});
        void (async () => {
          try {
            for await (const msg of h.handle(call.request, ctx)) {
              if (ctx.signal.aborted) break;
              const wait = write(call, msg, ctx.signal);
              if (wait) await wait;
            }
            if (!ctx.signal.aborted) call.end();
            count(grpc.status.OK);
          } catch (err) {
            const e = toServiceError(err);
            count(e.code!);
            if (!ctx.signal.aborted) call.emit('error', e);
          } finally {
            done();
          }
        })();
      }) as grpc.UntypedHandleCall;
    }
  }
  return impl;
}

/** Starts the native gRPC server; resolves with the bound port (useful when port is 0). */
export async function startGrpcServer(o: GrpcServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': o.maxReceiveBytes ?? 4 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    ...(o.maxConcurrentStreams ? { 'grpc.max_concurrent_streams': o.maxConcurrentStreams } : {}),
  });
  for (const methods of Object.values(allServices)) {
    const definition = methods as unknown as grpc.ServiceDefinition;
    server.addService(definition, implementation(methods as unknown as Record<string, MethodDefinition<unknown, unknown>>, o));
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${o.host}:${o.port}`,
      o.tls ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(o.tls.cert), private_key: Buffer.from(o.tls.key) }], false) : grpc.ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 3000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
