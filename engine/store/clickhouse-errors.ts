// Turns whatever @clickhouse/client throws into our typed errors: "cannot
// reach it now, retry later" (UnavailableError) or "the server refused this
// statement" (ClickHouseQueryError). It must never mark a statement the server
// rejected for its content as retryable: that batch would be retried forever.

import { ConfigError, IocError, UnavailableError } from '../errors/index.ts';

/** The server answered and refused the statement; retrying the same statement fails again. */
export class ClickHouseQueryError extends IocError {
  /** ClickHouse's numeric error code (e.g. 60 for an unknown table), when the server gave one. */
  readonly serverCode: number | undefined;
  constructor(message: string, serverCode: number | undefined, options?: { cause?: unknown }) {
    super('internal', message, options);
    this.serverCode = serverCode;
  }
}

/** Socket-level failures: the server is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Messages @clickhouse/client uses for its own timeout and for a socket the server closed. */
const NETWORK_MESSAGES = ['Timeout error.', 'socket hang up'];

/**
 * Server error codes that describe the server's state, not the statement: the
 * same statement can succeed later (overload, merges behind, shutdown, replicas
 * away). Names from ClickHouse's src/Common/ErrorCodes.cpp.
 */
const TRANSIENT_SERVER_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  201, // QUOTA_EXPIRED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  364, // RECEIVED_ERROR_TOO_MANY_REQUESTS
  394, // QUERY_WAS_CANCELLED
  999, // KEEPER_EXCEPTION
]);

/**
 * Reads a server error message in both the 18.16 form
 * (`Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = DB::Exception`)
 * and the current one (`Code: 60. DB::Exception: Table x does not exist. (UNKNOWN_TABLE) (version 24.3.1)`).
 */
export function parseServerError(text: string): { code: number; message: string } | undefined {
  const m = /Code:\s*(\d+)[.,]\s*(?:e\.displayText\(\) = )?(?:[\w:]*Exception:\s*)?([\s\S]*)$/.exec(text);
  if (m === null) return undefined;
  const message = m[2]!
    .replace(/,\s*e\.what\(\) = [\w:]+\s*$/, '')
    .replace(/\s*\(version \d[\s\S]*$/, '')
    .trim();
  return { code: Number(m[1]), message };
}

/**
 * Server codes for a login it refused: UNKNOWN_USER, WRONG_PASSWORD,
 * REQUIRED_PASSWORD, IP_ADDRESS_NOT_ALLOWED (18.16), AUTHENTICATION_FAILED (current).
 */
const LOGIN_CODES = new Set([192, 193, 194, 195, 516]);

/** Node's codes for a certificate it does not trust, or TLS spoken to a plain port (EPROTO). */
function isTlsCode(code: string): boolean {
  return code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO/.test(code);
}

/** OpenSSL's reason without its location: `...:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/...` → `tlsv13 alert certificate required`. */
function tlsReason(message: string): string {
  const m = /SSL routines:[^:]*:([^:]+):/.exec(message);
  return m ? m[1]!.trim() : message.trim();
}

/**
 * ConfigError when the server refused the login or TLS failed: retrying
 * cannot help until the configuration changes, so the engine stops at start
 * with this message instead of waiting forever. `server` names it (no credentials).
 */
export function accessError(err: unknown, server = 'ClickHouse'): ConfigError | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = systemCode(err);
  if (code !== undefined && isTlsCode(code)) {
    const hint = /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE/.test(code)
      ? 'the server wants a client certificate it trusts: check clickhouse.tls.certFile and clickhouse.tls.keyFile'
      : 'check clickhouse.tls.caFile (the CA that signed the server certificate) and clickhouse.url';
    return new ConfigError(`TLS with ${server} failed: ${tlsReason(err.message)} (${code}); ${hint}`, { cause: err });
  }
  const parsed = code !== undefined && /^\d+$/.test(code) ? { code: Number(code), message: err.message.trim() } : parseServerError(err.message);
  if (parsed !== undefined && LOGIN_CODES.has(parsed.code)) {
    return new ConfigError(`${server} refused the login (code ${parsed.code}): ${parsed.message}; check clickhouse.user and clickhouse.password (or clickhouse.passwordFile)`, { cause: err });
  }
  return undefined;
}

function systemCode(err: Error): string | undefined {
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: unknown }).cause;
  const nested = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
  return typeof nested === 'string' ? nested : undefined;
}

/**
 * Maps an error from @clickhouse/client to UnavailableError (retry with
 * backoff), ClickHouseQueryError (the statement is at fault) or ConfigError
 * (login or TLS refused; see accessError). `what` names the operation for the
 * message, e.g. "insert into `ioc`.`events`"; `serverName` the server, without credentials.
 */
export function toStoreError(err: unknown, what: string, serverName?: string): IocError {
  if (err instanceof IocError) return err;
  const refused = accessError(err, serverName);
  if (refused !== undefined) return refused;
  if (!(err instanceof Error)) return new ClickHouseQueryError(`ClickHouse ${what} failed: ${String(err)}`, undefined, { cause: err });
  const code = systemCode(err);
  if ((code !== undefined && NETWORK_CODES.has(code)) || NETWORK_MESSAGES.includes(err.message)) {
    return new UnavailableError(`ClickHouse unreachable during ${what}: ${err.message}`, { cause: err });
  }
  // Current servers' errors arrive parsed (code "60", message without the prefix); 18.16's arrive as text.
  const server = code !== undefined && /^\d+$/.test(code) ? { code: Number(code), message: err.message.trim() } : parseServerError(err.message);
  if (server === undefined) {
    return new ClickHouseQueryError(`ClickHouse ${what} failed: ${err.message.trim()}`, undefined, { cause: err });
  }
  if (TRANSIENT_SERVER_CODES.has(server.code)) {
    return new UnavailableError(`ClickHouse busy during ${what} (code ${server.code}): ${server.message}`, { cause: err });
  }
  return new ClickHouseQueryError(`ClickHouse ${what} failed (code ${server.code}): ${server.message}`, server.code, { cause: err });
}
