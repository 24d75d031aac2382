// Starts a private clickhouse-server for one test file (or the benchmark):
// free loopback ports, its own temp data dir and config, stopped and removed
// after. Never touches the system's ClickHouse (/etc/clickhouse-server, :8123).
// Measured on the 2-core test box with Debian's 18.16: ready in ~0.15 s,
// SIGTERM shutdown ~2 s.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface ClickHouseServer {
  /** HTTP endpoint for @clickhouse/client, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly httpPort: number;
  /** HTTPS endpoint, e.g. `https://127.0.0.1:41236`, when started with `https`. */
  readonly httpsUrl: string | undefined;
  readonly httpsPort: number | undefined;
  /** Native protocol port (clickhouse-client). */
  readonly tcpPort: number;
  /** Temp dir holding config, data and logs; removed by destroy(). */
  readonly dir: string;
  readonly running: boolean;
  /** Stops the server (SIGTERM, waits for exit), keeping data and ports so start() resumes it. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL: no flush, no clean shutdown), keeping data and ports so start() resumes it. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves when it answers `SELECT 1`. */
  start(): Promise<void>;
  /** Stops it and removes its temp dir. */
  destroy(): Promise<void>;
  /** The last lines of its logs, for failure messages. */
  logTail(lines?: number): string;
}

export interface StartClickHouseOptions {
  /** How long to wait for `SELECT 1` to answer. Default 30 s. */
  startupTimeoutMs?: number;
  /** Server log level. Default `information` (one line per query; use `warning` for benchmarks). */
  logLevel?: 'trace' | 'debug' | 'information' | 'warning' | 'error';
  /** Password of the `default` user. Default none (anyone on loopback may log in as `default`). */
  password?: string;
  /** More users, each with its password and the default profile. */
  users?: readonly { name: string; password: string }[];
  /**
   * Also serve HTTPS on a port of its own with this PEM certificate and key;
   * plain HTTP stays on `url`. With `caFile` and `verify`, only clients with a
   * certificate that CA signed get through the handshake.
   */
  https?: { certFile: string; keyFile: string; caFile?: string; verify?: boolean };
  /**
   * Listen on these ports instead of free ones picked at start: the nodes of a
   * cluster name each other's ports in their configuration before any starts.
   * A port taken meanwhile fails the start (no retry on other ports).
   */
  ports?: { http: number; tcp: number; interserver: number };
  /** More server configuration, XML elements placed inside `<yandex>` (remote_servers, macros, zookeeper, ...). */
  extraConfigXml?: string;
}

interface Launcher {
  command: string;
  /** Arguments before `--config-file=…`: the multi-call binary needs `server`. */
  prefix: string[];
}

/** Debian's 18.16 ships /usr/sbin/clickhouse-server; current packages ship one `clickhouse` binary with a `server` subcommand. */
function findLauncher(): Launcher {
  const fromEnv = process.env.IOC_CLICKHOUSE_BIN;
  if (fromEnv) return { command: fromEnv, prefix: /clickhouse$/.test(fromEnv) ? ['server'] : [] };
  for (const p of ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/local/bin/clickhouse-server']) {
    if (existsSync(p)) return { command: p, prefix: [] };
  }
  for (const p of ['/usr/bin/clickhouse', '/usr/local/bin/clickhouse']) {
    if (existsSync(p)) return { command: p, prefix: ['server'] };
  }
  throw new Error('clickhouse-server not found: install the Debian package (npm test does) or set IOC_CLICKHOUSE_BIN');
}

