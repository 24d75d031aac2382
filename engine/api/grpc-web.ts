// The gRPC-web bridge: serves the transport-neutral handlers (handlers.ts) to
// browsers from the engine's own node:http server, in binary and base64 text
// modes. It must never crash the server on bad input, never buffer a whole
// stream, and never map errors to statuses itself: handler errors go through
// toGrpcStatus; only protocol outcomes (unknown method, deadline, cancel) are its own.

import { once } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { errorMessage, InvalidArgumentError, ResourceExhaustedError } from '../errors/index.ts';
import type { CallContext, HandlerTable, MethodHandler } from './handlers.ts';
import { callDeadline } from './limits.ts';
import { toGrpcStatus } from './status.ts';
import { createCorsPolicy, type CorsPolicy } from './grpc-web-cors.ts';
import { Base64ChunkDecoder, encodeFrame, encodeTrailersFrame, FLAG_COMPRESSED, FLAG_TRAILERS, FrameDecoder, statusTrailers } from './grpc-web-frames.ts';
import { parseContentType, parseGrpcTimeout, responseContentType, type WireMode } from './grpc-web-headers.ts';

/** What the bridge needs of a method definition (protos/gen/services.ts satisfies it). */
export interface WireMethod {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  requestDeserialize(bytes: Uint8Array): unknown;
  responseSerialize(value: unknown): Uint8Array;
}

/** How a call ended, for logs and metrics. */
export interface CallOutcome {
  path: string;
  code: GrpcStatus;
  message: string;
  /** The thrown value behind a non-OK status, when there was one. */
  error?: unknown;
  /** Messages sent to the client. */
  messages: number;
}

/** Starts a one-shot timer and returns its cancel function; injected so deadlines can run in virtual time. */
export type StartTimer = (ms: number, onFire: () => void) => () => void;

export interface GrpcWebOptions {
  handlers: HandlerTable;
  /** Every method the engine defines, e.g. `methodsOf(allServices)`. */
  methods: Iterable<WireMethod>;
  /**
   * Largest accepted request message, and body of a unary or server-streaming call
   * (before base64 decoding); default 4 MiB like grpc-js. A client-streaming body is
   * read message by message, so only each message is bounded.
   */
  maxRequestBytes?: number;
  /** Longest a unary call may run (limits.callTimeoutMs); a shorter grpc-timeout wins. Absent: only grpc-timeout. */
  callTimeoutMs?: number;
  /**
   * Serve client-streaming methods (Ingest.Publish) half-duplex: every request
   * message is a frame of the one request body, handed to the handler as it is
   * decoded. Browsers cannot stream a body, but they can send a finished one.
   */
  clientStreaming?: boolean;
  /** Origins allowed to call from other pages (`*` = any; dev only). Default: same-origin only. */
  allowedOrigins?: readonly string[];
  startTimer?: StartTimer;
  /** Called once per call when it ends, whatever the outcome. */
  onCallEnd?: (outcome: CallOutcome) => void;
}

/** Returns true when it took the request; false leaves it to the next route. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** setTimeout's limit; a longer grpc-timeout behaves as this one (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const METHOD_PATH = /^\/[A-Za-z_][\w.]*\.[A-Za-z_]\w*\/[A-Za-z_]\w*$/;

const defaultStartTimer: StartTimer = (ms, onFire) => {
  const handle = setTimeout(onFire, Math.min(ms, MAX_TIMER_MS));
  return () => clearTimeout(handle);
};

/**
 * Flattens service definitions (`allServices` from protos/gen/services.ts) into methods.
 * @example createGrpcWebHandler({ handlers, methods: methodsOf(allServices) })
 */
export function methodsOf(services: Readonly<Record<string, Readonly<Record<string, WireMethod>>>>): WireMethod[] {
  return Object.values(services).flatMap((service) => Object.values(service));
}

/**
 * Creates the HTTP route that answers gRPC-web calls and their CORS preflights.
 * @example
 * const grpcWeb = createGrpcWebHandler({ handlers, methods: methodsOf(allServices) });
 * http.createServer((req, res) => grpcWeb(req, res) || staticFiles(req, res) || notFound(res));
 */
