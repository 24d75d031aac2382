// The engine's own connections, secured, against real servers: a private
// nats-server that requires a user, a password and TLS with client
// certificates, and a private clickhouse-server (18.16 in CI) whose users have
// passwords and that serves HTTPS, also only to clients with a certificate.
// Certificates come from openssl in a temp dir.
// `ioc start` (a child process) stores an event through both and never prints
// a password; a wrong password or an untrusted certificate stops it at once
// with one line naming the server and the reason.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { nkeys, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsSecurity, openNatsConnection } from '../engine/bus/index.ts';
import { loadConfig } from '../engine/config/index.ts';
import { startEngine } from '../engine/app/index.ts';
import { ConfigError } from '../engine/errors/index.ts';
import { silentLogger } from '../engine/log/index.ts';
import { clickHouseAccess } from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';
import { queryRows, repoRoot, spawnEngine, TEST_RULES, waitUntil, type Stack } from './harness/engine.ts';
import { startNats, type NatsServer } from './harness/nats.ts';
import { freePort } from './harness/ports.ts';

// Distinct, searchable secrets: a test fails if any of them shows up in output.
const NATS_PASSWORD = 'nats-pw-Q7wz3v';
const CH_PASSWORD = 'ch-pw-K2ms8x';
const CH_DEFAULT_PASSWORD = 'ch-default-pw-R4tn6y';
const WRONG_PASSWORD = 'wrong-pw-J9pd1c';
const SECRETS = [NATS_PASSWORD, CH_PASSWORD, CH_DEFAULT_PASSWORD, WRONG_PASSWORD];

let dir: string;
let nats: NatsServer;
let clickhouse: ClickHouseServer;
let secureEnv: Record<string, string>;
let ch: ClickHouseClient;
let nc: NatsConnection;

