// CORS for gRPC-web calls from pages served elsewhere (the Vite dev server, a
// partner's portal). Grants nothing unless configured: the console is served by
// the engine itself, so its calls are same-origin and need no CORS at all.

import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** Request headers a gRPC-web client may send; authorization carries the console's sign-in (console/src/api/credentials.ts). */
export const ALLOWED_HEADERS = 'content-type, x-grpc-web, x-user-agent, grpc-timeout, authorization, x-ioc-user';
/** Response headers a browser page may read; without these a client sees no status. */
export const EXPOSED_HEADERS = 'grpc-status, grpc-message';
/** How long a browser may cache a preflight answer (Chromium caps this at 2 hours). */
const PREFLIGHT_MAX_AGE_S = 600;

export interface CorsPolicy {
  /** Headers to add to a call's response (empty when the origin is not allowed). */
  responseHeaders(req: IncomingMessage): OutgoingHttpHeaders;
  /** Headers answering a preflight `OPTIONS` (empty when the origin is not allowed). */
  preflightHeaders(req: IncomingMessage): OutgoingHttpHeaders;
}

/**
 * @param allowedOrigins exact origins such as `http://localhost:5173`, or `*` for any
 *   (development only). Empty (the default) allows same-origin pages only.
 * @example createCorsPolicy(['http://localhost:5173']).responseHeaders(req)
 */
export function createCorsPolicy(allowedOrigins: readonly string[]): CorsPolicy {
  const any = allowedOrigins.includes('*');
  const exact = new Set(allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  // The answer depends on Origin, so shared caches must keep one per origin.
  const allowed = (req: IncomingMessage): string | undefined => {
    const origin = req.headers.origin;
    if (origin === undefined || origin === 'null') return undefined;
    return any || exact.has(origin.toLowerCase()) ? origin : undefined;
  };
  return {
    responseHeaders(req) {
      const origin = allowed(req);
      if (origin === undefined) return exact.size > 0 || any ? { vary: 'Origin' } : {};
      return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'Origin' };
    },
    preflightHeaders(req) {
      const origin = allowed(req);
      if (origin === undefined) return { vary: 'Origin' };
      return {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
        vary: 'Origin',
      };
    },
  };
}