/** XML text content: passwords and paths may hold `&` or `<`. */
function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** 18.16 reads `https_port` and `openSSL.server` (Poco's SSL settings). */
function httpsXml(ports: Ports, https: StartClickHouseOptions['https']): string {
  if (!https || ports.https === undefined) return '';
  return `
  <https_port>${ports.https}</https_port>
  <openSSL>
    <server>
      <certificateFile>${xmlText(https.certFile)}</certificateFile>
      <privateKeyFile>${xmlText(https.keyFile)}</privateKeyFile>
      <verificationMode>${https.verify ? 'strict' : 'none'}</verificationMode>${https.caFile ? `
      <caConfig>${xmlText(https.caFile)}</caConfig>` : ''}
      <loadDefaultCAFile>false</loadDefaultCAFile>
      <cacheSessions>true</cacheSessions>
      <disableProtocols>sslv2,sslv3</disableProtocols>
      <preferServerCiphers>true</preferServerCiphers>
    </server>
  </openSSL>`;
}

function configXml(dir: string, ports: Ports, logLevel: string, https?: StartClickHouseOptions['https'], extra = ''): string {
  const data = join(dir, 'data');
  // Caches are upper bounds allocated on demand; the defaults (5-8 GiB) assume a dedicated server.
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>${logLevel}</level>
    <log>${join(dir, 'server.log')}</log>
    <errorlog>${join(dir, 'server.err.log')}</errorlog>
    <size>50M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <interserver_http_port>${ports.interserver}</interserver_http_port>${httpsXml(ports, https)}
  <path>${data}/</path>
  <tmp_path>${data}/tmp/</tmp_path>
  <user_files_path>${data}/user_files/</user_files_path>
  <format_schema_path>${data}/format_schemas/</format_schema_path>
  <users_config>${join(dir, 'users.xml')}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <max_concurrent_queries>32</max_concurrent_queries>
  <keep_alive_timeout>10</keep_alive_timeout>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mlock_executable>false</mlock_executable>${extra}
</yandex>
`;
}

function userXml(name: string, password: string): string {
  return `
    <${name}>
      <password>${xmlText(password)}</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </${name}>`;
}

function usersXml(options: StartClickHouseOptions): string {
  const users = [userXml('default', options.password ?? ''), ...(options.users ?? []).map((u) => userXml(u.name, u.password))];
  return `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <max_threads>2</max_threads>
    </default>
  </profiles>
  <users>${users.join('')}
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`;
}

interface Ports {
  http: number;
  tcp: number;
  interserver: number;
  https: number | undefined;
}

async function freePorts(withHttps: boolean): Promise<Ports> {
  // freePort never hands out a port twice in one process, so these are distinct.
  return { http: await freePort(), tcp: await freePort(), interserver: await freePort(), https: withHttps ? await freePort() : undefined };
}

/** Servers still running and temp dirs not yet removed: cleaned up if the test process exits without destroy(). */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** True when the server answers `SELECT 1`. No keep-alive: an idle probe socket would hold up the server's shutdown. */
function answers(port: number, password: string): Promise<boolean> {
  const auth = password === '' ? {} : { authorization: `Basic ${Buffer.from(`default:${password}`).toString('base64')}` };
  return new Promise((resolve) => {
    const req = httpGet(
      { host: '127.0.0.1', port, path: '/?query=SELECT%201', agent: false, headers: { connection: 'close', ...auth }, timeout: 2000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 && body.trim() === '1'));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Starts a private ClickHouse and resolves once it answers queries.
 *
 * @example
 * const ch = await startClickHouse();
 * const store = new ClickHouseStore({ url: ch.url });
 * afterAll(() => ch.destroy());
 * // Secured: passwords, and HTTPS on ch.httpsUrl (see test/transport-security.test.ts).
 * await startClickHouse({ password: 'pw', users: [{ name: 'ioc', password: 'pw2' }], https: { certFile, keyFile } });
 */
export async function startClickHouse(options: StartClickHouseOptions = {}): Promise<ClickHouseServer> {
  const launcher = findLauncher();
  const timeoutMs = options.startupTimeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'ioc-clickhouse-'));
  dirs.add(dir);
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'users.xml'), usersXml(options));
  const configFile = join(dir, 'config.xml');
  const stdoutFile = join(dir, 'stdout.log');
  let ports: Ports = options.ports ? { ...options.ports, https: options.https ? await freePort() : undefined } : await freePorts(options.https !== undefined);
  let child: ChildProcess | undefined;

  const logTail = (lines = 30): string =>
    [tail(join(dir, 'server.err.log'), lines), tail(stdoutFile, lines)].filter((s) => s !== '').join('\n') || '(no log output)';

  const launch = async (): Promise<void> => {
    const url = `http://127.0.0.1:${ports.http}`;
    const out = openSync(stdoutFile, 'a');
    const c = spawn(launcher.command, [...launcher.prefix, `--config-file=${configFile}`], { stdio: ['ignore', out, out], cwd: dir });
    closeSync(out);
    child = c;
    live.add(c);
    let exited = false;
    let spawnError: Error | undefined;
    c.once('error', (err) => {
      spawnError = err;
      exited = true;
    });
    c.once('exit', () => {
      exited = true;
      live.delete(c);
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited) {
        child = undefined;
        throw new Error(`clickhouse-server exited during startup${spawnError ? `: ${spawnError.message}` : ''}\n${logTail()}`);
      }
      if (await answers(ports.http, options.password ?? '')) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    throw new Error(`clickhouse-server did not answer on ${url} within ${timeoutMs} ms\n${logTail()}`);
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
      setTimeout(() => c.kill('SIGKILL'), 30_000).unref();
    });
  };

  // The ports were free a moment ago; another process may take one before the server binds it.
  for (let attempt = 1; ; attempt++) {
    writeFileSync(configFile, configXml(dir, ports, options.logLevel ?? 'information', options.https, options.extraConfigXml));
    try {
      await launch();
      break;
    } catch (err) {
      const busy = /Address already in use/i.test(String(err));
      if (!busy || attempt === 3 || options.ports !== undefined) {
        rmSync(dir, { recursive: true, force: true });
        dirs.delete(dir);
        throw err;
      }
      ports = await freePorts(options.https !== undefined);
    }
  }

  return {
    url: `http://127.0.0.1:${ports.http}`,
    httpPort: ports.http,
    httpsUrl: ports.https === undefined ? undefined : `https://127.0.0.1:${ports.https}`,
    httpsPort: ports.https,
    tcpPort: ports.tcp,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null;
    },
    start: async () => {
      if (child !== undefined) return;
      await launch();
    },
    stop: () => stop(),
    kill: () => stop('SIGKILL'),
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
    logTail,
  };
}

