// The example Hanoi pack in rules/: it must load cleanly, its own rule tests
// must pass, and it must fire for the event types the simulator produces.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AlertTracker } from '../alerts/index.ts';
import { formatDiagnostic } from './diagnostic.ts';
import { loadRulesDir } from './loader.ts';
import { RuleSet } from './rule-set.ts';
import { runRuleTests } from './rule-tests.ts';

const PACK = fileURLToPath(new URL('../../rules', import.meta.url));

describe('the example rule pack', () => {
  it('loads with no diagnostics', async () => {
    const r = await loadRulesDir(PACK);
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(r.rules.map((x) => x.id).sort()).toEqual([
      'aq.pm25-hazardous',
      'aq.pm25-very-unhealthy',
      'flood.heavy-rain',
      'flood.water-level-critical',
      'flood.water-level-high',
      'service.hotline-flood-report',
      'traffic.severe-congestion',
    ]);
  });

  it('passes its own rule tests', async () => {
    const r = await runRuleTests(PACK);
    expect(r.lines).toEqual([expect.stringMatching(/^\d+ passed, 0 failed$/)]);
    expect(r.ok).toBe(true);
    expect(r.results.length).toBeGreaterThanOrEqual(14);
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
    const tracker = new AlertTracker({ now: () => 0 });
    const at = 1_782_867_600_000;
    const fired = (type: string, value: number, attrs: Record<string, string> = {}) =>
      tracker.process({ id: `${type}-${value}`, type, source: `${type}-src`, time: at, value, zone: 'hoan-kiem', attrs }, set).map((a) => `${a.state}:${a.rule}:${a.severity}`);
    expect(fired('water.level', 2.0)).toEqual(['firing:flood.water-level-critical:critical']);
    expect(fired('weather.rain', 50)).toEqual(['firing:flood.heavy-rain:major']);
    expect(fired('aq.pm25', 250.5)).toEqual(['firing:aq.pm25-very-unhealthy:major', 'firing:aq.pm25-hazardous:critical']);
    expect(fired('traffic.speed', 9.99)).toEqual(['firing:traffic.severe-congestion:minor']);
    expect(fired('service.hotline', 1, { category: 'flood' })).toEqual(['firing:service.hotline-flood-report:major']);
  });
});