export function createGrpcWebHandler(options: GrpcWebOptions): HttpRoute {
  const methods = new Map<string, WireMethod>();
  for (const m of options.methods) methods.set(m.path, m);
  const shared: Shared = {
    handlers: options.handlers,
    methods,
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
    clientStreaming: options.clientStreaming ?? false,
    cors: createCorsPolicy(options.allowedOrigins ?? []),
    startTimer: options.startTimer ?? defaultStartTimer,
    onCallEnd: options.onCallEnd ?? (() => {}),
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (req.method === 'OPTIONS') {
      if (!isPreflightForUs(req, path, methods)) return false;
      res.writeHead(204, shared.cors.preflightHeaders(req)).end();
      return true;
    }
    const contentType = parseContentType(req.headers['content-type']);
    if (req.method !== 'POST' || contentType === undefined) return false;
    if (contentType.codec !== 'proto') {
      res.writeHead(415, { 'content-type': 'text/plain; charset=utf-8', ...shared.cors.responseHeaders(req) });
      res.end(`gRPC-web codec "${contentType.codec}" is not supported; use application/grpc-web+proto or application/grpc-web-text+proto\n`);
      return true;
    }
    new Call(shared, req, res, path, contentType.mode).run();
    return true;
  };
}

interface Shared {
  handlers: HandlerTable;
  methods: ReadonlyMap<string, WireMethod>;
  maxRequestBytes: number;
  callTimeoutMs?: number;
  clientStreaming: boolean;
  cors: CorsPolicy;
  startTimer: StartTimer;
  onCallEnd: (outcome: CallOutcome) => void;
}

function isPreflightForUs(req: IncomingMessage, path: string, methods: ReadonlyMap<string, WireMethod>): boolean {
  if (methods.has(path)) return true;
  const requested = (req.headers['access-control-request-headers'] ?? '').toLowerCase();
  return METHOD_PATH.test(path) && requested.includes('x-grpc-web');
}

/** Why a call's signal was aborted; the bridge answers these itself. */
class CallAborted extends Error {
  constructor(readonly code: GrpcStatus.DEADLINE_EXCEEDED | GrpcStatus.CANCELLED, message: string) {
    super(message);
    this.name = 'CallAborted';
  }
}

/** A status decided by the protocol rather than by a handler's error. */
class ProtocolStatus extends Error {
  constructor(readonly code: GrpcStatus, message: string) {
    super(message);
    this.name = 'ProtocolStatus';
  }
}

/** One gRPC-web call, from request headers to the final status. */
class Call {
  private readonly abort = new AbortController();
  private readonly corsHeaders: OutgoingHttpHeaders;
  private messages = 0;
  private ended = false;
  private cancelTimer: () => void = () => {};

  constructor(
    private readonly shared: Shared,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly path: string,
    private readonly mode: WireMode,
  ) {
    this.corsHeaders = shared.cors.responseHeaders(req);
  }

  run(): void {
    // 'close' before the response finished means the client went away (or the socket broke).
    this.res.once('close', () => {
      if (!this.res.writableFinished) this.abortWith(new CallAborted(GrpcStatus.CANCELLED, 'client cancelled the call'));
    });
    this.serve().then(
      () => this.finish(GrpcStatus.OK, ''),
      (err: unknown) => this.fail(err),
    );
  }

  private async serve(): Promise<void> {
    const method = this.shared.methods.get(this.path);
    const handler = this.shared.handlers.get(this.path);
    if (method === undefined || handler === undefined) {
      throw new ProtocolStatus(GrpcStatus.UNIMPLEMENTED, `unknown method ${this.path}`);
    }
    if ((handler.kind === 'clientStream' || method.requestStream) && !(this.shared.clientStreaming && handler.kind === 'clientStream')) {
      throw new ProtocolStatus(GrpcStatus.UNIMPLEMENTED,
        `${this.path} is client-streaming, which gRPC-web cannot carry; call it over native gRPC`);
    }
    const deadline = callDeadline(parseGrpcTimeout(headerValue(this.req.headers['grpc-timeout'])), handler.kind === 'unary' ? this.shared.callTimeoutMs : undefined);
    if (deadline !== undefined) {
      this.cancelTimer = this.shared.startTimer(deadline.ms, () =>
        this.abortWith(new CallAborted(GrpcStatus.DEADLINE_EXCEEDED, deadline.message)));
    }
    const ctx: CallContext = { signal: this.abort.signal, metadata: metadataOf(this.req), peer: peerOf(this.req) };
    if (handler.kind === 'clientStream') {
      const response = await this.untilAborted(handler.handle(this.requestMessages(method), ctx));
      await this.send(method.responseSerialize(response));
      return;
    }
    const request = this.decodeRequest(method, await this.readRequestMessage());
    await this.invoke(handler, method, request, ctx);
  }

