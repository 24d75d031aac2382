// The example Hanoi pack in rules/: it must load cleanly, its own rule tests
// must pass, and it must fire for the event types the simulator produces.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createRuleRuntime } from '../runtime/index.ts';
import { formatDiagnostic } from './diagnostic.ts';
import { loadRulesDir } from './loader.ts';
import { RuleSet } from './rule-set.ts';
import { runRuleTests } from './rule-tests.ts';

const PACK = fileURLToPath(new URL('../../rules', import.meta.url));

describe('the example rule pack', () => {
  it('loads with no diagnostics', async () => {
    const r = await loadRulesDir(PACK);
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(r.rules.map((x) => `${x.id}:${x.kind}`).sort()).toEqual([
      'aq.pm25-hazardous:stateless',
      'aq.pm25-local-threshold:stateless',
      'aq.pm25-sustained:window',
      'aq.pm25-very-unhealthy:stateless',
      'flood.heavy-rain:stateless',
      'flood.rain-no-gauge-data:sequence',
      'flood.rain-then-rise:sequence',
      'flood.water-level-critical:stateless',
      'flood.water-level-high:stateless',
      'sensor.gauge-offline:absence',
      'service.hotline-flood-cluster:window',
      'service.hotline-flood-report:stateless',
      'traffic.severe-congestion:stateless',
      'traffic.zone-gridlock:window',
    ]);
    expect([...r.tables.keys()].sort()).toEqual(['aq-thresholds', 'sensors']);
  });

  it('gives every rule a test that expects it to fire, in the test file beside its rules file', async () => {
    const untested: string[] = [];
    for (const name of readdirSync(PACK).filter((n) => /\.ya?ml$/.test(n) && !/\.test\.ya?ml$/.test(n))) {
      const rules = (parse(readFileSync(join(PACK, name), 'utf8')) as { rules: { id: string }[] }).rules;
      const testFile = join(PACK, name.replace(/\.ya?ml$/, '.test.yaml'));
      let fired = new Set<string>();
      try {
        const tests = (parse(readFileSync(testFile, 'utf8')) as { tests: { expect: { rule: string; state: string }[] }[] }).tests;
        fired = new Set(tests.flatMap((t) => t.expect.filter((x) => x.state === 'firing').map((x) => x.rule)));
      } catch {
        // No test file: every rule of the file is untested.
      }
      for (const r of rules) if (!fired.has(r.id)) untested.push(`${name}: ${r.id}`);
    }
    expect(untested).toEqual([]);
  });

  it('passes its own rule tests', async () => {
    const r = await runRuleTests(PACK);
    expect(r.lines).toEqual([expect.stringMatching(/^\d+ passed, 0 failed$/)]);
    expect(r.ok).toBe(true);
    expect(r.results.length).toBeGreaterThanOrEqual(25);
  });

  it('gives every rule a Vietnamese title different from the English one', async () => {
    const { rules } = await loadRulesDir(PACK);
    for (const rule of rules) {
      expect(rule.title.vi).not.toBe(rule.title.en);
      expect(rule.title.vi).toMatch(/[^\x00-\x7f]/);
    }
  });

  it('fires with the thresholds the simulator storms cross', async () => {
    const set = new RuleSet((await loadRulesDir(PACK)).rules);
    const runtime = createRuleRuntime(set, { now: () => 0 });
    const at = 1_782_867_600_000;
    const fired = (type: string, value: number, attrs: Record<string, string> = {}) => {
      runtime.process({ id: `${type}-${value}`, type, source: `${type}-src`, time: at, value, zone: 'hoan-kiem', attrs });
      return runtime.takeChanges().map((a) => `${a.state}:${a.rule}:${a.severity}`);
    };
    expect(fired('water.level', 2.0)).toEqual(['firing:flood.water-level-critical:critical']);
    expect(fired('weather.rain', 50)).toEqual(['firing:flood.heavy-rain:major']);
    expect(fired('aq.pm25', 250.5)).toEqual(['firing:aq.pm25-local-threshold:minor', 'firing:aq.pm25-very-unhealthy:major', 'firing:aq.pm25-hazardous:critical']);
    expect(fired('traffic.speed', 9.99)).toEqual(['firing:traffic.severe-congestion:minor']);
    expect(fired('service.hotline', 1, { category: 'flood' })).toEqual(['firing:service.hotline-flood-report:major']);
  });
});
