// CPU per alert change of incident management alone: the alert changes the
// bench's 100 rules make over its 10,000-sensor feed, published to a private
// nats-server, then applied by an IncidentService (default policies, memory
// store for history). `root` picks the checkout whose incident code runs, to
// compare two builds. A script, not a test.
//   npx tsx engine/incidents/bench/alert-changes.ts [events] [root]
// As one engine process runs it (the bucket's only writer); SHARED=1 as a scale-out process (watching the bucket).
// PROFILE=<file.cpuprofile> writes a CPU profile of the applying alone (open it in Chrome DevTools).
import { compileRuleText } from '../../rules/index.ts';
import { createRuleRuntime } from '../../runtime/index.ts';
import { mixedRuleSet } from '../../runtime/bench/mixed-rules.ts';
import { benchEvents } from '../../../test/bench/feed.ts';
import { startNats } from '../../../test/harness/nats.ts';
import { silentLogger } from '../../log/index.ts';
import { MemoryStore } from '../../store/index.ts';
import type { Alert } from '../../alerts/index.ts';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.argv[3] ?? new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');
const { connectNats } = await import(`${root}/engine/bus/index.ts`);
const { IncidentService, loadPolicyDir } = await import(`${root}/engine/incidents/index.ts`);
const N = Number(process.argv[2] ?? 300_000);
const rules = compileRuleText(mixedRuleSet(), 'bench.yaml').rules;
const runtime = createRuleRuntime(rules, { now: () => 0, latePolicy: 'dlq', onRuleError: () => {} });
const alerts: Alert[] = [];
for (const e of benchEvents(N, { sensors: 10_000, lateEvery: 100 })) {
  runtime.process(e);
  for (const a of runtime.takeChanges()) if (a.state !== 'pending') alerts.push(a);
}
const nats = await startNats();
const bus = await connectNats({ servers: nats.url, eventsStream: 'IOC_EVENTS', alertsStream: 'IOC_ALERTS', dlqStream: 'IOC_DLQ', consumer: 'x', stateBucket: 'ioc_engine', eventsMaxAgeHours: 1, replicas: 1, maxAckPending: 1000, ackWaitSeconds: 30, log: silentLogger() });
await bus.setup();
for (let i = 0; i < alerts.length; i += 500) await Promise.all(alerts.slice(i, i + 500).map((a) => bus.publishAlert(a)));
const policies = await loadPolicyDir(join(tmpdir(), 'no-policies-here')); // none: the default policy
const service = new IncidentService({ bus, store: new MemoryStore(), notifications: { enqueue: async () => {} }, policies: policies.policies, bucket: 'ioc_incidents', log: silentLogger(), shared: process.env.SHARED === '1' });
const profiler = process.env.PROFILE ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
const cpu0 = process.cpuUsage(); const t0 = performance.now();
await service.start();
while ((service as unknown as { cursor: number }).cursor < alerts.length) await new Promise((r) => setTimeout(r, 50));
await service.settled();
const cpu = process.cpuUsage(cpu0); const ms = performance.now() - t0;
if (profiler) writeFileSync(process.env.PROFILE!, JSON.stringify((await profiler.post('Profiler.stop')).profile));
console.log(`${root}${process.env.SHARED === '1' ? ' (shared)' : ''}: ${alerts.length} alert changes: ${((cpu.user + cpu.system) / alerts.length).toFixed(0)} us cpu/alert, ${(ms * 1000 / alerts.length).toFixed(0)} us wall/alert; incidents ${service.list({}).length}`);
await service.stop(); await bus.close(); await nats.destroy();
process.exit(0);