  private async invoke(handler: Exclude<MethodHandler, { kind: 'clientStream' }>, method: WireMethod, request: unknown, ctx: CallContext): Promise<void> {
    if (handler.kind === 'unary') {
      const response = await this.untilAborted(handler.handle(request, ctx));
      await this.send(method.responseSerialize(response));
      return;
    }
    const iterator = handler.handle(request, ctx)[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const next = await this.untilAborted(iterator.next());
        done = next.done === true;
        if (done) return;
        await this.send(method.responseSerialize(next.value));
      }
    } finally {
      // Closes the handler's stream on every early way out (error, deadline, client
      // gone); a generator suspended in an await finishes once it sees ctx.signal.
      if (!done) void Promise.resolve().then(() => iterator.return?.()).catch(() => {});
    }
  }

  /** Reads the body and returns the one message a unary or server-streaming call carries. */
  private async readRequestMessage(): Promise<Uint8Array> {
    const limit = this.shared.maxRequestBytes;
    const declared = Number(this.req.headers['content-length'] ?? 0);
    if (declared > limit) throw new ResourceExhaustedError(`request body of ${declared} bytes is over the limit of ${limit} bytes`);
    const frames = new FrameDecoder(limit);
    const text = this.mode === 'text' ? new Base64ChunkDecoder() : undefined;
    const found: Uint8Array[] = [];
    let received = 0;
    for await (const chunk of this.bodyChunks()) {
      received += chunk.length;
      if (received > limit) throw new ResourceExhaustedError(`request body is over the limit of ${limit} bytes`);
      for (const frame of frames.push(text ? text.push(chunk.toString('latin1')) : chunk)) {
        if (frame.flags & FLAG_TRAILERS) throw new InvalidArgumentError('request carries a trailers frame');
        if (frame.flags & FLAG_COMPRESSED) throw new ProtocolStatus(GrpcStatus.UNIMPLEMENTED, 'compressed request messages are not supported');
        found.push(frame.payload);
      }
    }
    text?.end();
    frames.end();
    if (found.length !== 1) throw new InvalidArgumentError(`request must carry exactly one message, found ${found.length}`);
    return found[0]!;
  }

  /** The request messages of a client-streaming call, decoded one frame at a time as the body arrives. */
  private async *requestMessages(method: WireMethod): AsyncGenerator<unknown> {
    const frames = new FrameDecoder(this.shared.maxRequestBytes);
    const text = this.mode === 'text' ? new Base64ChunkDecoder() : undefined;
    for await (const chunk of this.bodyChunks()) {
      for (const frame of frames.push(text ? text.push(chunk.toString('latin1')) : chunk)) {
        if (frame.flags & FLAG_TRAILERS) throw new InvalidArgumentError('request carries a trailers frame');
        if (frame.flags & FLAG_COMPRESSED) throw new ProtocolStatus(GrpcStatus.UNIMPLEMENTED, 'compressed request messages are not supported');
        yield this.decodeRequest(method, frame.payload);
      }
    }
    text?.end();
    frames.end();
  }

  private decodeRequest(method: WireMethod, bytes: Uint8Array): unknown {
    try {
      return method.requestDeserialize(bytes);
    } catch (err) {
      // The codec's own error would read as a server fault (INTERNAL); the bytes are the caller's.
      throw new InvalidArgumentError(`cannot decode the ${this.path} request: ${errorMessage(err)}`, { cause: err });
    }
  }

  /**
   * The request body as it arrives. Not `for await (req)`: leaving that loop early
   * destroys the socket, and the client would never see the status explaining why.
   */
  private async *bodyChunks(): AsyncGenerator<Buffer> {
    const queue: Buffer[] = [];
    let done = false;
    let failure: unknown;
    let wake: () => void = () => {};
    const onData = (chunk: Buffer) => { queue.push(chunk); this.req.pause(); wake(); };
    const onEnd = () => { done = true; wake(); };
    const onError = (err: unknown) => { failure = err; wake(); };
    this.req.on('data', onData).once('end', onEnd).once('error', onError);
    this.abort.signal.addEventListener('abort', onEnd);
    try {
      for (;;) {
        const chunk = queue.shift();
        if (chunk !== undefined) {
          yield chunk;
          continue;
        }
        if (this.abort.signal.aborted) throw this.abort.signal.reason;
        if (failure !== undefined) throw failure;
        if (done) return;
        const woken = new Promise<void>((resolve) => { wake = resolve; });
        this.req.resume();
        await woken;
      }
    } finally {
      this.req.off('data', onData).off('end', onEnd).off('error', onError);
      this.abort.signal.removeEventListener('abort', onEnd);
    }
  }

  /** Writes one message frame, headers first if this is the first; waits while the socket is full. */
  private async send(message: Uint8Array): Promise<void> {
    if (!this.res.headersSent) this.res.writeHead(200, this.responseHeaders());
    this.messages++;
    if (!this.write(encodeFrame(0, message))) {
      await once(this.res, 'drain', { signal: this.abort.signal }).catch((err: unknown) => {
        throw this.abort.signal.aborted ? this.abort.signal.reason : err;
      });
    }
  }

  private write(frame: Buffer): boolean {
    return this.res.write(this.mode === 'text' ? frame.toString('base64') : frame);
  }

  private fail(err: unknown): void {
    // Once aborted, whatever the handler threw is a consequence of the abort.
    const reason = this.abort.signal.aborted ? this.abort.signal.reason : err;
    if (reason instanceof CallAborted || reason instanceof ProtocolStatus) {
      this.finish(reason.code, reason.message);
      return;
    }
    const { code, message, trailers } = toGrpcStatus(reason);
    this.finish(code, message, reason, trailers);
  }

  /**
   * Ends the response with its status: in the headers (a trailers-only response)
   * when no message went out yet, else in the trailers frame. Both clients we test
   * with read either; the native gRPC servers answer early errors the same way.
   */
  private finish(code: GrpcStatus, message: string, error?: unknown, extraTrailers?: Readonly<Record<string, string>>): void {
    if (this.ended) return;
    this.ended = true;
    this.cancelTimer();
    const trailers = { ...statusTrailers(code, message), ...extraTrailers };
    if (!this.res.destroyed && !this.res.writableEnded) {
      if (!this.res.headersSent) {
        // Unread body bytes would be drained by Node; on refusals close instead of reading them.
        const close = code === GrpcStatus.RESOURCE_EXHAUSTED ? { connection: 'close' } : {};
        this.res.writeHead(200, { ...this.responseHeaders(), ...trailers, 'content-length': '0', ...close }).end();
      } else {
        this.write(encodeTrailersFrame(trailers));
        this.res.end();
      }
    }
    if (code !== GrpcStatus.OK) this.abortWith(new CallAborted(GrpcStatus.CANCELLED, `call ended: ${message}`));
    this.shared.onCallEnd({ path: this.path, code, message, messages: this.messages, ...(error === undefined ? {} : { error }) });
  }

  /** Every await in serve() races this signal, so the call settles right after. */
  private abortWith(reason: CallAborted): void {
    if (!this.abort.signal.aborted) this.abort.abort(reason);
  }

  /** Rejects with the abort reason as soon as the call is aborted, even if `promise` never settles. */
  private untilAborted<T>(promise: Promise<T>): Promise<T> {
    const signal = this.abort.signal;
    if (signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
        (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err); },
      );
    });
  }

  private responseHeaders(): OutgoingHttpHeaders {
    return {
      'content-type': responseContentType(this.mode),
      // Proxies such as nginx would otherwise hold streamed frames back.
      'x-accel-buffering': 'no',
      ...this.corsHeaders,
    };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Request headers as call metadata: lower-case names, repeated values joined. */
export function metadataOf(req: IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    const v = headerValue(value);
    if (v !== undefined) metadata[key] = v;
  }
  return metadata;
}

function peerOf(req: IncomingMessage): string {
  const { remoteAddress, remotePort } = req.socket;
  return remoteAddress === undefined ? 'unknown' : `${remoteAddress}:${remotePort ?? 0}`;
}
