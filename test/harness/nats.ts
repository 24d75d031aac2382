// Starts a private nats-server with JetStream for one test file (or the
// benchmark): a free port, its own temp store dir, stopped and removed after.
// Tests talk to it over real connections; nothing here fakes NATS.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
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
 */
export async function startNats(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ioc-nats-'));
  const port = await freePort();
  const logFile = join(dir, 'nats.log');
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(BINARY, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store'), '-l', logFile], {
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
