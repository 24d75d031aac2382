// Compares engine builds (or settings) on one published stream: the bench's
// engine phase, run in turn for each variant, reporting the engine's CPU per
// event from /proc. This machine's speed drifts by tens of percent over
// minutes, so only variants run in the same rounds compare. Not a test.
//   npx tsx test/bench/variants.ts [rounds] [events]
//   VARIANTS="before=/tmp/before-checkout;after=/work/main;no-rules=/work/main,IOC_RULES_DIR=/tmp/empty" npx tsx test/bench/variants.ts 3
// A variant is name=repo-root[,ENV=value...]; PROF=<dir> also writes a CPU profile of each run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { mixedRuleSet } from '../../engine/runtime/bench/mixed-rules.ts';
import { startClickHouse } from '../harness/clickhouse.ts';
import { repoRoot } from '../harness/engine.ts';
import { startNats } from '../harness/nats.ts';
import { freePort } from '../harness/ports.ts';
import { coresMeter } from './cpu.ts';
import { benchEvents, publishEvents } from './feed.ts';

/** Write and read system calls a process has made (/proc/<pid>/io). */
function syscalls(pid: number): { w: number; r: number; wb: number; rb: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const n = (k: string) => Number(new RegExp(`${k}: (\\d+)`).exec(io)?.[1] ?? 0);
  return { w: n('syscw'), r: n('syscr'), wb: n('wchar'), rb: n('rchar') };
}

const RUNS = Number(process.argv[2] ?? 3);
const N = Number(process.argv[3] ?? 300_000);
// The bench's mixed-rule input: 10,000 sensors, 1 % of events 40 s late.
const events = benchEvents(N, { sensors: 10_000, lateEvery: 100 });
const [nats, ch] = await Promise.all([startNats(), startClickHouse()]);
const dir = mkdtempSync(join(tmpdir(), 'iter-rules-'));
writeFileSync(join(dir, 'bench.yaml'), mixedRuleSet());
const nc = await connect({ servers: nats.url });
await publishEvents(nc, events);
const jsm = await nc.jetstreamManager();
process.stderr.write(`published ${N}\n`);
// VARIANTS="name=root[,ENV=VAL...];..." runs each variant in turn, RUNS rounds.
const variants = (process.env.VARIANTS ?? `main=${repoRoot}`).split(';').map((v) => {
  const name = v.slice(0, v.indexOf('=')); const rest = v.slice(v.indexOf('=') + 1);
  const [root, ...envs] = rest.split(',');
  return { name, root: root!, env: Object.fromEntries(envs.map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)])) };
});
const results = new Map<string, number[]>();
let runNo = 0;
for (let round = 1; round <= RUNS; round++) for (const variant of variants) {
  const run = ++runNo;
  for await (const s of jsm.streams.list()) if (s.config.name !== 'IOC_EVENTS') await jsm.streams.delete(s.config.name);
  for await (const c of jsm.consumers.list('IOC_EVENTS')) await jsm.consumers.delete('IOC_EVENTS', c.name);
  const httpPort = await freePort();
  const env = {
    ...process.env, IOC_MODE: 'real', IOC_NATS_URL: nats.url, IOC_CLICKHOUSE_URL: ch.url, IOC_CLICKHOUSE_DB: `ioc_iter_${run}`,
    IOC_RULES_DIR: dir, IOC_HTTP_PORT: String(httpPort), IOC_GRPC_PORT: String(await freePort()), IOC_HTTP_HOST: '127.0.0.1', IOC_GRPC_HOST: '127.0.0.1',
    IOC_NATS_BATCH: '1000', IOC_LOG_LEVEL: 'warn', IOC_INGEST_MAX_FUTURE_SECONDS: '600', IOC_AUTH_MODE: 'off', ...variant.env,
  };
  const profile = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  const child = spawn(process.execPath, [...profile, join(variant.root, 'engine', 'cli', 'bin.mjs'), 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const counter = async () => Number(/^ioc_events_in_total (\d+)/m.exec(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text())?.[1] ?? 0);
  let done = 0; let t0 = 0; let first = 0; let meter: ReturnType<typeof coresMeter> | undefined; let writes0 = { w: 0, r: 0, wb: 0, rb: 0 };
  while (done < N) {
    done = await counter().catch(() => 0);
    if (done > 0 && !meter) { meter = coresMeter({ engine: child.pid! }); t0 = performance.now(); first = done; writes0 = syscalls(child.pid!); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const secs = (performance.now() - t0) / 1000;
  const c = meter!();
  const writes = syscalls(child.pid!);
  const engineCores = c.engine ?? 0;
  const us = engineCores * secs * 1e6 / (N - first);
  results.set(variant.name, [...(results.get(variant.name) ?? []), us]);
  console.log(`run ${run} ${variant.name}: ${Math.round((N - first) / secs)} ev/s; engine ${engineCores} cores, nats ${c.nats}, ch ${c.clickhouse}, machine ${c.machine}; engine cpu/event ${(engineCores * secs * 1e6 / (N - first)).toFixed(1)} us; syscalls per 1000 events: ${Math.round((1000 * (writes.w - writes0.w)) / (N - first))} writes, ${Math.round((1000 * (writes.r - writes0.r)) / (N - first))} reads; bytes per event: ${Math.round((writes.wb - writes0.wb) / (N - first))} written, ${Math.round((writes.rb - writes0.rb) / (N - first))} read`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
for (const [name, v] of results) console.log(`${name}: engine cpu/event ${v.map((x) => x.toFixed(1)).join(' ')}; mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)} us`);
await nc.close();
await Promise.all([nats.destroy(), ch.destroy()]);
