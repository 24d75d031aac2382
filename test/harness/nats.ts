// Starts a private nats-server with JetStream for one test file (or the
// benchmark): a free port, its own temp store dir, stopped and removed after.
// Tests talk to it over real connections; nothing here fakes NATS.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface NatsServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM), keeping its store so start() resumes it. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  destroy(): Promise<void>;
}

export interface StartNatsOptions {
  /** Who may connect: a user and password, a token, or users by nkey (public keys `U...`, as a creds file's seed signs). Default: anyone. */
  auth?: { user: string; password: string } | { token: string } | { nkeys: readonly string[] };
  /** Serve TLS only, with this PEM certificate and key; with `caFile` and `verify`, require client certificates it signed. */
  tls?: { certFile: string; keyFile: string; caFile?: string; verify?: boolean };
}

/** A nats-server configuration file for the options (NATS config strings take JSON quoting). */
function configFile(o: StartNatsOptions): string {
  const q = (s: string) => JSON.stringify(s);
  const lines: string[] = [];
  const a = o.auth;
  if (a && 'user' in a) lines.push(`authorization { user: ${q(a.user)}, password: ${q(a.password)} }`);
  if (a && 'token' in a) lines.push(`authorization { token: ${q(a.token)} }`);
  if (a && 'nkeys' in a) lines.push(`authorization { users: [ ${a.nkeys.map((k) => `{ nkey: ${q(k)} }`).join(', ')} ] }`);
  const t = o.tls;
  if (t) {
    const ca = t.caFile ? `, ca_file: ${q(t.caFile)}` : '';
    lines.push(`tls { cert_file: ${q(t.certFile)}, key_file: ${q(t.keyFile)}${ca}, verify: ${t.verify === true}, timeout: 5 }`);
  }
  return lines.join('\n') + '\n';
}

const BINARY = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';

async function waitForPort(port: number, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '(no log)';
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms:\n${log}`);
}

/**
 * @example
 * const nats = await startNats();
 * process.env.IOC_NATS_URL = nats.url;
 * afterAll(() => nats.destroy());
 * // Secured: a password and TLS with client certificates (see test/transport-security.test.ts).
 * await startNats({ auth: { user: 'ioc', password: 'pw' }, tls: { certFile, keyFile, caFile, verify: true } });
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ioc-nats-'));
  const port = await freePort();
  const logFile = join(dir, 'nats.log');
  let child: ChildProcess | undefined;
  // Credentials go in a file, not on the command line where `ps` shows them.
  const conf: string[] = [];
  if (options.auth || options.tls) {
    writeFileSync(join(dir, 'nats.conf'), configFile(options), { mode: 0o600 });
    conf.push('-c', join(dir, 'nats.conf'));
  }

  const start = async () => {
    child = spawn(BINARY, [...conf, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store'), '-l', logFile], {
      stdio: 'ignore',
    });
    child.on('error', () => undefined);
    await waitForPort(port, 10_000, logFile);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 5000).unref();
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
