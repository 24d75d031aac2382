// A scaled-out deployment on one machine: a 3-node NATS JetStream cluster on
// loopback ports and several engine processes sharing the partitions, all in
// the foreground until Ctrl-C. For trying scale-out by hand (kill an engine,
// kill a NATS node, watch `ioc cluster status`); the tests use the same
// NATS cluster code (nats-cluster.ts).
//
//   npx tsx deploy/local/cluster.ts [--nodes 3] [--engines 3] [--partitions 12]
//                                   [--clickhouse http://127.0.0.1:8123] [--simulate 500]
//
// ClickHouse is not clustered here: start one with
// `deploy/local/services.sh start clickhouse` (or pass --clickhouse).
// Engine i serves HTTP (console, /metrics) on 8091+i and gRPC on 50061+i.
// Data and logs go to deploy/local/.data/cluster (IOC_LOCAL_DATA/cluster).
// Sign-in is off (loopback only) unless IOC_AUTH_MODE is set.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startNatsCluster } from './nats-cluster.ts';

const here = import.meta.dirname;
const repo = resolve(here, '..', '..');
const cli = join(repo, 'engine', 'cli', 'bin.mjs');

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    engines: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '12' },
    clickhouse: { type: 'string', default: process.env.IOC_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123' },
    'nats-port': { type: 'string', default: '4301' },
    simulate: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: npx tsx deploy/local/cluster.ts [--nodes 3] [--engines 3] [--partitions 12] [--clickhouse URL] [--nats-port 4301] [--simulate events-per-second]');
  process.exit(0);
}
const int = (name: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`cluster.ts: --${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
};
const nodes = int('nodes', values.nodes, 1);
const engines = int('engines', values.engines, 1);
const partitions = int('partitions', values.partitions, 1);
const natsPort = int('nats-port', values['nats-port'], 1024);

const ping = await fetch(`${values.clickhouse}/ping`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
if (ping?.status !== 200) {
  console.error(`cluster.ts: ClickHouse does not answer at ${values.clickhouse}/ping. Start one with \`deploy/local/services.sh start clickhouse\` or pass --clickhouse URL.`);
  process.exit(3);
}

const data = join(process.env.IOC_LOCAL_DATA ?? join(here, '.data'), 'cluster');
mkdirSync(data, { recursive: true });
console.log(`starting a ${nodes}-node NATS cluster on ports ${natsPort}..${natsPort + nodes - 1} (data in ${data})`);
const nats = await startNatsCluster({ dir: join(data, 'nats'), nodes, basePort: natsPort });
const replicas = Math.min(3, nodes);

const children: ChildProcess[] = [];
const env = (i: number): NodeJS.ProcessEnv => ({
  ...process.env,
  IOC_MODE: 'real',
  IOC_NATS_URL: nats.servers,
  IOC_NATS_REPLICAS: String(replicas),
  IOC_CLICKHOUSE_URL: values.clickhouse,
  IOC_CLUSTER_PARTITIONS: String(partitions),
  IOC_HTTP_PORT: String(8091 + i),
  IOC_GRPC_PORT: String(50061 + i),
  IOC_AUTH_MODE: process.env.IOC_AUTH_MODE ?? 'off',
});
for (let i = 0; i < engines; i++) {
  const log = createWriteStream(join(data, `engine-${i + 1}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [cli, 'start'], { env: env(i), cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  child.once('exit', (code, signal) => console.log(`engine ${i + 1} (pid ${child.pid}) exited: ${signal ?? code}`));
  children.push(child);
  console.log(`engine ${i + 1}: pid ${child.pid}, http://127.0.0.1:${8091 + i}  grpc 127.0.0.1:${50061 + i}  log ${join(data, `engine-${i + 1}.log`)}`);
}
// Ready when every engine's /readyz answers 200 (the streams exist then).
const readyBy = Date.now() + 120_000;
for (let i = 0; i < engines; i++) {
  while ((await fetch(`http://127.0.0.1:${8091 + i}/readyz`).catch(() => undefined))?.status !== 200) {
    if (Date.now() > readyBy || children[i]!.exitCode !== null) {
      console.error(`engine ${i + 1} is not ready; see ${join(data, `engine-${i + 1}.log`)}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
console.log('engines ready');
if (values.simulate !== undefined) {
  const sim = spawn(process.execPath, [cli, 'simulate', '--rate', values.simulate, '--nats', nats.nodes[0]!.url], { cwd: repo, stdio: 'inherit' });
  children.push(sim);
}

console.log(`
NATS: ${nats.servers}  (monitoring on ${nats.nodes.map((n) => n.monitorPort).join(', ')})
status:       IOC_NATS_URL=${nats.servers} IOC_CLUSTER_PARTITIONS=${partitions} node engine/cli/bin.mjs cluster status
kill a node:  kill -9 $(pgrep -f '${join(data, 'nats', 'n1')}')   (it is not restarted; run this script again)
Ctrl-C stops everything.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping engines and NATS ...');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null || c.signalCode !== null) return done();
          c.once('exit', () => done());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  await nats.destroy({ keepData: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