/** A CA, a server certificate for 127.0.0.1, a client certificate, all signed by the CA; and a second CA that signed nothing here. */
function makeCertificates(d: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Thang Long IOC test CA');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=Some other CA');
  writeFileSync(join(d, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  writeFileSync(join(d, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=ioc-engine');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2', '-extfile', 'client.ext');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ioc-transport-'));
  makeCertificates(dir);
  const f = (name: string) => join(dir, name);
  [nats, clickhouse] = await Promise.all([
    startNats({
      auth: { user: 'ioc', password: NATS_PASSWORD },
      tls: { certFile: f('server.pem'), keyFile: f('server.key'), caFile: f('ca.pem'), verify: true },
    }),
    startClickHouse({
      password: CH_DEFAULT_PASSWORD,
      users: [{ name: 'ioc', password: CH_PASSWORD }],
      https: { certFile: f('server.pem'), keyFile: f('server.key'), caFile: f('ca.pem'), verify: true },
    }),
  ]);
  // The NATS password from a file (as a Kubernetes secret would mount it), the ClickHouse one from a variable.
  writeFileSync(f('nats-password'), `${NATS_PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(f('wrong-password'), `${WRONG_PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(f('rules.yaml'), TEST_RULES);
  secureEnv = {
    IOC_MODE: 'real',
    IOC_NATS_URL: nats.url,
    IOC_NATS_USER: 'ioc',
    IOC_NATS_PASSWORD_FILE: f('nats-password'),
    IOC_NATS_TLS_CA_FILE: f('ca.pem'),
    IOC_NATS_TLS_CERT_FILE: f('client.pem'),
    IOC_NATS_TLS_KEY_FILE: f('client.key'),
    IOC_CLICKHOUSE_URL: clickhouse.httpsUrl!,
    IOC_CLICKHOUSE_USER: 'ioc',
    IOC_CLICKHOUSE_PASSWORD: CH_PASSWORD,
    IOC_CLICKHOUSE_TLS_CA_FILE: f('ca.pem'),
    IOC_CLICKHOUSE_TLS_CERT_FILE: f('client.pem'),
    IOC_CLICKHOUSE_TLS_KEY_FILE: f('client.key'),
    IOC_CLICKHOUSE_DB: 'ioc_secure',
    IOC_RULES_DIR: dir,
    IOC_RULES_WATCH: 'false',
    IOC_HTTP_HOST: '127.0.0.1',
    IOC_GRPC_HOST: '127.0.0.1',
    IOC_HTTP_PORT: String(await freePort()),
    IOC_GRPC_PORT: String(await freePort()),
    IOC_WRITER_FLUSH_MS: '100',
    IOC_CONSOLE_DIR: join(repoRoot, 'console', 'dist'),
    // Not about sign-in on the engine's own ports; the most talkative level, to show no secret is logged.
    IOC_AUTH_MODE: 'off',
    IOC_LOG_LEVEL: 'debug',
  };
  // The test's own clients prove who they are the same way, through the same code.
  nc = await openNatsConnection(nats.url, natsSecurity(loadConfig({ env: secureEnv, cwd: tmpdir() })), { noAsyncTraces: true });
  ch = createClient({ ...clickHouseAccess(loadConfig({ env: secureEnv, cwd: tmpdir() })), request_timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await nc?.close().catch(() => undefined);
  await ch?.close().catch(() => undefined);
  await Promise.all([nats?.destroy(), clickhouse?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `ioc <args>` with the secure environment plus `extra`; resolves with its exit code and output once it exits. */
function runIoc(args: string[], extra: Record<string, string>, timeoutMs = 90_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'engine', 'cli', 'bin.mjs'), ...args], {
      env: { ...process.env, ...secureEnv, ...extra },
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // Waiting and retrying is the wrong answer to a refused login: the process must end by itself.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ioc ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The one `ioc: ...` line the CLI prints for a failed command. */
function failureLine(out: string): string {
  const lines = out.split('\n').filter((l) => l.startsWith('ioc: '));
  expect(lines, out).toHaveLength(1);
  return lines[0]!;
}

function expectNoSecrets(out: string): void {
  for (const s of SECRETS) expect(out, `output shows the secret ${s}`).not.toContain(s);
}

function expectNoStackOrRetry(out: string): void {
  expect(out).not.toMatch(/^\s+at /m);
  expect(out).not.toMatch(/retrying/);
}

describe('ioc start with credentials and TLS on NATS and ClickHouse', () => {
  it('stores an event and its alert through both, and logs no password', async () => {
    const stack: Stack = {
      nats,
      clickhouse,
      env: secureEnv,
      rulesDir: dir,
      ch,
      nc,
      destroy: async () => undefined,
    };
    const engine = await spawnEngine(stack);
    try {
      const js = nc.jetstream();
      const event = { id: 'sec-1', type: 'water.level', source: 'wl-secure-01', time: Date.now(), value: 2.4, unit: 'm', zone: 'hoan-kiem' };
      await js.publish('ioc.events.water.level', JSON.stringify(event), { msgID: 'wl-secure-01/sec-1' });
      const stored = await waitUntil(async () => {
        const rows = await queryRows<{ id: string; value: number }>(ch, "SELECT id, value FROM ioc_secure.events FINAL WHERE source = 'wl-secure-01'");
        return rows.length > 0 ? rows : undefined;
      }, 60_000, () => `the event in ClickHouse; engine output:\n${engine.logs()}`);
      expect(stored).toEqual([{ id: 'sec-1', value: 2.4 }]);
      const alerts = await waitUntil(async () => {
        const rows = await queryRows<{ rule: string }>(ch, "SELECT rule FROM ioc_secure.alerts FINAL WHERE source = 'wl-secure-01'");
        return rows.length > 0 ? rows : undefined;
      }, 60_000, () => `the alert in ClickHouse; engine output:\n${engine.logs()}`);
      expect(alerts[0]!.rule).toBe('flood.water-level-critical');
    } finally {
      const exited = new Promise((r) => engine.once('exit', r));
      engine.kill('SIGTERM');
      await exited;
    }
    const logs = engine.logs();
    expect(logs).toContain('engine started');
    expectNoSecrets(logs);
  }, 180_000);

  it('stops at once with one line when NATS refuses the password', async () => {
    const { code, out } = await runIoc(['start'], { IOC_NATS_PASSWORD_FILE: join(dir, 'wrong-password') });
    expect(code).toBe(2);
    const line = failureLine(out);
    expect(line).toContain(`NATS at ${nats.url} refused the login with user ioc (nats.user, nats.password)`);
    expect(line).toMatch(/Authorization Violation/i);
    expectNoStackOrRetry(out);
    expectNoSecrets(out);
  }, 120_000);

  it('stops at once with one line when the NATS certificate is not trusted', async () => {
    const { code, out } = await runIoc(['start'], { IOC_NATS_TLS_CA_FILE: join(dir, 'other-ca.pem') });
    expect(code).toBe(2);
    const line = failureLine(out);
    expect(line).toContain(`TLS with NATS at ${nats.url} failed`);
    expect(line).toMatch(/unable to verify|self[- ]signed|certificate/i);
    expectNoStackOrRetry(out);
    expectNoSecrets(out);
  }, 120_000);

  it('stops at once with one line when ClickHouse refuses the password', async () => {
    const { code, out } = await runIoc(['start'], { IOC_CLICKHOUSE_PASSWORD: WRONG_PASSWORD });
    expect(code).toBe(2);
    const line = failureLine(out);
    expect(line).toContain(`ClickHouse at ${clickhouse.httpsUrl} refused the login`);
    // 18.16 answers 193 WRONG_PASSWORD; current servers 516 AUTHENTICATION_FAILED.
    expect(line).toMatch(/code (193|516)/);
    expect(line).toContain('clickhouse.password');
    expectNoStackOrRetry(out);
    expectNoSecrets(out);
  }, 120_000);

  it('stops at once with one line when the ClickHouse certificate is not trusted', async () => {
    const { code, out } = await runIoc(['start'], { IOC_CLICKHOUSE_TLS_CA_FILE: join(dir, 'other-ca.pem') });
    expect(code).toBe(2);
    const line = failureLine(out);
    expect(line).toContain(`TLS with ClickHouse at ${clickhouse.httpsUrl} failed`);
    expect(line).toMatch(/unable to verify|self[- ]signed|certificate/i);
    expectNoStackOrRetry(out);
    expectNoSecrets(out);
  }, 120_000);

  it('stops at once with one line when ClickHouse wants a client certificate and gets none', async () => {
    const { code, out } = await runIoc(['start'], { IOC_CLICKHOUSE_TLS_CERT_FILE: '', IOC_CLICKHOUSE_TLS_KEY_FILE: '' });
    expect(code).toBe(2);
    const line = failureLine(out);
    expect(line).toContain(`TLS with ClickHouse at ${clickhouse.httpsUrl} failed`);
    expect(line).toMatch(/certificate|handshake/i);
    expect(line).toContain('clickhouse.tls.certFile');
    expectNoStackOrRetry(out);
  }, 120_000);

  it('`ioc db status` says the same when ClickHouse refuses the password', async () => {
    const { code, out } = await runIoc(['db', 'status'], { IOC_CLICKHOUSE_PASSWORD: WRONG_PASSWORD });
    expect(code).toBe(2);
    expect(failureLine(out)).toContain(`ClickHouse at ${clickhouse.httpsUrl} refused the login`);
    expectNoSecrets(out);
  }, 120_000);
});

describe('mode auto (what `ioc demo` uses)', () => {
  // Falling back to the embedded bus or store here would hide the mistake behind "not reachable".
  it.each([
    ['NATS', { IOC_NATS_PASSWORD_FILE: 'wrong' }, /NATS at .* refused the login/],
    ['ClickHouse', { IOC_CLICKHOUSE_PASSWORD: WRONG_PASSWORD }, /ClickHouse at .* refused the login/],
    ['ClickHouse TLS', { IOC_CLICKHOUSE_TLS_CA_FILE: 'other-ca.pem' }, /TLS with ClickHouse at .* failed/],
  ])('refuses to start when %s refuses us, instead of running embedded', async (_name, extra, message) => {
    const files: Record<string, string> = { wrong: join(dir, 'wrong-password'), 'other-ca.pem': join(dir, 'other-ca.pem') };
    const env = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, files[v] ?? v]));
    const config = loadConfig({ env: { ...secureEnv, ...env, IOC_MODE: 'auto' }, cwd: tmpdir() });
    await expect(startEngine({ config, log: silentLogger() })).rejects.toThrow(message);
  }, 60_000);
});

describe('NATS tokens and creds files, through the configuration', () => {
  it('connects with a token and refuses a wrong one', async () => {
    const server = await startNats({ auth: { token: 'tok-Z5hq2w' } });
    try {
      const config = (token: string) => loadConfig({ env: { IOC_NATS_TOKEN: token }, cwd: tmpdir() });
      const conn = await openNatsConnection(server.url, natsSecurity(config('tok-Z5hq2w')));
      await conn.close();
      const err = await openNatsConnection(server.url, natsSecurity(config('tok-wrong'))).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(`NATS at ${server.url} refused the login with the token (nats.token)`);
      expect((err as Error).message).not.toContain('tok-wrong');
    } finally {
      await server.destroy();
    }
  }, 60_000);

  // Without an operator the server checks only the nkey signature made with the
  // creds file's seed (the JWT's checks belong to NATS' operator mode), which is
  // the part our configuration wires: the file is read, parsed and used to sign.
  it('signs in with the seed of a creds file, and a file with another seed is refused', async () => {
    const user = nkeys.createUser();
    const stranger = nkeys.createUser();
    const server = await startNats({ auth: { nkeys: [user.getPublicKey()] } });
    const creds = (kp: typeof user, name: string) => {
      const file = join(dir, name);
      const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.unused-without-an-operator';
      writeFileSync(file, `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(kp.getSeed())}\n------END USER NKEY SEED------\n`, { mode: 0o600 });
      return natsSecurity(loadConfig({ env: { IOC_NATS_CREDS_FILE: file }, cwd: tmpdir() }));
    };
    try {
      const conn = await openNatsConnection(server.url, creds(user, 'user.creds'));
      await conn.close();
      await expect(openNatsConnection(server.url, creds(stranger, 'stranger.creds'))).rejects.toThrow(`NATS at ${server.url} refused the login with the creds file (nats.credsFile)`);
    } finally {
      await server.destroy();
    }
  }, 60_000);
});
