// The HTTP port (default 8080): gRPC-web for the console and browsers, the
// built console, /healthz (the process is alive), /readyz (NATS and ClickHouse
// reachable, rules loaded) and /metrics (Prometheus). Routes are tried in order.

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { allServices } from '../../protos/gen/services.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { httpRoles, type Authenticate } from '../auth/index.ts';
import { errorMessage, UnauthenticatedError } from '../errors/index.ts';
import { createGrpcWebHandler, metadataOf, methodsOf, type HttpRoute } from './grpc-web.ts';
import type { HandlerTable } from './handlers.ts';
import type { ApiLimits } from './limits.ts';
import { checkBaseMapFile, createStaticHandler } from './static-files.ts';

/** What /readyz reports; ready only when every part is. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail: string }>;
}

export interface HttpServerOptions {
  handlers: HandlerTable;
  host: string;
  port: number;
  consoleDir: string;
  /** console.pmtilesFile: a PMTiles base map served at /tiles/base.pmtiles; empty or absent, none. */
  baseMapFile?: string;
  corsOrigins: readonly string[];
  readiness(): Readiness;
  metrics: Metrics;
  log: Logger;
  /** PEM certificate and key: serve HTTPS only. */
  tls?: { cert: string; key: string };
  /** Checks the caller of /metrics against the role table (engine/auth httpRoles); absent: open. */
  authenticate?: Authenticate;
  /** Largest gRPC-web request message and longest unary call (limits.maxMessageBytes, limits.callTimeoutMs). */
  limits?: Pick<ApiLimits, 'maxMessageBytes' | 'callTimeoutMs'> & Partial<Pick<ApiLimits, 'maxConnections'>>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/** Starts the HTTP server; resolves with the bound port (useful when port is 0). */
export async function startHttpServer(o: HttpServerOptions): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const grpcWeb = createGrpcWebHandler({
    handlers: o.handlers,
    methods: methodsOf(allServices),
    allowedOrigins: o.corsOrigins,
    // Ingest.Publish over gRPC-web: its events are the frames of one request body.
    clientStreaming: true,
    ...(o.limits ? { maxRequestBytes: o.limits.maxMessageBytes, callTimeoutMs: o.limits.callTimeoutMs } : {}),
    onCallEnd: (c) => {
      // Paths come from callers: only methods the engine serves become label values, so random paths cannot grow the registry.
      o.metrics.ingestCalls.labels(o.handlers.has(c.path) ? c.path : 'unknown', GrpcStatus[c.code] ?? String(c.code)).inc();
      if (c.code !== 0) o.log.debug({ method: c.path, code: c.code, message: c.message }, 'gRPC-web call failed');
    },
  });
  if (o.baseMapFile) await checkBaseMapFile(o.baseMapFile);
  const staticFiles = createStaticHandler(o.consoleDir, o.baseMapFile ? { baseMapFile: o.baseMapFile } : {});
  const ops: HttpRoute = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      send(res, 200, 'application/json', JSON.stringify({ ok: true }));
      return true;
    }
    if (path === '/readyz') {
      const r = o.readiness();
      send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify(r));
      return true;
    }
    if (path === '/metrics') {
      const allowed = httpRoles['/metrics'];
      const authorized = o.authenticate && allowed !== 'open' ? o.authenticate(metadataOf(req)).then((p) => (allowed?.includes(p.role) ? undefined : `${p.name} (${p.role}) may not read /metrics`)) : Promise.resolve(undefined);
      authorized
        .then(async (refused) => {
          if (refused) return send(res, 403, 'text/plain; charset=utf-8', `${refused}\n`);
          send(res, 200, o.metrics.registry.contentType, await o.metrics.registry.metrics());
        })
        .catch((err: unknown) => send(res, err instanceof UnauthenticatedError ? 401 : 500, 'text/plain; charset=utf-8', `${errorMessage(err)}\n`));
      return true;
    }
    return false;
  };
  const listener: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (ops(req, res) || grpcWeb(req, res) || staticFiles(req, res)) return;
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    } catch (err) {
      o.log.error({ err: String(err), url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    }
  };
  const server: Server = o.tls ? createTlsServer({ cert: o.tls.cert, key: o.tls.key }, listener) : createServer(listener);
  server.keepAliveTimeout = 65_000;
  // Past this, new connections are closed at once (node:http); each open gRPC-web stream holds one.
  if (o.limits?.maxConnections) server.maxConnections = o.limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
