// The benchmark's scale-out phase (issue 8): the same events and rules
// through 1, 2 and 3 engine processes sharing P partitions (`ioc start` with
// cluster.partitions = P), each count on a fresh nats-server and its own
// ClickHouse database. The engines start first and settle their shares;
// then the events are published as fast as NATS takes them, and the run
// ends when the router has routed every event and every partition consumer
// has acknowledged all it was given (so replays after a hand-over cannot
// inflate the figure). Per-process efficiency = rate(n) / (n × rate(1)).
// CPU is read from /proc, so the table says how many cores each process
// actually got: with more processes than cores, that is what limits scaling.

import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { JetStreamPublisher } from '../../engine/bus/js-publisher.ts';
import { eventKey, type IocEvent } from '../../engine/events/index.ts';
import { repoRoot } from '../harness/engine.ts';
import { cpuByCommand, cpuSeconds, machineCpuSeconds, peakRssMb } from './cpu.ts';
import { startNats } from '../harness/nats.ts';
import { freePort } from '../harness/ports.ts';

export interface ScaleRun {
  engines: number;
  partitions: number;
  events: number;
  eventsPerSec: number;
  /** rate(n) / (n × rate(1)); 1 for the single process. */
  efficiency: number;
  /** Cores each engine process used while the events flowed (user + system). */
  coresPerEngine: number[];
  /** Cores the whole machine spent in that time (all processes). */
  machineCores: number;
  /** Cores nats-server and clickhouse-server spent in that time, and this process (the feed). */
  natsCores: number;
  clickhouseCores: number;
  feedCores: number;
  peakRssMb: number[];
  /** Partition shares once settled, e.g. [6, 6]. */
  shares: number[];
  settleMs: number;
}

const encoder = new TextEncoder();

