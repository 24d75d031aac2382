// A NATS JetStream cluster of N nodes (3 by default) on one machine, on
// loopback ports, each node with its own store. For tests (the module's
// `startNatsCluster`) and for a developer who wants to see partitions move
// between engines (`deploy/local/cluster.ts`).
//
// Every node is a plain `nats-server` with a config file: a client port, a
// route port, a monitoring port, and routes to every other node. The cluster
// is ready when every node names the same JetStream meta leader and that
// leader sees every other node as current (ready()).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface NatsNode {
  name: string;
  /** Client URL, e.g. nats://127.0.0.1:4222. */
  url: string;
  port: number;
  routePort: number;
  monitorPort: number;
  logFile: string;
  /** Whether the process is running now. */
  running(): boolean;
  /** Stops the node: SIGTERM (graceful) by default, SIGKILL to simulate a crash. Its store is kept. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the node again on the same ports and store; resolves when it answers (then await the cluster's ready()). */
  start(): Promise<void>;
  /** Whether its log says, since it last started, that it disabled JetStream (see `ready()`). */
  jetStreamDisabled(): boolean;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's client URL, comma-separated: the value for `nats.url` (IOC_NATS_URL). */
  servers: string;
  /**
   * Resolves when every running node agrees on a JetStream meta leader that
   * sees all other running nodes as current. Like a supervisor, it restarts
   * (at most twice per call) a node that disabled JetStream: nats-server 2.9
   * sometimes does after a SIGKILL, when a RAFT group's folder was removed
   * under it ("JetStream out of resources, will be DISABLED", nats-server
   * issue 2221), and stays up without it.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops every node and, unless `keepData`, removes the data folder. */
  destroy(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartNatsClusterOptions {
  /** Folder for configs, stores and logs (created; removed by destroy()). */
  dir: string;
  /** Number of nodes (default 3). */
  nodes?: number;
  /** First client port; node i uses basePort + i. Default: free ports. */
  basePort?: number;
  /** First route port (default basePort + 2000 when basePort is given, else free ports). */
  baseRoutePort?: number;
  /** First monitoring port (default basePort + 4000 when basePort is given, else free ports). */
  baseMonitorPort?: number;
  /** Cluster name (default `ioc-local`). */
  name?: string;
  /** How long to wait for the cluster to be ready (default 60 s). */
  readyTimeoutMs?: number;
}

/** Nodes this process started: killed if it exits first (a crashed test or script), so none outlives it. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const BINARY = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';

/** What nats-server 2.9 logs when it turns JetStream off and keeps running without it. */
const JETSTREAM_DISABLED = 'will be DISABLED';

/** The config of node `i`: JetStream with its own store, routes to all the others. */
export function nodeConfig(o: { name: string; cluster: string; port: number; routePort: number; monitorPort: number; storeDir: string; routePorts: number[] }): string {
  const routes = o.routePorts.filter((p) => p !== o.routePort).map((p) => `    nats-route://127.0.0.1:${p}`);
  return [
    `server_name: ${JSON.stringify(o.name)}`,
    `listen: "127.0.0.1:${o.port}"`,
    `http: "127.0.0.1:${o.monitorPort}"`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(o.storeDir)}`,
    `  max_memory_store: 256MB`,
    `  max_file_store: 4GB`,
    `}`,
    `cluster {`,
    `  name: ${JSON.stringify(o.cluster)}`,
    `  listen: "127.0.0.1:${o.routePort}"`,
    `  routes: [`,
    ...routes,
    `  ]`,
    `}`,
    '',
  ].join('\n');
}

/**
 * Whether the node is up and answering. Not its /healthz: after a restart that
 * stays failing until every stream and consumer replica has caught up, which
 * under load (consumers re-created as partitions move) took over a minute;
 * the node serves clients long before. Readiness is the meta group's (ready()).
 */
async function serving(monitorPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/varz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

interface MetaCluster {
  leader?: string;
  replicas?: { name: string; current: boolean }[];
}

async function metaCluster(monitorPort: number): Promise<MetaCluster | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? ((await res.json()) as { meta_cluster?: MetaCluster }).meta_cluster : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether JetStream is ready across the cluster: every node names the same
 * meta leader, and the leader sees every other node as a current replica.
 * (A meta leader alone is not enough: a stream created before the last peer
 * is current can time out.)
 */
async function jetStreamReady(nodes: { name: string; monitorPort: number }[]): Promise<boolean> {
  const metas = await Promise.all(nodes.map((n) => metaCluster(n.monitorPort)));
  const leader = metas[0]?.leader;
  if (!leader || metas.some((m) => m?.leader !== leader)) return false;
  const atLeader = metas[nodes.findIndex((n) => n.name === leader)];
  const current = (atLeader?.replicas ?? []).filter((r) => r.current).length;
  return current === nodes.length - 1;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(file: string, lines = 15): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

/**
 * Starts an N-node cluster and waits until JetStream has a meta leader.
 *
 * @example
 * const cluster = await startNatsCluster({ dir: mkdtempSync(join(tmpdir(), 'ioc-natsc-')) });
 * process.env.IOC_NATS_URL = cluster.servers;      // and nats.replicas = 3
 * await cluster.nodes[1]!.stop('SIGKILL');          // a node crashes
 * await cluster.nodes[1]!.start();                  // and comes back
 * await cluster.destroy();
 */
export async function startNatsCluster(o: StartNatsClusterOptions): Promise<NatsCluster> {
  const count = o.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new Error(`nodes must be a positive integer, got ${count}`);
  const cluster = o.name ?? 'ioc-local';
  const readyTimeoutMs = o.readyTimeoutMs ?? 60_000;
  const ports = async (base: number | undefined) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(base !== undefined ? base + i : await freePort());
    return out;
  };
  const clientPorts = await ports(o.basePort);
  const routePorts = await ports(o.baseRoutePort ?? (o.basePort !== undefined ? o.basePort + 2000 : undefined));
  const monitorPorts = await ports(o.baseMonitorPort ?? (o.basePort !== undefined ? o.basePort + 4000 : undefined));
  mkdirSync(o.dir, { recursive: true });

  const nodes: NatsNode[] = clientPorts.map((port, i) => {
    const name = `n${i + 1}`;
    const nodeDir = join(o.dir, name);
    mkdirSync(nodeDir, { recursive: true });
    const confFile = join(nodeDir, 'nats.conf');
    const logFile = join(nodeDir, 'nats.log');
    const monitorPort = monitorPorts[i]!;
    writeFileSync(confFile, nodeConfig({ name, cluster, port, routePort: routePorts[i]!, monitorPort, storeDir: join(nodeDir, 'store'), routePorts }));
    let child: ChildProcess | undefined;
    /** Size of the log when the node last started: what it logged since is after it. */
    let logFrom = 0;
    const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
    const launch = () => {
      logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
      const c = spawn(BINARY, ['-c', confFile, '-l', logFile], { stdio: 'ignore' });
      c.on('error', () => undefined);
      children.add(c);
      c.once('exit', () => children.delete(c));
      child = c;
    };
    return {
      name,
      url: `nats://127.0.0.1:${port}`,
      port,
      routePort: routePorts[i]!,
      monitorPort,
      logFile,
      running,
      stop: async (signal = 'SIGTERM') => {
        const c = child;
        child = undefined;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill(signal);
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        });
      },
      start: async () => {
        if (running()) return;
        launch();
        await waitFor(() => serving(monitorPort), readyTimeoutMs, () => `${name} not answering on its monitoring port:\n${tail(logFile)}`);
      },
      jetStreamDisabled: () => existsSync(logFile) && readFileSync(logFile).subarray(logFrom).includes(JETSTREAM_DISABLED),
    };
  });

  const all = async (fn: (n: NatsNode) => Promise<void>) => {
    await Promise.all(nodes.map(fn));
  };
  const destroy = async (d: { keepData?: boolean } = {}) => {
    await all((n) => n.stop());
    if (!d.keepData) rmSync(o.dir, { recursive: true, force: true });
  };
  const ready = (timeoutMs = readyTimeoutMs) => {
    const up = nodes.filter((n) => n.running());
    let restarts = 0;
    const check = async () => {
      for (const n of up) {
        if (restarts >= 2 || !n.jetStreamDisabled()) continue;
        restarts++;
        process.stderr.write(`nats-cluster: ${n.name} disabled JetStream (a nats-server 2.9 fault after a crash); restarting it\n`);
        await n.stop();
        await n.start();
      }
      return jetStreamReady(up);
    };
    return waitFor(check, timeoutMs, () => `no JetStream meta leader current with every node:\n${up.map((n) => `--- ${n.name}\n${tail(n.logFile)}`).join('\n')}`);
  };
  try {
    await all((n) => n.start());
    await ready();
  } catch (err) {
    await destroy();
    throw err;
  }
  return { nodes, servers: nodes.map((n) => n.url).join(','), ready, destroy };
}
