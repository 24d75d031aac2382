// `npm run bench`: end-to-end events/s through the engine (a child process
// running `ioc start`: NATS → rules → ClickHouse, acknowledged) beside a raw
// consumer that reads the same stream the same way (durable pull consumer,
// AckPolicy.All, same batch, callback delivery) and only decodes JSON: the baseline. Both in one
// run, on private servers, so the ratio is comparable. Then a backtest of the same rules over
// the events the engine stored (ClickHouse → rules, no writes), beside the live rate. Not part of the tests.
//
//   npm run bench                                   issue 3's mix: 100 rules (60 thresholds, 20 sliding
//                                                   averages, 10 zone counts, 5 absences, 5 sequences) over
//                                                   a 10,000-sensor feed with 1% late events
//   npm run bench -- --mix stateless --rules 100    100 stateless rules (the example pack + thresholds)
//   npm run bench -- --events 300000 --batch 1000 --latency-seconds 20
//   npm run bench -- --latency-rate 11000           latency at a set rate (to compare builds)
//   BENCH_CPU_PROFILE=/tmp/prof npm run bench       also writes a CPU profile of the engine
//
// The console section: 20,000 sensors, then 2,000 readings/s for 60 s through the engine
// into headless Chromium (test/bench/console-load.ts, shared with test/console-perf.e2e.test.ts).
//   npm run bench -- --no-console                   skips it
//   npm run bench -- --only console                 runs only it (--only engine: everything else)
//   npm run bench -- --only console --console-full-redraw
//                                                   the map forced to full redraws: what the test's bounds catch
//
// The scale-out section (issue 8): the same rules over --scale-events events through 1, 2 and 3
// engine processes sharing 12 partitions (test/bench/cluster-load.ts), after the engine section.
//   npm run bench -- --no-scale                     skips it
//   npm run bench -- --only scale --scale-engines 1,2,3 --scale-events 100000

import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AckPolicy, connect, DeliverPolicy, headers as natsHeaders } from 'nats';
import { createClient } from '@clickhouse/client';
import { ClickHouseEventSource, loadRulePaths, runBacktest } from '../../engine/backtest/index.ts';
import { eventKey, type IocEvent } from '../../engine/events/index.ts';
import { mixedRuleSet } from '../../engine/runtime/bench/mixed-rules.ts';
import { HanoiFeed, sensorCountsForTotal } from '../../engine/sim/index.ts';
import { startClickHouse } from '../harness/clickhouse.ts';
import { repoRoot } from '../harness/engine.ts';
import { startNats } from '../harness/nats.ts';
import { freePort } from '../harness/ports.ts';
import { coresMeter } from './cpu.ts';
import { formatScaleOut, measureScaleOut, type ScaleRun } from './cluster-load.ts';
import { benchEvents, benchFeedEnd, publishEvents } from './feed.ts';
import { formatConsoleFigures, startConsoleLoad, type ConsoleFigures } from './console-load.ts';

const { values } = parseArgs({
  options: {
    mix: { type: 'string', default: 'mixed' },
    events: { type: 'string', default: '300000' },
    rules: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1000' },
    'latency-seconds': { type: 'string', default: '20' },
    'latency-rate': { type: 'string' },
    console: { type: 'boolean', default: true },
    'console-full-redraw': { type: 'boolean', default: false },
    only: { type: 'string' },
    scale: { type: 'boolean', default: true },
    'scale-events': { type: 'string', default: '100000' },
    'scale-engines': { type: 'string', default: '1,2,3' },
    'scale-partitions': { type: 'string', default: '12' },
  },
  allowNegative: true,
});
const MIXED = values.mix === 'mixed';
const N = Number(values.events);
const RULES = Number(values.rules);
const BATCH = Number(values.batch);
const LATENCY_SECONDS = Number(values['latency-seconds']);
/** Events/s of the latency run; half the engine's measured rate when not given (set it to compare two builds). */
const LATENCY_RATE = values['latency-rate'] === undefined ? undefined : Number(values['latency-rate']);
const SENSORS = MIXED ? 10_000 : undefined;
/** Share of events sent late (event time 40 s back, past the 30 s allowed lateness). */
const LATE_EVERY = MIXED ? 100 : 0;
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** The bench's feed (feed.ts): the 10,000-sensor city with 1 % late events for the mixed rules, else the default city. */
function generateEvents(n: number): IocEvent[] {
  return benchEvents(n, { ...(SENSORS ? { sensors: SENSORS } : {}), lateEvery: LATE_EVERY });
}