async function metric(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`scale-out bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface ScaleOptions {
  events: IocEvent[];
  rulesDir: string;
  clickhouseUrl: string;
  counts: number[];
  partitions: number;
  batch: number;
  log(s: string): void;
}

async function runOnce(o: ScaleOptions, n: number): Promise<Omit<ScaleRun, 'efficiency'>> {
  const nats = await startNats();
  const engines: { child: ChildProcess; httpPort: number }[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const httpPort = await freePort();
      const env = {
        ...process.env,
        IOC_MODE: 'real', IOC_NATS_URL: nats.url, IOC_CLICKHOUSE_URL: o.clickhouseUrl, IOC_CLICKHOUSE_DB: `ioc_scale_${n}`,
        IOC_RULES_DIR: o.rulesDir, IOC_HTTP_PORT: String(httpPort), IOC_GRPC_PORT: String(await freePort()),
        IOC_HTTP_HOST: '127.0.0.1', IOC_GRPC_HOST: '127.0.0.1', IOC_NATS_BATCH: String(o.batch), IOC_LOG_LEVEL: 'warn',
        IOC_INGEST_MAX_FUTURE_SECONDS: '600', IOC_AUTH_MODE: 'off',
        IOC_CLUSTER_PARTITIONS: String(o.partitions), IOC_CLUSTER_ROUND_MS: '1000',
      };
      // BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of each engine process, as in the engine section.
      const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
      const child = spawn(process.execPath, [...profile, join(repoRoot, 'engine', 'cli', 'bin.mjs'), 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      engines.push({ child, httpPort });
    }
    const started = Date.now();
    for (const e of engines) {
      await until(async () => ((await fetch(`http://127.0.0.1:${e.httpPort}/readyz`)).status === 200 ? true : undefined), 120_000, 'an engine to be ready');
    }
    // Settled: every partition owned, none over the plan's capacity (slots: partitions, router, city-wide rules), for 3 s.
    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    const cap = Math.ceil((o.partitions + 2) / n);
    let last = '';
    let since = 0;
    const shares = await until(async () => {
      const s = await Promise.all(engines.map((e) => metric(e.httpPort, 'ioc_partitions_owned')));
      const ok = s.reduce((a, b) => a + b, 0) === o.partitions && s.every((x) => x > 0 && x <= cap);
      const key = s.join('/');
      if (!ok || key !== last) {
        last = ok ? key : '';
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= 3000 ? s : undefined;
    }, 120_000, `${n} engines to share ${o.partitions} partitions`);
    const settleMs = Date.now() - started;

    // The engine's own publisher: the feed must cost this process as little CPU as it can, the engines share the machine.
    const publisher = new JetStreamPublisher(nc, 10_000);
    const jsm = await nc.jetstreamManager();
    const cpu0 = engines.map((e) => cpuSeconds(e.child.pid!));
    const machine0 = machineCpuSeconds();
    const byCommand0 = cpuByCommand();
    const self0 = cpuSeconds(process.pid);
    const t0 = performance.now();
    o.log(`scale-out: ${n} engine(s) own ${shares.join('/')} of ${o.partitions} partitions; publishing ${o.events.length} events`);
    // A publish whose acknowledgement times out (the machine is busy) is sent again with the same message id.
    const publish = async (e: IocEvent) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await publisher.publish(`ioc.events.${e.type}`, encoder.encode(JSON.stringify(e)), { msgId: eventKey(e) });
        } catch (err) {
          if (attempt >= 10) throw err;
        }
      }
    };
    const pending: Promise<unknown>[] = [];
    for (const e of o.events) {
      pending.push(publish(e));
      if (pending.length >= 1000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    // Done: everything routed into IOC_PARTS, and every partition consumer has acknowledged all it holds.
    await until(async () => {
      const parts = await jsm.streams.info('IOC_PARTS');
      if (parts.state.messages < o.events.length) return undefined;
      const router = await jsm.consumers.info('IOC_EVENTS', 'ioc-router');
      if (router.num_pending > 0 || router.num_ack_pending > 0) return undefined;
      for (let p = 0; p < o.partitions; p++) {
        const c = await jsm.consumers.info('IOC_PARTS', `ioc-engine-p${p}`);
        if (c.num_pending > 0 || c.num_ack_pending > 0) return undefined;
      }
      return true;
    }, 900_000, `${n} engine(s) to process ${o.events.length} events`, 200);
    const seconds = (performance.now() - t0) / 1000;
    const coresPerEngine = engines.map((e, i) => Number(((cpuSeconds(e.child.pid!) - cpu0[i]!) / seconds).toFixed(2)));
    const machineCores = Number(((machineCpuSeconds() - machine0) / seconds).toFixed(2));
    const byCommand1 = cpuByCommand();
    const coresOf = (comm: string) => Number((((byCommand1.get(comm) ?? 0) - (byCommand0.get(comm) ?? 0)) / seconds).toFixed(2));
    const natsCores = coresOf('nats-server');
    const clickhouseCores = coresOf('clickhouse-serv');
    const feedCores = Number(((cpuSeconds(process.pid) - self0) / seconds).toFixed(2));
    const rss = engines.map((e) => peakRssMb(e.child.pid!));
    publisher.close();
    await nc.close();
    const eventsPerSec = Math.round(o.events.length / seconds);
    o.log(`scale-out: ${n} engine(s): ${eventsPerSec} events/s, cores per engine ${coresPerEngine.join('/')}, nats-server ${natsCores}, clickhouse ${clickhouseCores}, feed ${feedCores}, machine ${machineCores}`);
    return { engines: n, partitions: o.partitions, events: o.events.length, eventsPerSec, coresPerEngine, machineCores, natsCores, clickhouseCores, feedCores, peakRssMb: rss, shares, settleMs };
  } finally {
    await Promise.all(
      engines.map(
        ({ child }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            // SIGTERM lets a profiled engine write its profile; SIGKILL if it takes long.
            child.kill(process.env.BENCH_CPU_PROFILE ? 'SIGTERM' : 'SIGKILL');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    await nats.destroy();
  }
}

/** Runs each engine count in turn (fresh NATS each time). */
export async function measureScaleOut(o: ScaleOptions): Promise<ScaleRun[]> {
  const runs: Omit<ScaleRun, 'efficiency'>[] = [];
  for (const n of o.counts) runs.push(await runOnce(o, n));
  const one = runs.find((r) => r.engines === 1);
  return runs.map((r) => ({ ...r, efficiency: one ? Number((r.eventsPerSec / (r.engines * one.eventsPerSec)).toFixed(3)) : NaN }));
}

export function formatScaleOut(runs: ScaleRun[] | undefined): string {
  if (!runs || runs.length === 0) return '  scale-out       not measured';
  const lines = [`  scale-out       ${runs[0]!.events} events, the same rules, ${runs[0]!.partitions} partitions (cluster.partitions), one nats-server, one ClickHouse`];
  lines.push('    engines  events/s  per-process efficiency  cores per engine  nats-server  clickhouse  feed  machine  peak RSS MB   shares   settle');
  for (const r of runs) {
    lines.push(
      `    ${String(r.engines).padStart(7)}  ${String(r.eventsPerSec).padStart(8)}  ${r.efficiency.toFixed(2).padStart(22)}  ${r.coresPerEngine.join('/').padEnd(16)}  ${r.natsCores.toFixed(2).padStart(11)}  ${r.clickhouseCores.toFixed(2).padStart(10)}  ${r.feedCores.toFixed(2).padStart(4)}  ${r.machineCores.toFixed(2).padStart(7)}  ${r.peakRssMb.join('/').padEnd(11)}  ${r.shares.join('/').padEnd(7)}  ${(r.settleMs / 1000).toFixed(1)} s`,
    );
  }
  lines.push('    (cores: CPU each process used while the events flowed, from /proc; the machine has ' + cpus().length + ')');
  return lines.join('\n');
}
