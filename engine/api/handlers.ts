// Transport-neutral service implementations. Each gRPC method is written once
// as a handler here and served twice: by native gRPC (grpc-js) and by the
// gRPC-web bridge on the HTTP port. Handlers never see a transport object.

/** What a handler knows about the call. */
import type { Principal } from '../auth/index.ts';

export interface CallContext {
  /** Aborted when the client goes away or the deadline passes. */
  signal: AbortSignal;
  /** Request metadata (headers), lower-case keys. */
  metadata: Record<string, string>;
  /** Remote address, for logs. */
  peer: string;
  /** Who is calling, once authenticated (set by the authorization guard before the handler runs). */
  principal?: Principal;
}

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;
export type ServerStreamHandler<Req, Res> = (request: Req, ctx: CallContext) => AsyncIterable<Res>;
export type ClientStreamHandler<Req, Res> = (requests: AsyncIterable<Req>, ctx: CallContext) => Promise<Res>;

export type MethodHandler =
  | { kind: 'unary'; handle: UnaryHandler<unknown, unknown> }
  | { kind: 'serverStream'; handle: ServerStreamHandler<unknown, unknown> }
  | { kind: 'clientStream'; handle: ClientStreamHandler<unknown, unknown> };

/** Handlers by method path, e.g. `/ioc.v1.Alerts/Subscribe`. */
export type HandlerTable = ReadonlyMap<string, MethodHandler>;
