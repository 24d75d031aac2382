// A simulated storm, end to end in virtual time: the simulator's Hanoi feed
// through the shipped rule pack (rules/*.yaml), the alerts through the shipped
// incident policies (rules/policies/hanoi.yaml) with the real district
// adjacency. The storm over the low-lying core must become one flood incident
// holding the rain, water-level and hotline alerts, not one per sensor.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/index.ts';
import { hanoiDistricts, zoneNeighbours } from '../geo/index.ts';
import { loadRulesDir, RuleSet } from '../rules/index.ts';
import { createRuleRuntime } from '../runtime/index.ts';
import { HanoiFeed } from '../sim/index.ts';
import { IncidentManager } from './manager.ts';
import { loadPolicyDir } from './policy-loader.ts';

const START = Date.UTC(2026, 6, 20, 1, 0, 0); // 08:00 in Hanoi
const MIN = 60_000;

describe('a simulated storm', () => {
  it('becomes one flood incident with rain, water-level and hotline alerts', async () => {
    const [rules, policies] = await Promise.all([loadRulesDir('rules'), loadPolicyDir('rules/policies')]);
    expect(rules.diagnostics).toEqual([]);
    expect(policies.diagnostics).toEqual([]);
    let clock = START;
    const runtime = createRuleRuntime(new RuleSet(rules.rules), { now: () => clock });
    const manager = new IncidentManager({ policies: policies.policies, now: () => clock, neighbours: zoneNeighbours(hanoiDistricts()) });
    const feed = new HanoiFeed({ start: START, seed: 7, firstStormAfter: 10 * MIN, stormEvery: Number.POSITIVE_INFINITY, stormDuration: 30 * MIN });
    const alerts: Alert[] = [];
    // 90 minutes of city at 20 events per second of event time.
    for (let t = START; t < START + 90 * MIN; t += 1000) {
      feed.advance(t);
      clock = t;
      for (let k = 0; k < 20; k++) runtime.process(feed.next());
      runtime.advanceWatermark(t - 30_000);
      for (const a of runtime.takeChanges()) {
        alerts.push(a);
        manager.applyAlert(a);
      }
      if ((manager.nextDue() ?? Infinity) <= t) manager.runDue();
    }
    const floods = manager.list({ types: ['flood'] });
    expect(floods.length).toBeGreaterThanOrEqual(1);
    const storm = floods.reduce((a, b) => (b.alerts.length > a.alerts.length ? b : a));
    const rulesIn = new Set(storm.alerts.map((fp) => manager.alert(fp)!.rule));
    expect([...rulesIn].some((r) => r === 'flood.heavy-rain')).toBe(true);
    expect([...rulesIn].some((r) => r.startsWith('flood.water-level'))).toBe(true);
    expect([...rulesIn].some((r) => r.startsWith('service.hotline-flood'))).toBe(true);
    // One incident for the storm: every flood alert of the storm's core districts is in it.
    const core = new Set(storm.zones);
    const stray = floods.filter((i) => i !== storm && i.zones.some((z) => core.has(z)));
    expect(stray.map((i) => i.zones)).toEqual([]);
    expect(storm.timeline[0]!.kind).toBe('opened');
    expect(storm.sop.map((s) => s.id)).toEqual(['notify-drainage', 'close-underpasses', 'dispatch-pumps', 'inform-residents']);
    // Traffic alerts in the flooded districts are muted by the flood, visibly.
    const traffic = alerts.filter((a) => a.rule.startsWith('traffic.') && core.has(a.zone) && a.state === 'firing');
    for (const a of traffic) {
      const rec = manager.alert(a.fingerprint)!;
      if (rec.state === 'firing' && a.startsAt >= storm.openedAt) expect(rec.inhibitedBy).toContain(storm.id);
    }
  }, 60_000);
});
