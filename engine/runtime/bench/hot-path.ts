// Per-event cost of the rule runtime alone, with the benchmark's mixed rule
// set (bench/mixed-rules.ts) over a simulated 10,000-sensor Hanoi feed, each
// sensor reporting about once a minute, 1% of the events arriving 40 s late.
// Events are generated ahead of the timed loop in chunks of 1,000 (so the
// heap holds what an engine holds, not the whole run); only `process` and
// `takeChanges` are timed. A script, not a test (speed is asserted nowhere):
//   npx tsx --expose-gc engine/runtime/bench/hot-path.ts [events] [dlq|process] [kinds]
// where kinds (e.g. `stateless,window`) keeps only rules of those kinds, to see what each costs.

import type { IocEvent } from '../../events/index.ts';
import { compileRuleText } from '../../rules/index.ts';
import { HanoiFeed, sensorCountsForTotal } from '../../sim/index.ts';
import { createRuleRuntime } from '../index.ts';
import { mixedRuleSet } from './mixed-rules.ts';

const EVENTS = Number(process.argv[2] ?? 400_000);
const POLICY = (process.argv[3] ?? 'dlq') as 'dlq' | 'process';
const KINDS = process.argv[4]?.split(',');
const SENSORS = 10_000;
/** Each sensor about once a minute. */
const STEP_MS = 60_000 / SENSORS;
const LATE_SHARE = 0.01;
const LATE_MS = 40_000;

/** The feed in chunks: each sensor about once a minute; 1% of the events held back and sent 40 s (of event time) later. */
function* feed(chunk: number): Generator<IocEvent[]> {
  const start = Date.UTC(2026, 6, 1, 1);
  // Storms every 10 min from the start, so thresholds, windows and sequences all have work.
  const sim = new HanoiFeed({ start, seed: 7, sensors: sensorCountsForTotal(SENSORS), firstStormAfter: 60_000, stormEvery: 10 * 60_000 });
  const delayed: { due: number; e: IocEvent }[] = [];
  let x = 12345;
  let out: IocEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const now = start + i * STEP_MS;
    sim.advance(now);
    while (delayed.length > 0 && delayed[0]!.due <= now) out.push(delayed.shift()!.e);
    const e = sim.next();
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    if (x / 0x7fffffff < LATE_SHARE) delayed.push({ due: now + LATE_MS, e });
    else out.push(e);
    if (out.length >= chunk) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const compiled = compileRuleText(mixedRuleSet(), 'bench.yaml');
if (compiled.diagnostics.length > 0) throw new Error(compiled.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n'));
const rules = compiled.rules.filter((r) => KINDS === undefined || KINDS.includes(r.kind));

let errors = 0;
const runtime = createRuleRuntime(rules, { now: () => 0, latePolicy: POLICY, onRuleError: () => errors++ });
gc();
/** The runtime's memory: the JS heap plus the typed arrays' buffers (window panes), which live outside it. */
const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const heapBefore = memory();
const verdicts = { ok: 0, late: 0, 'late-processed': 0 };
const states = { pending: 0, firing: 0, resolved: 0 };
/** The first events warm the runtime up (JIT, groups filling): not timed. */
const WARM = Math.min(50_000, Math.floor(EVENTS / 4));
let seen = 0;
let timed = 0;
let ms = 0;
let first = Infinity;
let last = -Infinity;
for (const chunk of feed(1_000)) {
  const t = performance.now();
  for (let i = 0; i < chunk.length; i++) {
    verdicts[runtime.process(chunk[i]!)]++;
    const changes = runtime.takeChanges();
    for (let j = 0; j < changes.length; j++) states[changes[j]!.state]++;
  }
  const spent = performance.now() - t;
  if (seen >= WARM) {
    ms += spent;
    timed += chunk.length;
  }
  seen += chunk.length;
  first = Math.min(first, chunk[0]!.time);
  last = Math.max(last, chunk[chunk.length - 1]!.time);
}
const us = (ms * 1000) / timed;
gc();
const heapAfter = memory();
const snapshot = JSON.stringify(runtime.snapshot());

console.log(`${seen.toLocaleString('en')} events from ${SENSORS.toLocaleString('en')} sensors (${((last - first) / 60_000).toFixed(1)} min of event time), ${rules.length} rules, late policy ${POLICY}`);
console.log(`${us.toFixed(2)} µs/event (${Math.round(1e6 / us).toLocaleString('en')} events/s) over the last ${timed.toLocaleString('en')} events`);
console.log(`verdicts ${JSON.stringify(verdicts)}; changes ${JSON.stringify(states)}; firing now ${runtime.firingCount()}; rule errors ${errors}`);
console.log(`memory: ${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB held by the runtime (heap and typed arrays); snapshot ${(snapshot.length / 1e6).toFixed(1)} MB of JSON`);
