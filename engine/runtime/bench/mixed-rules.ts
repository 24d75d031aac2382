// The benchmark's rule set (issue 3): 60 stateless thresholds, 20 per-sensor
// sliding averages, 10 per-zone tumbling counts, 5 absences and 5 sequences
// (one a negation) over the simulator's event types. Exported so the engine
// benchmark (`npm run bench`) and the runtime hot-path script run exactly the
// same rules. Deterministic: the same text every call.

import { hanoiDistricts } from '../../geo/index.ts';

/**
 * Per type, the simulator's 90th percentile (`lo`) and 99.9th (`hi`) in a
 * stormy hour (10th and 0.1th for traffic speed, where low is bad): alert
 * thresholds sit in that tail, as real ones do, so alerts are a small share
 * of the events and the benchmark measures evaluation, not alert churn.
 */
const TYPES = [
  { type: 'water.level', lo: 2.28, hi: 2.7, mid: 0.81 },
  { type: 'weather.rain', lo: 91, hi: 113, mid: 20 },
  { type: 'aq.pm25', lo: 80, hi: 307, mid: 57 },
  { type: 'traffic.speed', lo: 4.1, hi: 2, mid: 19 },
] as const;

/** The 30 districts, in the order of the reference table. */
const DISTRICTS = hanoiDistricts().map((d) => d.id);

function rule(id: string, body: string): string {
  return `  - id: bench.${id}\n    title: { vi: "Quy tắc ${id}", en: "Rule ${id}" }\n    severity: major\n${body.replace(/^/gm, '    ')}\n`;
}

/**
 * The mixed rule set as a rules file (YAML).
 *
 * @example
 * const { rules } = compileRuleText(mixedRuleSet(), 'bench.yaml');
 */
export function mixedRuleSet(): string {
  const out: string[] = ['rules:\n'];
  // 60 stateless thresholds, 15 per type, each for two of the 30 districts (a city sets thresholds per
  // district): every event is tested by the 15 rules of its type, and at most one of them can fire for it.
  // A third of them plain, a third resolving only back at the typical level (`clear`, hysteresis),
  // a third that must hold 2 minutes (`for`) and clear the same way.
  for (let i = 0; i < 60; i++) {
    const t = TYPES[i % 4]!;
    const k = Math.floor(i / 4);
    const x = (t.lo + ((t.hi - t.lo) * k) / 15).toFixed(2);
    const low = t.type === 'traffic.speed';
    const op = low ? '<' : '>=';
    const clear = `clear: e.value ${low ? '>' : '<'} ${t.mid}\n`;
    let body = `on: ${t.type}\nwhere: 'e.value ${op} ${x} && e.zone in ["${DISTRICTS[2 * k]}", "${DISTRICTS[2 * k + 1]}"]'\n`;
    if (k % 3 === 1) body += clear;
    else if (k % 3 === 2) body += `for: 2m\n${clear}`;
    body += `message: { vi: "Giá trị {{ e.value }} tại {{ e.source }}", en: "Value {{ e.value }} at {{ e.source }}" }`;
    out.push(rule(`threshold-${i}`, body));
  }
  // 20 per-sensor sliding averages, 15 min every minute, 5 per type.
  for (let i = 0; i < 20; i++) {
    const t = TYPES[i % 4]!;
    const x = (t.lo + ((t.hi - t.lo) * Math.floor(i / 4)) / 5).toFixed(2);
    const cond = t.type === 'traffic.speed' ? `avg < ${x}` : `avg > ${x}`;
    out.push(rule(`average-${i}`, `on: ${t.type}\ngroupBy: [e.source]\nwindow: { size: 15m, slide: 1m }\naggregate: { avg: avg(e.value), n: count() }\nwhen: ${cond} && n >= 3`));
  }
  // 10 per-zone counts, tumbling 5 min.
  for (let i = 0; i < 10; i++) {
    const t = TYPES[i % 4]!;
    const op = t.type === 'traffic.speed' ? '<' : '>';
    out.push(rule(`count-${i}`, `on: ${t.type}\nwhere: e.value ${op} ${t.mid}\ngroupBy: [e.zone]\nwindow: { size: 5m }\naggregate: { n: count() }\nwhen: n >= ${200 + i * 50}`));
  }
  // 5 absences of 10 min: one per sensor type, one per district for the hotline.
  for (let i = 0; i < 4; i++) out.push(rule(`absent-${i}`, `on: ${TYPES[i]!.type}\ngroupBy: [e.source]\nabsent: 10m`));
  out.push(rule('absent-4', `on: service.hotline\ngroupBy: [e.zone]\nabsent: 10m`));
  // 5 sequences: rain then rise within 30 min by district (four thresholds), and rain then no gauge reading.
  for (let i = 0; i < 4; i++) {
    const rain = (60 + 10 * i).toFixed(1);
    const rise = (2.0 + 0.2 * i).toFixed(2);
    out.push(
      rule(
        `sequence-${i}`,
        `sequence:\n  - { as: rain, on: weather.rain, where: e.value > ${rain} }\n  - { as: rise, on: water.level, where: e.value > ${rise}, within: 30m }\nsameKey: [e.zone]`,
      ),
    );
  }
  out.push(rule('sequence-4', `sequence:\n  - { as: rain, on: weather.rain, where: e.value > 100.0 }\n  - { as: gauge, on: water.level, within: 10m, not: true }\nsameKey: [e.zone]\nmaxPartials: 20`));
  return out.join('');
}
