// A whole stack for a test: private nats-server and clickhouse-server, and the
// engine, either in this process or as a child process (to SIGKILL it).
// Everything talks over real loopback connections.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { connect, type NatsConnection } from 'nats';
import { ioc } from '../../protos/gen/ioc.js';
import { AlertsService, ConsoleService, IngestService } from '../../protos/gen/services.ts';
import { startEngine, type RunningEngine } from '../../engine/app/index.ts';
import { loadConfig, type Config } from '../../engine/config/index.ts';
import { silentLogger } from '../../engine/log/index.ts';
import { startClickHouse, type ClickHouseServer } from './clickhouse.ts';
import { startNats, type NatsServer } from './nats.ts';
import { freePort } from './ports.ts';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** A rule pack for tests: one stateless rule per interesting case. */
export const TEST_RULES = `
rules:
  - id: flood.water-level-critical
    title: { vi: "Mực nước nguy hiểm", en: "Critical water level" }
    on: water.level
    where: e.value >= 2.0
    severity: critical
    message:
      vi: "Mực nước {{ e.value }} m tại {{ e.source }}"
      en: "Water level {{ e.value }} m at {{ e.source }}"
  - id: aq.pm25-very-unhealthy
    title: { vi: "PM2.5 rất có hại", en: "PM2.5 very unhealthy" }
    on: "aq.*"
    where: e.value >= 150.5
    severity: major
    message: { vi: "PM2.5 {{ e.value }}", en: "PM2.5 {{ e.value }}" }
`;

export interface Stack {
  nats: NatsServer;
  clickhouse: ClickHouseServer;
  /** Environment for an engine on this stack (also for child processes). */
  env: Record<string, string>;
  rulesDir: string;
  /** A ClickHouse client on the stack's database. */
  ch: ClickHouseClient;
  nc: NatsConnection;
  destroy(): Promise<void>;
}

/**
 * Starts private NATS and ClickHouse servers and writes a rules dir. `nats`
 * uses NATS the caller started instead (a cluster: its `url` may list several
 * servers, comma-separated, as `nats.url` does); the stack destroys it too.
 */
export async function startStack(opts: { rules?: string; database?: string; nats?: NatsServer } = {}): Promise<Stack> {
  const [nats, clickhouse] = await Promise.all([opts.nats ?? startNats(), startClickHouse()]);
  const rulesDir = mkdtempSync(join(tmpdir(), 'ioc-rules-'));
  writeFileSync(join(rulesDir, 'test.yaml'), opts.rules ?? TEST_RULES);
  const database = opts.database ?? 'ioc_test';
  const env = {
    IOC_MODE: 'real',
    IOC_NATS_URL: nats.url,
    IOC_CLICKHOUSE_URL: clickhouse.url,
    IOC_CLICKHOUSE_DB: database,
    IOC_RULES_DIR: rulesDir,
    IOC_HTTP_PORT: String(await freePort()),
    IOC_GRPC_PORT: String(await freePort()),
    IOC_HTTP_HOST: '127.0.0.1',
    IOC_GRPC_HOST: '127.0.0.1',
    IOC_WRITER_FLUSH_MS: '100',
    IOC_WRITER_RETRY_MAX_MS: '1000',
    IOC_CONSOLE_DIR: join(repoRoot, 'console', 'dist'),
    IOC_LOG_LEVEL: 'warn',
    // auth.mode defaults to required; tests that are not about sign-in run
    // without it, and tests that are pass their own IOC_AUTH_MODE (and accounts).
    IOC_AUTH_MODE: 'off',
  };
  const ch = createClient({ url: clickhouse.url, request_timeout: 30_000 });
  const nc = await connect({ servers: nats.url.split(','), noAsyncTraces: true, maxReconnectAttempts: -1 });
  return {
    nats,
    clickhouse,
    env,
    rulesDir,
    ch,
    nc,
    destroy: async () => {
      await nc.close().catch(() => undefined);
      await ch.close().catch(() => undefined);
      await Promise.all([nats.destroy(), clickhouse.destroy()]);
      rmSync(rulesDir, { recursive: true, force: true });
    },
  };
}

export function stackConfig(stack: Stack, extra: Record<string, string> = {}): Config {
  return loadConfig({ env: { ...stack.env, ...extra }, cwd: tmpdir() });
}

/** Starts the engine in this process on the stack. */
export function startTestEngine(stack: Stack, extra: Record<string, string> = {}): Promise<RunningEngine> {
  return startEngine({ config: stackConfig(stack, extra), log: silentLogger() });
}

/** Engine processes this test process started; killed if it exits first, so none outlives a test run. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `ioc start` as a child process on the stack; resolves when /readyz answers 200. */
export async function spawnEngine(stack: Stack, extra: Record<string, string> = {}): Promise<ChildProcess & { logs(): string }> {
  const env = { ...process.env, ...stack.env, ...extra };
  const child = spawn(process.execPath, [join(repoRoot, 'engine', 'cli', 'bin.mjs'), 'start'], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const withLogs = Object.assign(child, { logs: () => out });
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}:\n${out}`);
      const res = await fetch(`http://127.0.0.1:${env.IOC_HTTP_PORT}/readyz`).catch(() => undefined);
      return res?.status === 200;
    }, 120_000, () => `engine not ready:\n${out}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return withLogs;
}

/** Polls `check` until it returns true (or a value), failing with `describe()` after `timeoutMs`. */
export async function waitUntil<T>(check: () => Promise<T | false | undefined> | T | false | undefined, timeoutMs = 30_000, describe: () => string = () => 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== false && v !== undefined) return v as T;
    } catch (err) {
      last = err;
      if (err instanceof Error && err.message.startsWith('engine exited')) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Rows of a query, parsed (JSONEachRow). */
export async function queryRows<T>(ch: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await ch.query({ query, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** grpc-js clients for the engine's native port, built from our generated definitions. */
export function grpcClients(port: number) {
  const address = `127.0.0.1:${port}`;
  const creds = grpc.credentials.createInsecure();
  const Ingest = grpc.makeGenericClientConstructor(IngestService as unknown as grpc.ServiceDefinition, 'Ingest');
  const Alerts = grpc.makeGenericClientConstructor(AlertsService as unknown as grpc.ServiceDefinition, 'Alerts');
  const Console = grpc.makeGenericClientConstructor(ConsoleService as unknown as grpc.ServiceDefinition, 'Console');
  return { ingest: new Ingest(address, creds), alerts: new Alerts(address, creds), console: new Console(address, creds) };
}

/** What a console connected to the engine's native port is shown first: the live snapshot's sensors. */
export function liveSensors(port: number): Promise<ioc.v1.ISensorState[]> {
  const { console: client } = grpcClients(port);
  return new Promise((resolve, reject) => {
    const call = (client as unknown as { watch(req: ioc.v1.IWatchRequest, md: grpc.Metadata): grpc.ClientReadableStream<ioc.v1.ConsoleUpdate> }).watch({}, new grpc.Metadata());
    call.once('data', (u: ioc.v1.ConsoleUpdate) => {
      resolve(u.snapshot?.sensors ?? []);
      call.cancel();
      client.close();
    });
    call.once('error', (err: grpc.ServiceError) => {
      if (err.code !== grpc.status.CANCELLED) reject(err);
    });
  });
}