/** Issue 3's mixed rule set, exactly as the runtime's own hot-path script runs it. */
function writeMixedRules(): { dir: string; total: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ioc-bench-rules-'));
  const text = mixedRuleSet();
  writeFileSync(join(dir, 'bench.yaml'), text);
  return { dir, total: text.match(/^\s*- id:/gm)?.length ?? 0 };
}

/** The example pack plus synthetic rules up to `count`, spread over the event types. */
function writeRules(count: number): { dir: string; total: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ioc-bench-rules-'));
  let total = 0;
  // The pack with its registry and reference tables; its tests stay behind.
  cpSync(join(repoRoot, 'rules'), dir, { recursive: true, filter: (src) => !src.includes('.test.') && !src.endsWith('.ndjson') });
  const packRules = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/^\s*- id:/gm)?.length ?? 0), 0);
  total += packRules;
  const types = [
    ['water.level', 1.2], ['weather.rain', 30], ['aq.pm25', 120], ['traffic.speed', 15], ['service.hotline', 0],
  ] as const;
  const zones = ['hoan-kiem', 'ba-dinh', 'dong-da', 'hoang-mai', 'cau-giay', 'long-bien', 'thanh-xuan', 'ha-dong'];
  const lines = ['rules:'];
  for (let i = 0; total < count; i++, total++) {
    const [type, base] = types[i % types.length]!;
    const zone = zones[i % zones.length]!;
    const where = type === 'service.hotline'
      ? `e.attrs.category == "flood" && e.zone == "${zone}"`
      : type === 'traffic.speed' ? `e.value < ${base - (i % 7)} && e.zone == "${zone}"` : `e.value > ${base + (i % 11)} && e.zone == "${zone}"`;
    lines.push(
      `  - id: bench.rule-${i}`,
      `    title: { vi: "Quy tắc thử ${i}", en: "Bench rule ${i}" }`,
      `    on: ${type}`,
      `    where: '${where}'`,
      `    severity: minor`,
      `    message: { vi: "Giá trị {{ e.value }} tại {{ e.source }}", en: "Value {{ e.value }} at {{ e.source }}" }`,
    );
  }
  if (lines.length > 1) writeFileSync(join(dir, 'bench.yaml'), lines.join('\n') + '\n');
  return { dir, total };
}

/** The console under city load: the engine serving headless Chromium, as the console's performance test measures it. */
async function measureConsole(): Promise<ConsoleFigures> {
  const load = await startConsoleLoad({ sensors: 20_000, database: 'ioc_bench_console', log });
  try {
    return await load.run({ rate: 2_000, seconds: 60, fullRedraw: values['console-full-redraw'] });
  } finally {
    await load.close();
  }
}

