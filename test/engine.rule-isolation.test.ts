// A rule that throws on some events keeps working for the others, and the
// failure is visible: counted per rule in /metrics and logged with the rule
// and event ids. The engine runs as a child process so its log is what an
// operator would read.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnEngine, startStack, waitUntil, type Stack } from './harness/engine.ts';

// `e.value` on an event without a value is a CEL runtime error (docs/decisions/0201).
const RULES = `
rules:
  - id: flood.level-ratio
    title: { vi: "Mực nước cao so với ngưỡng", en: "Water high against threshold" }
    on: water.level
    where: e.value / 2.0 >= 1.0
    severity: major
    message: { vi: "{{ e.value }} m", en: "{{ e.value }} m" }
`;

let stack: Stack;
let engine: Awaited<ReturnType<typeof spawnEngine>>;
beforeAll(async () => {
  stack = await startStack({ rules: RULES, database: 'ioc_iso' });
  engine = await spawnEngine(stack);
});
afterAll(async () => {
  engine?.kill('SIGTERM');
  if (engine) await new Promise((r) => engine.once('exit', r));
  await stack?.destroy();
});

it('keeps evaluating a rule that throws on some events, and reports each failure with rule and event ids', async () => {
  const alerts: { eventId: string; rule: string }[] = [];
  stack.nc.subscribe('ioc.alerts.>', { callback: (_e, m) => alerts.push(m.json()) });
  const js = stack.nc.jetstream();
  const t = Date.now();
  await js.publish('ioc.events.water.level', JSON.stringify({ id: 'no-value-1', type: 'water.level', source: 'wl-a', time: t }));
  await js.publish('ioc.events.water.level', JSON.stringify({ id: 'high-1', type: 'water.level', source: 'wl-b', time: t, value: 2.6 }));
  await js.publish('ioc.events.water.level', JSON.stringify({ id: 'no-value-2', type: 'water.level', source: 'wl-c', time: t }));
  await js.publish('ioc.events.water.level', JSON.stringify({ id: 'high-2', type: 'water.level', source: 'wl-d', time: t, value: 3.1 }));

  await waitUntil(() => alerts.length >= 2, 20_000, () => 'alerts from the events that have a value');
  expect(alerts.map((a) => a.eventId).sort()).toEqual(['high-1', 'high-2']);
  const metrics = () => fetch(`http://127.0.0.1:${stack.env.IOC_HTTP_PORT}/metrics`).then((r) => r.text());
  await waitUntil(async () => /ioc_rule_errors_total\{rule="flood\.level-ratio"\} 2/.test(await metrics()), 10_000, () => 'two rule errors counted');
  expect(engine.logs()).toContain('rule flood.level-ratio failed on event no-value-1');
  const ready = await fetch(`http://127.0.0.1:${stack.env.IOC_HTTP_PORT}/readyz`);
  expect(ready.status).toBe(200);
});