export interface ClickHouseCluster {
  /** Cluster name in every node's `remote_servers`. */
  readonly name: string;
  /** One node per shard, shard 1 first; each has macros `{shard}` (1, 2, ...) and `{replica}` (`node1`, `node2`, ...). */
  readonly nodes: readonly ClickHouseServer[];
  /** Stops every node and removes their temp dirs. */
  destroy(): Promise<void>;
}

export interface StartClickHouseClusterOptions extends Pick<StartClickHouseOptions, 'startupTimeoutMs' | 'logLevel'> {
  /** Default `ioc_cluster`. */
  name?: string;
  /** Shards, one single-replica node each. */
  shards: number;
  /** ZooKeeper for ON CLUSTER DDL and Replicated tables (test/harness/zookeeper.ts). */
  zookeeper: { host: string; port: number };
}

/** The cluster part of one node's configuration; every node names all of them by native port. */
function clusterXml(name: string, tcpPorts: readonly number[], self: number, zookeeper: { host: string; port: number }): string {
  const shards = tcpPorts
    .map((port) => `
      <shard>
        <internal_replication>true</internal_replication>
        <replica><host>127.0.0.1</host><port>${port}</port></replica>
      </shard>`)
    .join('');
  return `
  <remote_servers>
    <${name}>${shards}
    </${name}>
  </remote_servers>
  <zookeeper>
    <node><host>${xmlText(zookeeper.host)}</host><port>${zookeeper.port}</port></node>
    <session_timeout_ms>30000</session_timeout_ms>
  </zookeeper>
  <macros>
    <shard>${self + 1}</shard>
    <replica>node${self + 1}</replica>
  </macros>
  <distributed_ddl>
    <path>/clickhouse/task_queue/ddl</path>
  </distributed_ddl>
  <interserver_http_host>127.0.0.1</interserver_http_host>`;
}

/**
 * Starts a private cluster of `shards` ClickHouse servers (one replica per
 * shard) sharing one ZooKeeper: ON CLUSTER DDL, Replicated* tables and
 * Distributed tables work across them. Ports are picked for all nodes first,
 * since each node's configuration lists every node.
 *
 * @example
 * const zk = await startZooKeeper();
 * const cluster = await startClickHouseCluster({ shards: 2, zookeeper: zk });
 * afterAll(async () => { await cluster.destroy(); await zk.destroy(); });
 */
export async function startClickHouseCluster(options: StartClickHouseClusterOptions): Promise<ClickHouseCluster> {
  const name = options.name ?? 'ioc_cluster';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`cluster name "${name}" is not a plain identifier`);
  const seen = new Set<number>();
  while (seen.size < options.shards * 3) seen.add(await freePort());
  const all = [...seen];
  const ports = Array.from({ length: options.shards }, (_, i) => ({ http: all[3 * i]!, tcp: all[3 * i + 1]!, interserver: all[3 * i + 2]! }));
  const tcpPorts = ports.map((p) => p.tcp);
  const nodes: ClickHouseServer[] = [];
  const destroy = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.destroy()));
  };
  try {
    for (const [i, p] of ports.entries()) {
      nodes.push(
        await startClickHouse({
          ...(options.startupTimeoutMs !== undefined ? { startupTimeoutMs: options.startupTimeoutMs } : {}),
          ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
          ports: p,
          extraConfigXml: clusterXml(name, tcpPorts, i, options.zookeeper),
        }),
      );
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  return { name, nodes, destroy };
}
