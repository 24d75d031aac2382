// Measures the per-event cost of rule evaluation for 1, 10 and 100 stateless
// rules on one event type: the CEL `where`, the shared activation, the group
// key and the rule runtime's alert state. A quick script, not a test (speed is
// asserted nowhere); engine/runtime/bench/hot-path.ts measures the mixed set:
//   npx tsx engine/rules/bench/hot-path.ts

import type { IocEvent } from '../../events/index.ts';
import { createRuleRuntime } from '../../runtime/index.ts';
import { compileRuleText, RuleSet } from '../index.ts';

const EVENTS = 200_000;
const ZONES = ['hoan-kiem', 'hoang-mai', 'ba-dinh', 'dong-da', 'cau-giay', 'long-bien'];

function ruleText(n: number): string {
  let text = 'rules:\n';
  for (let i = 0; i < n; i++) {
    // A mix of the shapes authors write: a threshold, a threshold and a zone list, an attribute test.
    const where = [`e.value >= ${(1 + i / 50).toFixed(2)}`, `e.value > ${i % 5}.5 && e.zone in ["${ZONES[i % 6]}", "${ZONES[(i + 1) % 6]}"]`, `has(e.value) && e.attrs.kind == "k${i % 3}"`][i % 3];
    text += `  - id: bench.r${i}\n    title: { vi: t, en: t }\n    on: water.level\n    where: '${where}'\n    severity: major\n    message: { vi: "Mực nước {{ e.value }} m", en: "Water {{ e.value }} m" }\n`;
  }
  return text;
}

function events(): IocEvent[] {
  const out: IocEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    // Each of 500 gauges rises and falls slowly, so alerts change state now and then, as in a storm.
    const source = i % 500;
    const value = Math.round((1.2 + 1.1 * Math.sin(i / 40_000 + source)) * 100) / 100;
    out.push({ id: `e${i}`, type: 'water.level', source: `wl-${source}`, time: 1_782_867_600_000 + i * 1000, value, zone: ZONES[source % 6]!, attrs: { kind: `k${source % 4}` } });
  }
  return out;
}

function measure(label: string, evs: IocEvent[], fn: (e: IocEvent) => void): number {
  for (let i = 0; i < 20_000; i++) fn(evs[i]!); // warm up
  const t0 = process.hrtime.bigint();
  for (const e of evs) fn(e);
  const ns = Number(process.hrtime.bigint() - t0) / evs.length;
  console.log(`${label.padEnd(40)} ${(ns / 1000).toFixed(2).padStart(7)} µs/event  ${Math.round(1e9 / ns).toLocaleString('en').padStart(10)} events/s`);
  return ns;
}

const evs = events();
for (const n of [1, 10, 100]) {
  let sink = 0;
  for (const interpret of [true, false]) {
    const { rules, diagnostics } = compileRuleText(ruleText(n), 'bench.yaml', { interpret });
    if (diagnostics.length > 0) throw new Error(diagnostics.map((d) => d.message).join('\n'));
    const set = new RuleSet(rules);
    const how = interpret ? 'interpreter' : 'closures';
    const ns = measure(`${n} rule(s), ${how}: where`, evs, (e) => {
      const rs = set.rulesFor(e.type);
      for (let i = 0; i < rs.length; i++) if (rs[i]!.matches(e)) sink++;
    });
    console.log(`${''.padEnd(40)} ${(ns / n).toFixed(0).padStart(7)} ns/rule`);
    const runtime = createRuleRuntime(set, { now: () => 0 });
    let changes = 0;
    measure(`${n} rule(s), ${how}: runtime`, evs, (e) => {
      runtime.process(e);
      changes += runtime.takeChanges().length;
    });
    console.log(`${''.padEnd(40)} ${changes} alert changes`);
  }
  if (sink < 0) console.log(sink);
}