function consoleSection(f: ConsoleFigures | undefined): string {
  if (!f) return '  console         not measured\n';
  return `  console         the engine's console in headless Chromium (WebGL on SwiftShader), test/bench/console-load.ts\n${formatConsoleFigures(f).replace(/^/gm, '  ')}\n`;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Publishes a live feed (event time = now) at `rate` events/s for `seconds`
 * and measures, for every alert an event fires, the time from publishing that
 * event to receiving the alert on ioc.alerts.>.
 */
async function measureLatency(url: string, rate: number, seconds: number): Promise<{ rate: number; alerts: number; p50: number; p99: number; max: number }> {
  log(`latency: publishing ${rate} events/s (${LATENCY_RATE === undefined ? "half the engine's rate" : '--latency-rate'}) for ${seconds} s`);
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const published = new Map<string, number>();
  const latencies: number[] = [];
  nc.subscribe('ioc.alerts.>', {
    callback: (_err, m) => {
      const a = m.json<{ eventId: string; state: string }>();
      const at = published.get(a.eventId);
      if (at !== undefined && a.state === 'firing') latencies.push(performance.now() - at);
    },
  });
  // Event time continues a minute after the throughput feed (at the same hour of the day whenever the bench
  // runs, see benchFeedEnd), moving with the wall clock; what is measured is wall time, published → received.
  const offset = benchFeedEnd() + 60_000 - Date.now();
  const feed = new HanoiFeed({ start: Date.now() + offset, seed: 7, ...(SENSORS ? { sensors: sensorCountsForTotal(SENSORS) } : {}), firstStormAfter: 0 });
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    feed.advance(Date.now() + offset);
    for (; sent < due; sent++) {
      const e = feed.next();
      // One reading in a hundred is extreme (a sensor spike), so threshold rules fire while we watch.
      if (sent % 100 === 99 && e.value !== undefined) e.value = e.type === 'traffic.speed' ? 0.5 : e.value * 10 + 500;
      const h = natsHeaders();
      h.set('Nats-Msg-Id', eventKey(e));
      published.set(e.id, performance.now());
      nc.publish(`ioc.events.${e.type}`, JSON.stringify(e), { headers: h });
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await nc.flush();
  await new Promise((r) => setTimeout(r, 3000));
  await nc.close();
  latencies.sort((a, b) => a - b);
  return { rate, alerts: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
}

/** Measures a rate from samples (time, count), between the first progress and the end. */
function rateOf(samples: [number, number][], target: number): number {
  const first = samples.find(([, c]) => c > 0)!;
  const last = samples.find(([, c]) => c >= target)!;
  return (last[1] - first[1]) / ((last[0] - first[0]) / 1000);
}

async function main(consoleFigures: ConsoleFigures | undefined): Promise<void> {
  log(`starting private nats-server and clickhouse-server`);
  const [nats, ch] = await Promise.all([startNats(), startClickHouse()]);
  const rules = MIXED ? writeMixedRules() : writeRules(RULES);
  try {
    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    log(`generating ${N} simulated events`);
    const events = generateEvents(N);
    log(`publishing ${N} events to IOC_EVENTS`);
    const publishRate = await publishEvents(nc, events);
    log(`published at ${Math.round(publishRate)} events/s`);
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();

    // Baseline: same stream, same consumer kind and batch, decode only.
    await jsm.consumers.add('IOC_EVENTS', { durable_name: 'baseline', ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: 20_000, filter_subject: 'ioc.events.>' });
    const consumer = await js.consumers.get('IOC_EVENTS', 'baseline');
    const baseSamples: [number, number][] = [];
    let seen = 0;
    let checksum = 0;
    const decoder = new TextDecoder();
    const baseMeter = coresMeter({ consumer: process.pid });
    // Callback delivery, bounded pulls, an AckAll ack per batch: how the engine reads.
    const messages = await consumer.consume({
      max_messages: BATCH,
      callback: (m) => {
        const e = JSON.parse(decoder.decode(m.data)) as IocEvent;
        checksum += e.value ?? 0;
        seen++;
        if (seen === 1) baseSamples.push([performance.now(), 1]);
        if (seen % BATCH === 0 || seen === N) m.ack();
        if (seen >= N) messages.stop();
      },
    });
    await messages.closed();
    baseSamples.push([performance.now(), seen]);
    messages.stop();
    const baseline = rateOf(baseSamples, N);
    const baseCores = baseMeter();
    log(`baseline: ${Math.round(baseline)} events/s (checksum ${Math.round(checksum)})`);
    await nc.close();

    // Engine: `ioc start` as its own process, measured through its /metrics.
    const httpPort = await freePort();
    const env = {
      ...process.env,
      IOC_MODE: 'real', IOC_NATS_URL: nats.url, IOC_CLICKHOUSE_URL: ch.url, IOC_CLICKHOUSE_DB: 'ioc_bench',
      IOC_RULES_DIR: rules.dir, IOC_HTTP_PORT: String(httpPort), IOC_GRPC_PORT: String(await freePort()),
      IOC_HTTP_HOST: '127.0.0.1', IOC_GRPC_HOST: '127.0.0.1', IOC_NATS_BATCH: String(BATCH), IOC_LOG_LEVEL: 'warn',
      IOC_INGEST_MAX_FUTURE_SECONDS: '600',
      // Measures the pipeline, not sign-in: auth.mode defaults to required.
      IOC_AUTH_MODE: 'off',
    };
    log(`engine: ${rules.total} rules, batch ${BATCH}`);
    // BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of the engine there (open it in Chrome DevTools).
    const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
    const child = spawn(process.execPath, [...profile, join(repoRoot, 'engine', 'cli', 'bin.mjs'), 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const samples: [number, number][] = [];
    const counter = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const m = /^ioc_events_in_total (\d+)/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    let done = 0;
    const deadline = Date.now() + 600_000;
    let engineMeter: ReturnType<typeof coresMeter> | undefined;
    while (done < N && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}`);
      done = await counter().catch(() => 0);
      // CPU counts from the first event processed, like the rate.
      if (done > 0) engineMeter ??= coresMeter({ engine: child.pid! });
      samples.push([performance.now(), done]);
      // Scraping /metrics costs the engine CPU; 10 scrapes a second keep the measurement fair.
      await new Promise((r) => setTimeout(r, 100));
    }
    if (done < N) throw new Error(`engine processed only ${done} of ${N} events in 10 minutes`);
    const engineRate = rateOf(samples, N);
    const engineCores = engineMeter!();
    log(`engine: ${Math.round(engineRate)} events/s`);
    const latency = LATENCY_SECONDS > 0 ? await measureLatency(nats.url, LATENCY_RATE ?? Math.round(engineRate / 2), LATENCY_SECONDS) : undefined;
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const alerts = [...metrics.matchAll(/^ioc_alerts_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));

    const client = createClient({ url: ch.url });
    const rs = await client.query({ query: 'SELECT count() AS n FROM ioc_bench.events FINAL', format: 'JSONEachRow' });
    const stored = (await rs.json<{ n: string }>())[0]?.n ?? '0';
    await client.close();

    // Backtest: the stored events of the generated feed (not the latency run's), the same rules and lateness.
    let minT = Infinity;
    let maxT = -Infinity;
    for (const e of events) {
      if (e.time < minT) minT = e.time;
      if (e.time > maxT) maxT = e.time;
    }
    const { rules: compiled } = await loadRulePaths([rules.dir]);
    const source = new ClickHouseEventSource({ url: ch.url, database: 'ioc_bench' });
    log(`backtest: ${compiled.length} rules over the stored events`);
    const backtest = await runBacktest({ source, range: { from: minT, to: maxT + 1 }, candidate: compiled, allowedLatenessMs: 30_000 });
    await source.close();
    const backtestAlerts = backtest.candidate.reduce((n, r) => n + r.alerts, 0);
    log(`backtest: ${backtest.eventsPerSec} events/s (${backtest.events} events, ${backtestAlerts} alerts)`);

    const late = [...metrics.matchAll(/^ioc_events_rejected_total\{reason="late"[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
    const result = {
      mix: MIXED ? 'mixed' : 'stateless',
      events: N,
      sensors: SENSORS ?? 'default',
      lateEvents: late,
      rules: rules.total,
      batch: BATCH,
      baselineEventsPerSec: Math.round(baseline),
      engineEventsPerSec: Math.round(engineRate),
      ratio: Number((engineRate / baseline).toFixed(3)),
      enginePeakRssMb: Math.round(peakKb / 1024),
      alertChanges: alerts,
      storedInClickHouse: Number(stored),
      backtestEvents: backtest.events,
      backtestEventsPerSec: backtest.eventsPerSec,
      backtestRatioToEngine: Number((backtest.eventsPerSec / engineRate).toFixed(3)),
      backtestAlerts,
      latency,
      cores: { baseline: baseCores, engine: engineCores },
      console: consoleFigures,
    };
    const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : `${x.toFixed(1)} ms`);
    console.log(`
Thang Long IOC benchmark (${new Date().toISOString()}, ${process.version}, ${(await import('node:os')).cpus().length} cores)
  events          ${result.events} (simulated Hanoi feed, JSON, ${result.sensors} sensors, ${result.lateEvents} sent late)
  rules           ${result.rules}${MIXED ? ' (60 thresholds, 20 sliding averages, 10 zone counts, 5 absences, 5 sequences)' : ''}
  pull batch      ${result.batch}
  baseline        ${result.baselineEventsPerSec} events/s  (raw pull consumer, JSON decode only)
  engine          ${result.engineEventsPerSec} events/s  (decode, validate, zone, rules, alerts, ClickHouse, ack)
  ratio           ${result.ratio}  (engine / baseline)
  cores used      baseline: consumer ${baseCores.consumer}, nats-server ${baseCores.nats}, machine ${baseCores.machine}
                  engine:   engine ${engineCores.engine}, nats-server ${engineCores.nats}, clickhouse ${engineCores.clickhouse}, machine ${engineCores.machine} (of ${(await import('node:os')).cpus().length})
  engine peak RSS ${result.enginePeakRssMb} MB
  alert changes   ${result.alertChanges}
  rows stored     ${result.storedInClickHouse}
  backtest        ${result.backtestEventsPerSec} events/s  (the stored events read back from ClickHouse through the same rules; ${result.backtestRatioToEngine}x the engine; ${result.backtestAlerts} alerts)
  latency         ${latency ? `p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)} over ${latency.alerts} alerts at ${latency.rate} events/s (event published → alert received)` : 'not measured'}
${consoleSection(consoleFigures)}`);
    console.log(JSON.stringify(result));
  } finally {
    rmSync(rules.dir, { recursive: true, force: true });
    await Promise.all([nats.destroy(), ch.destroy()]);
  }
}

/** The scale-out section, on servers of its own: the mixed rules (or the stateless pack) over 1, 2, 3 engine processes. */
async function measureScale(): Promise<ScaleRun[]> {
  const counts = values['scale-engines'].split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--scale-engines takes counts like 1,2,3, got "${values['scale-engines']}"`);
  const events = generateEvents(Number(values['scale-events']));
  const rules = MIXED ? writeMixedRules() : writeRules(RULES);
  log(`scale-out: starting a private clickhouse-server`);
  const ch = await startClickHouse();
  try {
    return await measureScaleOut({ events, rulesDir: rules.dir, clickhouseUrl: ch.url, counts, partitions: Number(values['scale-partitions']), batch: BATCH, log });
  } finally {
    rmSync(rules.dir, { recursive: true, force: true });
    await ch.destroy();
  }
}

// The console phase runs first, on servers of its own that are gone before the engine phase starts;
// the scale-out phase runs last, also on its own servers.
const ONLY = values.only;
if (ONLY !== undefined && !['engine', 'console', 'scale'].includes(ONLY)) throw new Error(`--only takes "engine", "console" or "scale", got "${ONLY}"`);
const header = async () => `Thang Long IOC benchmark (${new Date().toISOString()}, ${process.version}, ${(await import('node:os')).cpus().length} cores)`;
if (ONLY === 'console') {
  const consoleFigures = await measureConsole();
  console.log(`\n${await header()}\n${consoleSection(consoleFigures)}`);
  console.log(JSON.stringify({ console: consoleFigures }));
} else if (ONLY === 'scale') {
  const scale = await measureScale();
  console.log(`\n${await header()}\n${formatScaleOut(scale)}`);
  console.log(JSON.stringify({ scale }));
} else {
  const consoleFigures = ONLY === undefined && values.console ? await measureConsole() : undefined;
  await main(consoleFigures);
  if (ONLY === undefined && values.scale) {
    const scale = await measureScale();
    console.log(`\n${await header()}\n${formatScaleOut(scale)}`);
    console.log(JSON.stringify({ scale }));
  }
}
