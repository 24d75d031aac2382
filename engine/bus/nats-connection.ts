// How the engine's NATS clients prove who they are and protect the wire: user
// and password, a token, or a `.creds` file, and TLS (own CA, client
// certificate), built from the configuration in one place for the engine and
// the CLI. Failures to connect become one clear error naming the server and
// the reason. Never puts a secret in a message.

import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { keyName, readConfigFile, redactUrl, secretFrom, type Config } from '../config/index.ts';
import { ConfigError, errorMessage, UnavailableError } from '../errors/index.ts';

/** Credentials and TLS settings for `connect()`, from `natsSecurity`. */
export type NatsSecurity = Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator' | 'tls'>;

/**
 * The credentials and TLS options the configuration asks for. Files are read
 * now, so a missing or unreadable file stops the start with its key's name.
 *
 * @example
 * const nc = await openNatsConnection(config['nats.url'], natsSecurity(config), { name: 'ioc-simulate' });
 */
export function natsSecurity(config: Config): NatsSecurity {
  const user = config['nats.user'];
  const pass = secretFrom(config, 'nats.password', 'nats.passwordFile');
  const token = secretFrom(config, 'nats.token', 'nats.tokenFile');
  const credsFile = config['nats.credsFile'];
  const ways = [user !== '' && 'nats.user', token !== '' && 'nats.token', credsFile !== '' && 'nats.credsFile'].filter(Boolean);
  if (ways.length > 1) throw new ConfigError(`NATS credentials: set one of nats.user, nats.token and nats.credsFile, not ${ways.join(' and ')}`);
  if (pass !== '' && user === '') throw new ConfigError(`NATS credentials: a password is set but no user; set ${keyName('nats.user')}`);
  if (user !== '' && pass === '') throw new ConfigError(`NATS credentials: user ${user} has no password; set ${keyName('nats.password')} or ${keyName('nats.passwordFile')}`);

  const out: NatsSecurity = {};
  if (user !== '') Object.assign(out, { user, pass });
  if (token !== '') out.token = token;
  if (credsFile !== '') out.authenticator = credsAuthenticator(new TextEncoder().encode(checkedCreds(credsFile)));

  const caFile = config['nats.tls.caFile'];
  const certFile = config['nats.tls.certFile'];
  const keyFile = config['nats.tls.keyFile'];
  if ((certFile === '') !== (keyFile === '')) throw new ConfigError(`NATS TLS: a client certificate needs both ${keyName('nats.tls.certFile')} and ${keyName('nats.tls.keyFile')}`);
  if (caFile !== '' || certFile !== '') {
    out.tls = {
      ...(caFile !== '' ? { ca: readConfigFile(caFile, 'nats.tls.caFile') } : {}),
      ...(certFile !== '' ? { cert: readConfigFile(certFile, 'nats.tls.certFile'), key: readConfigFile(keyFile, 'nats.tls.keyFile') } : {}),
    };
  }
  return out;
}

/** The file's text when it looks like a creds file; nats.js would otherwise fail later with a bare "unable to parse". */
function checkedCreds(file: string): string {
  const text = readConfigFile(file, 'nats.credsFile');
  if (!/-----BEGIN NATS USER JWT-----/.test(text) || !/-----BEGIN USER NKEY SEED-----/.test(text)) {
    throw new ConfigError(`${file} (${keyName('nats.credsFile')}) is not a NATS creds file: it needs a "BEGIN NATS USER JWT" and a "BEGIN USER NKEY SEED" block (nsc generate creds writes one)`);
  }
  return text;
}

/** Which keys gave the credentials, for the message when the server refuses them. */
function credentialsUsed(s: NatsSecurity): string {
  if (s.user !== undefined) return `user ${s.user} (nats.user, nats.password)`;
  if (s.token !== undefined) return 'the token (nats.token)';
  if (s.authenticator !== undefined) return 'the creds file (nats.credsFile)';
  return 'no credentials (set nats.user and nats.password, nats.token or nats.credsFile)';
}

/** NATS' own answers to a login it does not accept (nats.js ErrorCode values). */
const AUTH_CODES = new Set(['AUTHORIZATION_VIOLATION', 'AUTHENTICATION_EXPIRED', 'AUTHENTICATION_TIMEOUT', 'BAD_AUTHENTICATION']);

/** Node's codes for a certificate it does not trust or a handshake the peer refused. */
function isTlsFailure(code: string | undefined, message: string): boolean {
  if (code === undefined) return /certificate|handshake|TLS/i.test(message) && !/ECONNREFUSED/.test(message);
  return code === 'TLS' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO/.test(code);
}

/** OpenSSL's reason without its location (`...:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/...`); as in engine/store. */
function tlsReason(message: string): string {
  const m = /SSL routines:[^:]*:([^:]+):/.exec(message);
  return m ? m[1]!.trim() : message.trim();
}

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps a failed connect to ConfigError when retrying cannot help (credentials
 * refused, certificate not trusted, TLS mismatch) and UnavailableError
 * otherwise (no server answers: worth waiting for).
 */
export function natsConnectError(err: unknown, servers: string, security: NatsSecurity): ConfigError | UnavailableError {
  const where = redactUrl(servers);
  const code = codeOf(err);
  const why = errorMessage(err);
  if (code !== undefined && AUTH_CODES.has(code)) {
    return new ConfigError(`NATS at ${where} refused the login with ${credentialsUsed(security)}: ${why}`, { cause: err });
  }
  if (code === 'SERVER_OPT_NA' && security.tls !== undefined) {
    return new ConfigError(`NATS at ${where} does not offer TLS, but nats.tls.* is set: enable TLS on the server, or unset nats.tls.*`, { cause: err });
  }
  if (isTlsFailure(code, why)) {
    const hint = security.tls?.ca === undefined ? 'set nats.tls.caFile to the CA that signed the server certificate' : 'check that nats.tls.caFile signed the server certificate, and the client certificate if the server verifies one';
    return new ConfigError(`TLS with NATS at ${where} failed: ${tlsReason(why)}${code && !why.includes(code) ? ` (${code})` : ''}; ${hint}`, { cause: err });
  }
  // A server that verifies client certificates drops a client without one after
  // the handshake; nats.js then sees only a timeout, which may as well be the network.
  const hint = code === 'TIMEOUT' && security.tls && security.tls.cert === undefined ? ' (if the server requires client certificates, set nats.tls.certFile and nats.tls.keyFile)' : '';
  return new UnavailableError(`cannot connect to NATS at ${where}: ${why}${hint}`, { cause: err });
}

/**
 * Connects with the configured credentials and TLS. Throws ConfigError when the
 * server refuses them (the caller must not retry), UnavailableError when no server answers.
 */
export async function openNatsConnection(servers: string, security: NatsSecurity, options: Omit<ConnectionOptions, keyof NatsSecurity | 'servers'> = {}): Promise<NatsConnection> {
  try {
    return await connect({ ...options, ...security, servers: servers.split(',').map((s) => s.trim()).filter(Boolean) });
  } catch (err) {
    throw natsConnectError(err, servers, security);
  }
}
