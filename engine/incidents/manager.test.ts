// Incident management in virtual time: grouping and correlation, operator
// workflow, merge/split, silences, inhibition, escalation, SOPs, flapping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { severities, severityRank, type Alert, type AlertState, type Severity } from '../alerts/index.ts';
import { IncidentManager } from './manager.ts';
import type { Effects } from './manager.ts';
import { compilePolicySources } from './policy-loader.ts';

const T0 = Date.parse('2026-07-20T08:00:00Z');
const MIN = 60_000;

class Clock {
  t = T0;
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*", "service.hotline-flood-*"] }
    groupBy: [zone]
    neighbours: true
    span: 30m
    groupWait: 30s
    groupInterval: 5m
    notify: [drainage]
    escalation:
      - { after: 10m, severities: [critical], notify: [duty-manager] }
      - { after: 30m, raise: critical, notify: [duty-manager] }
  - id: traffic
    type: traffic
    match: { rules: ["traffic.*"] }
    groupBy: [zone]
    notify: [ops]
    autoResolve: true
inhibit:
  - id: flood-mutes-traffic
    source: { incidentTypes: [flood] }
    target: { rules: ["traffic.*"] }
    equal: [zone]
  - id: outage-mutes-offline
    source: { alerts: { rules: ["power.ward-outage"] } }
    target: { rules: ["sensor.offline"] }
    equal: [zone]
sops:
  - type: flood
    escalate: [duty-manager]
    steps:
      - { id: notify-drainage, title: { vi: "Báo thoát nước", en: "Notify drainage" }, owner: duty-officer, due: 10m }
      - { id: dispatch-pumps, title: { vi: "Điều xe bơm", en: "Dispatch pumps" }, owner: drainage, due: 30m }
receivers:
  - { name: drainage, nats: { subject: n.drainage } }
  - { name: duty-manager, nats: { subject: n.duty } }
  - { name: ops, nats: { subject: n.ops } }
maintenance:
  - id: nightly-pumps
    matchers: { rules: ["sensor.offline"], sources: ["wl-pump-*"] }
    schedule: { cron: "0 1 * * *", duration: 2h, timezone: Asia/Ho_Chi_Minh }
    reason: nightly pump maintenance
flapping: { window: 1h, starts: 3 }
`;

// Hoàng Mai touches Thanh Xuân; Sóc Sơn is far from both.
const NEIGHBOURS = new Map<string, Set<string>>([
  ['hoang-mai', new Set(['thanh-xuan', 'hai-ba-trung'])],
  ['thanh-xuan', new Set(['hoang-mai'])],
  ['hai-ba-trung', new Set(['hoang-mai'])],
  ['soc-son', new Set()],
]);

function setup(policies = POLICIES, o: { keepResolvedMs?: number } = {}) {
  const r = compilePolicySources([{ file: 'policies.yaml', text: policies }]);
  expect(r.diagnostics).toEqual([]);
  const clock = new Clock();
  const m = new IncidentManager({ policies: r.policies, now: clock.now, neighbours: NEIGHBOURS, zoneNames: new Map([['hoang-mai', { vi: 'Hoàng Mai', en: 'Hoang Mai' }]]), ...o });
  /** Runs every timer due up to `until`, in order, as the service's timer would. */
  const runUntil = (until: number) => {
    for (;;) {
      const due = m.nextDue();
      if (due === undefined || due > until) break;
      clock.t = Math.max(clock.t, due);
      m.runDue();
    }
    clock.t = until;
  };
  return { m, clock, runUntil };
}

let n = 0;
function alert(rule: string, zone: string, o: { state?: AlertState; severity?: Severity; key?: string; startsAt?: number; source?: string } = {}): Alert {
  const key = o.key ?? `${rule}@${zone}`;
  const state = o.state ?? 'firing';
  const startsAt = o.startsAt ?? T0;
  return {
    fingerprint: `fp-${key}-${rule}`,
    rule,
    key,
    state,
    severity: o.severity ?? 'major',
    title: { vi: `${rule} vi`, en: `${rule} en` },
    message: { vi: 'tin', en: 'msg' },
    zone,
    source: o.source ?? key,
    value: 1,
    eventId: `ev-${++n}`,
    eventType: rule.split('.')[0]!,
    startsAt,
    endsAt: state === 'resolved' ? startsAt + MIN : 0,
    eventTime: startsAt,
    emittedAt: T0,
  };
}

const reasons = (e: Effects) => e.notifications.map((x) => `${x.reason}:${x.receiver}`);

describe('grouping and correlation', () => {
  it('a storm in one district becomes one flood incident with rain, water-level and hotline alerts', () => {
    const { m, clock } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'rain-hm' }));
    clock.advance(5 * MIN);
    m.applyAlert(alert('flood.water-level-high', 'hoang-mai', { key: 'wl-hm', startsAt: T0 + 5 * MIN }));
    clock.advance(5 * MIN);
    m.applyAlert(alert('service.hotline-flood-cluster', 'thanh-xuan', { key: 'cluster-tx', startsAt: T0 + 10 * MIN }));
    // Sóc Sơn is not a neighbour: its own incident. Traffic is another policy.
    m.applyAlert(alert('flood.heavy-rain', 'soc-son', { key: 'rain-ss', startsAt: T0 + 10 * MIN }));
    const floods = m.list({ types: ['flood'] });
    expect(floods).toHaveLength(2);
    const storm = floods.find((i) => i.zones.includes('hoang-mai'))!;
    expect(storm.alerts.map((fp) => m.alert(fp)!.rule)).toEqual(['flood.heavy-rain', 'flood.water-level-high', 'service.hotline-flood-cluster']);
    expect(storm.zones).toEqual(['hoang-mai', 'thanh-xuan']);
    expect(storm.title).toEqual({ vi: 'Ngập lụt: Hoàng Mai', en: 'Flooding: Hoang Mai' });
    expect(storm.timeline.map((e) => e.kind)).toEqual(['opened', 'alert.added', 'alert.added']);
  });

  it('an alert later than the span opens a new incident', () => {
    const { m } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'a' }));
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'b', startsAt: T0 + 31 * MIN }));
    expect(m.list({})).toHaveLength(2);
  });

  it('notifies once after groupWait with everything gathered, then at most once per groupInterval', () => {
    const { m, clock, runUntil } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'a' }));
    m.drain();
    clock.advance(10_000);
    m.applyAlert(alert('flood.water-level-high', 'hoang-mai', { key: 'b' }));
    expect(reasons(m.drain())).toEqual([]);
    runUntil(T0 + 30_000);
    const opened = m.drain();
    expect(reasons(opened)).toEqual(['opened:drainage']);
    expect(opened.notifications[0]!.vars.alerts).toBe('2');
    clock.advance(MIN);
    m.applyAlert(alert('flood.heavy-rain', 'thanh-xuan', { key: 'c' }));
    m.applyAlert(alert('flood.heavy-rain', 'hai-ba-trung', { key: 'd' }));
    runUntil(T0 + 5 * MIN);
    expect(reasons(m.drain())).toEqual([]);
    runUntil(T0 + 30_000 + 5 * MIN);
    const updated = m.drain();
    expect(reasons(updated)).toEqual(['updated:drainage']);
    expect(updated.notifications[0]!.vars.alerts).toBe('4');
  });

  it('severity is the worst open alert', () => {
    const { m, clock } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'a', severity: 'minor' }));
    m.applyAlert(alert('flood.water-level-critical', 'hoang-mai', { key: 'b', severity: 'critical' }));
    const [i] = m.list({});
    expect(i!.severity).toBe('critical');
    clock.advance(MIN);
    m.applyAlert(alert('flood.water-level-critical', 'hoang-mai', { key: 'b', severity: 'critical', state: 'resolved' }));
    expect(m.list({})[0]!.severity).toBe('minor');
  });

  it('severity follows the worst firing alert wherever it joined, and an operator override wins over it', () => {
    const { m, clock } = setup();
    m.applyAlert(alert('flood.water-level-critical', 'hoang-mai', { key: 'b', severity: 'critical' }));
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'a', severity: 'minor' }));
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'c', severity: 'major' }));
    const id = m.list({})[0]!.id;
    expect(m.list({})[0]!.severity).toBe('critical');
    clock.advance(MIN);
    m.applyAlert(alert('flood.water-level-critical', 'hoang-mai', { key: 'b', severity: 'critical', state: 'resolved' }));
    expect(m.list({})[0]!.severity).toBe('major'); // the last to join, not the first
    m.act({ kind: 'set-severity', incidentId: id, actor: 'lan', severity: 'info' });
    m.applyAlert(alert('flood.water-level-critical', 'hoang-mai', { key: 'b', severity: 'critical' }));
    expect(m.list({})[0]!.severity).toBe('info');
  });

  it('applying the same alert change twice changes nothing', () => {
    const { m } = setup();
    const a = alert('flood.heavy-rain', 'hoang-mai');
    m.applyAlert(a);
    m.drain();
    m.applyAlert(a);
    const e = m.drain();
    expect(e.incidents.size + e.alerts.size + e.incidentRows.length + e.alertRows.length).toBe(0);
  });
});

describe('operator workflow', () => {
  it('records who did what and when, and refuses what does not fit the state', () => {
    const { m, clock } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai'));
    const id = m.list({})[0]!.id;
    clock.advance(MIN);
    m.act({ kind: 'acknowledge', incidentId: id, actor: 'lan' });
    expect(() => m.act({ kind: 'acknowledge', incidentId: id, actor: 'minh' })).toThrow(/already acknowledged by lan/);
    m.act({ kind: 'assign', incidentId: id, actor: 'lan', assignee: 'team:drainage' });
    m.act({ kind: 'comment', incidentId: id, actor: 'lan', text: 'Nước ngập 30 cm ở Giải Phóng' });
    m.act({ kind: 'set-severity', incidentId: id, actor: 'lan', severity: 'critical' });
    clock.advance(MIN);
    expect(() => m.act({ kind: 'resolve', incidentId: id, actor: 'lan', note: ' ' })).toThrow(/resolution note must not be empty/);
    m.act({ kind: 'resolve', incidentId: id, actor: 'lan', note: 'pumped out' });
    expect(() => m.act({ kind: 'comment', incidentId: 'inc-nope', actor: 'lan', text: 'x' })).toThrow(/no incident inc-nope/);
    m.act({ kind: 'reopen', incidentId: id, actor: 'minh', reason: 'water is back' });
    const i = m.incident(id)!;
    expect(i.state).toBe('open');
    expect(i.severity).toBe('critical');
    expect(i.timeline.map((e) => [e.kind, e.actor, e.at - T0])).toEqual([
      ['opened', 'system', 0],
      ['acknowledged', 'lan', MIN],
      ['assigned', 'lan', MIN],
      ['commented', 'lan', MIN],
      ['severity.changed', 'lan', MIN],
      ['resolved', 'lan', 2 * MIN],
      ['reopened', 'minh', 2 * MIN],
      ['notified', 'system', 2 * MIN],
    ]);
    expect(m.list({ text: 'giải phóng' }).map((x) => x.id)).toEqual([id]);
  });

  it('merges incidents into one and splits alerts off into a new one', () => {
    const { m } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'a' }));
    m.applyAlert(alert('flood.heavy-rain', 'soc-son', { key: 'b' }));
    const [x, y] = m.list({}).sort((p, q) => (p.zones[0]! < q.zones[0]! ? -1 : 1));
    m.drain();
    m.act({ kind: 'merge', incidentId: x!.id, actor: 'lan', others: [y!.id] });
    const e = m.drain();
    expect(e.removed.get(y!.id)).toBe(x!.id);
    expect(m.incident(x!.id)!.alerts).toHaveLength(2);
    expect(m.incident(x!.id)!.zones).toEqual(['hoang-mai', 'soc-son']);
    expect(m.incident(y!.id)!.state).toBe('resolved');
    const fpB = m.incident(x!.id)!.alerts[1]!;
    const fresh = m.act({ kind: 'split', incidentId: x!.id, actor: 'lan', alerts: [fpB] });
    expect(fresh.alerts).toEqual([fpB]);
    expect(fresh.zones).toEqual(['soc-son']);
    expect(m.incident(x!.id)!.zones).toEqual(['hoang-mai']);
    expect(m.alert(fpB)!.incidentId).toBe(fresh.id);
    expect(() => m.act({ kind: 'split', incidentId: x!.id, actor: 'lan', alerts: m.incident(x!.id)!.alerts })).toThrow(/leaves nothing behind/);
  });
});

describe('silences', () => {
  it('a one-off silence records the alert as silenced without opening an incident, and the alert opens one when it ends', () => {
    const { m, clock, runUntil } = setup();
    m.createSilence({ matchers: { rules: ['flood.heavy-rain'], zones: ['hoang-mai'] }, startsAt: T0, endsAt: T0 + 20 * MIN, createdBy: 'lan', reason: 'sensor calibration' }, 'sil-1');
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai'));
    const fp = m.list({}).length === 0 ? 'fp-flood.heavy-rain@hoang-mai-flood.heavy-rain' : '';
    expect(m.alert(fp)!.silencedBy).toEqual(['sil-1']);
    expect(m.drain().alertRows.at(-1)!.silenced).toBe(true);
    runUntil(T0 + 20 * MIN);
    expect(m.alert(fp)!.silencedBy).toEqual([]);
    expect(m.list({})).toHaveLength(1);
    clock.advance(0);
  });

  it('a recurring maintenance window silences only at night (Hanoi time)', () => {
    const { m, runUntil, clock } = setup();
    // 01:30 Hanoi on 21 July = 18:30 UTC on 20 July.
    runUntil(Date.parse('2026-07-20T18:30:00Z'));
    m.applyAlert(alert('sensor.offline', 'hoang-mai', { key: 'wl-pump-yen-so', source: 'wl-pump-yen-so', startsAt: clock.t }));
    m.applyAlert(alert('sensor.offline', 'hoang-mai', { key: 'wl-to-lich', source: 'wl-to-lich', startsAt: clock.t }));
    const pump = m.alert('fp-wl-pump-yen-so-sensor.offline')!;
    expect(pump.silencedBy).toEqual(['policy:nightly-pumps']);
    expect(m.alert('fp-wl-to-lich-sensor.offline')!.silencedBy).toEqual([]);
    // 03:00 Hanoi: the window closes and the still-firing pump alert is handled like any other.
    runUntil(Date.parse('2026-07-20T20:00:00Z'));
    expect(m.alert('fp-wl-pump-yen-so-sensor.offline')!.silencedBy).toEqual([]);
    expect(m.alert('fp-wl-pump-yen-so-sensor.offline')!.incidentId).toBeDefined();
  });

  it('refuses a silence that would silence everything, and expiring one twice', () => {
    const { m } = setup();
    expect(() => m.createSilence({ matchers: {}, startsAt: T0, endsAt: T0 + MIN, createdBy: 'lan', reason: 'x' }, 's')).toThrow(/at least one rule/);
    m.createSilence({ matchers: { zones: ['hoang-mai'] }, startsAt: T0, endsAt: T0 + MIN, createdBy: 'lan', reason: 'x' }, 's2');
    m.expireSilence('s2', 'lan');
    expect(() => m.expireSilence('s2', 'lan')).toThrow(/already ended/);
  });
});

describe('inhibition', () => {
  it('an open flood incident mutes traffic alerts in its zones, visibly, until it is resolved', () => {
    const { m } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai'));
    const flood = m.list({ types: ['flood'] })[0]!;
    m.applyAlert(alert('traffic.zone-gridlock', 'hoang-mai'));
    m.applyAlert(alert('traffic.zone-gridlock', 'soc-son'));
    const muted = m.alert('fp-traffic.zone-gridlock@hoang-mai-traffic.zone-gridlock')!;
    expect(muted.inhibitedBy).toEqual([flood.id]);
    expect(m.list({ types: ['traffic'] }).map((i) => i.zones)).toEqual([['soc-son']]);
    m.act({ kind: 'resolve', incidentId: flood.id, actor: 'lan', note: 'dry' });
    expect(m.alert(muted.fingerprint)!.inhibitedBy).toEqual([]);
    expect(m.list({ types: ['traffic'] })).toHaveLength(2);
  });

  it('a ward power outage mutes that ward’s sensor-offline alerts', () => {
    const { m } = setup();
    m.applyAlert(alert('power.ward-outage', 'dong-da'));
    m.applyAlert(alert('sensor.offline', 'dong-da', { key: 's1' }));
    m.applyAlert(alert('sensor.offline', 'ba-dinh', { key: 's2' }));
    expect(m.alert('fp-s1-sensor.offline')!.inhibitedBy).toEqual(['fp-power.ward-outage@dong-da-power.ward-outage']);
    expect(m.alert('fp-s2-sensor.offline')!.inhibitedBy).toEqual([]);
    m.applyAlert(alert('power.ward-outage', 'dong-da', { state: 'resolved' }));
    expect(m.alert('fp-s1-sensor.offline')!.inhibitedBy).toEqual([]);
  });
});

describe('escalation and SOPs', () => {
  it('escalates an unacknowledged critical incident after 10 minutes, and not an acknowledged one', () => {
    const { m, runUntil } = setup();
    m.applyAlert(alert('flood.water-level-critical', 'hoang-mai', { severity: 'critical', key: 'a' }));
    m.applyAlert(alert('flood.water-level-critical', 'soc-son', { severity: 'critical', key: 'b' }));
    const acked = m.list({ zones: ['soc-son'] })[0]!;
    m.act({ kind: 'acknowledge', incidentId: acked.id, actor: 'lan' });
    m.drain();
    runUntil(T0 + 10 * MIN - 1);
    expect(reasons(m.drain()).filter((r) => r.startsWith('escalated'))).toEqual([]);
    runUntil(T0 + 10 * MIN);
    const e = m.drain();
    expect(reasons(e).filter((r) => r.startsWith('escalated'))).toEqual(['escalated:duty-manager']);
    const open = m.list({ zones: ['hoang-mai'] })[0]!;
    expect(open.escalationLevel).toBe(1);
    expect(open.timeline.some((t) => t.kind === 'escalated' && /not acknowledged after 10 min/.test(t.detail))).toBe(true);
    expect(m.incident(acked.id)!.escalationLevel).toBe(0);
  });

  it('a major incident skips the critical-only step and is raised to critical at 30 minutes', () => {
    const { m, runUntil } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { severity: 'major' }));
    runUntil(T0 + 29 * MIN);
    expect(m.list({})[0]!.escalationLevel).toBe(1);
    expect(m.list({})[0]!.severity).toBe('major');
    expect(reasons(m.drain()).filter((r) => r.startsWith('escalated'))).toEqual([]);
    runUntil(T0 + 30 * MIN);
    const i = m.list({})[0]!;
    expect(i.severity).toBe('critical');
    expect(i.escalationLevel).toBe(2);
  });

  it('an SOP step not ticked by its due time is overdue, escalated once; ticked steps are not', () => {
    const { m, runUntil, clock } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai'));
    const id = m.list({})[0]!.id;
    expect(m.incident(id)!.sop.map((s) => [s.id, s.dueAt - T0])).toEqual([['notify-drainage', 10 * MIN], ['dispatch-pumps', 30 * MIN]]);
    clock.advance(5 * MIN);
    m.act({ kind: 'sop-step', incidentId: id, actor: 'lan', step: 'notify-drainage', done: true });
    m.drain();
    runUntil(T0 + 40 * MIN);
    const e = m.drain();
    expect(reasons(e).filter((r) => r.startsWith('sop'))).toEqual(['sop.overdue:duty-manager']);
    expect(e.notifications.find((x) => x.reason === 'sop.overdue')!.vars.step).toBe('dispatch-pumps: Dispatch pumps');
    expect(m.incident(id)!.sop.map((s) => [s.id, s.overdue, s.doneBy])).toEqual([['notify-drainage', false, 'lan'], ['dispatch-pumps', true, undefined]]);
    runUntil(T0 + 60 * MIN);
    expect(reasons(m.drain()).filter((r) => r.startsWith('sop'))).toEqual([]);
  });
});

describe('flapping', () => {
  it('an alert that keeps firing and resolving is marked flapping and notifies once', () => {
    const { m, clock, runUntil } = setup(POLICIES.replace('autoResolve: true', 'autoResolve: true\n    groupWait: 10s\n    groupInterval: 1m'));
    const sent: string[] = [];
    for (let k = 0; k < 5; k++) {
      m.applyAlert(alert('traffic.zone-gridlock', 'soc-son', { startsAt: clock.t }));
      runUntil(clock.t + 5 * MIN);
      m.applyAlert(alert('traffic.zone-gridlock', 'soc-son', { startsAt: clock.t - 5 * MIN, state: 'resolved' }));
      runUntil(clock.t + 2 * MIN);
      sent.push(...reasons(m.drain()));
    }
    // Fires 1 and 2 notify (opened, resolved); from the 3rd start on it is flapping: quiet.
    expect(sent).toEqual(['opened:ops', 'resolved:ops', 'opened:ops', 'resolved:ops']);
    const rec = m.alert('fp-traffic.zone-gridlock@soc-son-traffic.zone-gridlock')!;
    expect(rec.flapping).toBe(true);
  });
});

describe('policy files', () => {
  it('reports unknown receivers and bad schedules at file:line:column', () => {
    const r = compilePolicySources([{
      file: 'p.yaml',
      text: 'policies:\n  - id: x\n    type: x\n    match: {}\n    notify: [nobody]\nmaintenance:\n  - id: m\n    matchers: { zones: [a] }\n    schedule: { cron: "61 * * * *", duration: 1h }\n    reason: r\n',
    }]);
    const msgs = r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`);
    expect(msgs[0]).toMatch(/^5:14: unknown receiver `nobody`/);
    expect(msgs.some((s) => s.startsWith('9:15: ') && /cron|minute/i.test(s))).toBe(true);
  });

  it('reports an unknown key with its position', () => {
    const r = compilePolicySources([{ file: 'p.yaml', text: 'policies:\n  - id: x\n    type: x\n    match: {}\n    grupBy: [zone]\n' }]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.column}`)).toEqual(['5:5']);
    expect(r.diagnostics[0]!.message).toMatch(/unknown key `grupBy`.*groupBy/);
  });
});

describe('matchers', () => {
  it('labels match other alert fields, exact or glob', () => {
    const { m } = setup();
    m.createSilence({ matchers: { labels: { family: 'flo*' } }, startsAt: T0, endsAt: T0 + MIN, createdBy: 'lan', reason: 'drill' }, 'sil-l');
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai'));
    m.applyAlert(alert('traffic.zone-gridlock', 'soc-son'));
    expect(m.alert('fp-flood.heavy-rain@hoang-mai-flood.heavy-rain')!.silencedBy).toEqual(['sil-l']);
    expect(m.alert('fp-traffic.zone-gridlock@soc-son-traffic.zone-gridlock')!.silencedBy).toEqual([]);
  });

  it('labels in a policy file load (any subset of the alert fields)', () => {
    const r = compilePolicySources([{ file: 'p.yaml', text: 'policies:\n  - id: x\n    type: x\n    match: { labels: { family: flood, zone: "hoang-*" } }\n' }]);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('keeping the live state bounded', () => {
  it('drops a resolved incident and its resolved alerts a week after, keeping what is open or still listed', () => {
    const { m, clock, runUntil } = setup();
    const DAY = 86_400_000;
    m.applyAlert(alert('traffic.jam', 'soc-son', { key: 'old' }));
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'open' }));
    const old = m.list({}).find((i) => i.type === 'traffic')!.id;
    const open = m.list({}).find((i) => i.type === 'flood')!.id;
    clock.advance(MIN);
    m.applyAlert(alert('traffic.jam', 'soc-son', { key: 'old', state: 'resolved' })); // auto-resolves its incident
    // An alert resolved on its own, in no incident, and one resolved inside the open incident.
    m.applyAlert(alert('flood.heavy-rain', 'soc-son', { key: 'alone', state: 'resolved' }));
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'open2' }));
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'open2', state: 'resolved' }));
    expect(m.incident(old)!.state).toBe('resolved');
    m.drain();

    runUntil(clock.t + 7 * DAY - 2 * 3_600_000);
    expect(m.incident(old)).toBeDefined();
    expect(m.drain().removed.size).toBe(0);

    runUntil(clock.t + 3 * 3_600_000);
    expect(m.incident(old)).toBeUndefined();
    expect(m.alert('fp-old-traffic.jam')).toBeUndefined();
    expect(m.alert('fp-alone-flood.heavy-rain')).toBeUndefined();
    // The open incident and every alert it lists stay, resolved or not.
    expect(m.incident(open)!.state).toBe('open');
    expect(m.alertsOf(m.incident(open)!).map((a) => `${a.key}:${a.state}`).sort()).toEqual(['open2:resolved', 'open:firing']);
    const e = m.drain();
    expect(e.removed.get(old)).toBe('');
    expect([...e.incidents]).toEqual([old]);
    expect([...e.alerts].sort()).toEqual(['fp-alone-flood.heavy-rain', 'fp-old-traffic.jam']);
    expect(m.state().incidents.map((i) => i.id)).toEqual([open]);

    // The same alert firing again opens a new incident.
    m.applyAlert(alert('traffic.jam', 'soc-son', { key: 'old', startsAt: clock.t }));
    expect(m.list({ states: ['open'] }).map((i) => i.type).sort()).toEqual(['flood', 'traffic']);
  });

  it('a restored state replaces the one held: what another process dropped goes', () => {
    const { m } = setup();
    m.applyAlert(alert('flood.heavy-rain', 'hoang-mai', { key: 'a' }));
    m.applyAlert(alert('traffic.jam', 'soc-son', { key: 'b' }));
    const state = m.state();
    const kept = state.incidents.find((i) => i.type === 'flood')!;
    m.restore({ alerts: state.alerts.filter((a) => a.key === 'a'), incidents: [kept], silences: [] });
    expect(m.list({}).map((i) => i.id)).toEqual([kept.id]);
    expect(m.alert('fp-b-traffic.jam')).toBeUndefined();
  });
});

describe('severity and auto-resolve in a storm of changes', () => {
  // Severity and auto-resolve are kept by counting each incident's alerts as
  // they change (a storm's incident holds thousands). Any sequence of alert
  // changes and operator actions must leave them what walking the incident's
  // alerts gives: every open incident's severity the worst firing alert that
  // belongs to it (unless overridden), and an auto-resolving incident
  // resolved once all its alerts are.
  const op = fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('alert' as const), fp: fc.integer({ min: 0, max: 7 }), state: fc.constantFrom<AlertState>('firing', 'firing', 'resolved', 'pending'), severity: fc.constantFrom<Severity>('info', 'minor', 'major', 'critical'), again: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 70 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('merge' as const, 'split' as const, 'reopen' as const, 'resolve' as const, 'override' as const, 'restart' as const), a: fc.nat(), b: fc.nat() }) },
  );
  // Traffic incidents resolve themselves; flood ones group neighbouring zones and escalate (raising severity).
  const fingerprints = Array.from({ length: 8 }, (_, i) => ({ rule: i % 2 ? 'traffic.jam' : 'flood.heavy-rain', zone: ['hoang-mai', 'thanh-xuan', 'soc-son'][i % 3]!, key: `k${i}` }));

  it('matches a walk over each incident’s alerts after every change', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 120, size: 'max' }), (ops) => {
        // Resolved incidents are dropped after 30 virtual minutes here, so that dropping takes part too.
        const { m, clock, runUntil } = setup(POLICIES, { keepResolvedMs: 30 * MIN });
        const startsAt = new Map<number, number>();
        const opened = new Map<string, number>();
        const owned = (id: string) => m.incident(id)!.alerts.map((fp) => m.alert(fp)).filter((a) => a?.incidentId === id);
        const check = (id: string | undefined) => {
          const i = id === undefined ? undefined : m.incident(id);
          if (!i || i.state === 'resolved' || i.severityOverride !== undefined) return;
          const firing = owned(i.id).filter((a) => a!.state === 'firing');
          if (firing.length > 0) expect(i.severity, `${i.id}: ${JSON.stringify(i.alerts.map((fp) => [fp, m.alert(fp)?.state, m.alert(fp)?.severity, m.alert(fp)?.incidentId]))}`).toBe(severities[Math.max(...firing.map((a) => severityRank(a!.severity))) - 1]);
        };
        for (const o of ops) {
          // After every change: each open incident's severity, each alert's incident (unless dropped) lists it, and no
          // incident takes the id of another, even one dropped long ago.
          for (const i of m.list({ states: ['open', 'acknowledged'] })) check(i.id);
          for (const f of fingerprints) {
            const rec = m.alert(`fp-${f.key}-${f.rule}`);
            const i = rec?.incidentId ? m.incident(rec.incidentId) : undefined;
            if (i) expect(i.alerts).toContain(rec!.fingerprint);
          }
          for (const i of m.list({})) {
            expect(opened.get(i.id) ?? i.openedAt, `${i.id} reused`).toBe(i.openedAt);
            opened.set(i.id, i.openedAt);
          }
          const open = m.list({ states: ['open', 'acknowledged'] }).map((i) => i.id).sort();
          const all = m.list({}).map((i) => i.id).sort();
          if (o.kind === 'alert') {
            const f = fingerprints[o.fp]!;
            if (o.state === 'firing' && (o.again || !startsAt.has(o.fp))) startsAt.set(o.fp, clock.t);
            const a = alert(f.rule, f.zone, { key: f.key, state: o.state, severity: o.severity, startsAt: startsAt.get(o.fp) ?? clock.t });
            const before = m.alert(a.fingerprint)?.state;
            m.applyAlert(a);
            const rec = m.alert(a.fingerprint);
            const i = rec?.incidentId ? m.incident(rec.incidentId) : undefined;
            if (o.state === 'resolved' && before !== 'resolved' && i?.policy === 'traffic' && open.includes(i.id)) {
              expect(i.state === 'resolved').toBe(owned(i.id).every((x) => x!.state === 'resolved'));
            }
          } else if (o.kind === 'advance') {
            runUntil(clock.t + o.minutes * MIN);
          } else if (o.kind === 'merge' && open.length >= 2) {
            const target = open[o.a % open.length]!;
            const other = open.filter((id) => id !== target)[o.b % (open.length - 1)]!;
            m.act({ kind: 'merge', incidentId: target, actor: 'lan', others: [other] });
          } else if (o.kind === 'split' && open.length > 0) {
            const id = open[o.a % open.length]!;
            const alerts = m.incident(id)!.alerts;
            if (alerts.length < 2) continue;
            m.act({ kind: 'split', incidentId: id, actor: 'lan', alerts: [alerts[o.b % alerts.length]!] });
          } else if (o.kind === 'reopen' && all.length > open.length) {
            const closed = all.filter((id) => !open.includes(id));
            m.act({ kind: 'reopen', incidentId: closed[o.a % closed.length]!, actor: 'lan', reason: 'again' });
          } else if (o.kind === 'resolve' && open.length > 0) {
            m.act({ kind: 'resolve', incidentId: open[o.a % open.length]!, actor: 'lan', note: 'done' });
          } else if (o.kind === 'restart') {
            m.restore(structuredClone(m.state())); // as after a restart: the same state, new objects
          } else if (o.kind === 'override' && open.length > 0) {
            m.act({ kind: 'set-severity', incidentId: open[o.a % open.length]!, actor: 'lan', severity: severities[o.b % severities.length]! });
          }
        }
        for (const i of m.list({ states: ['open', 'acknowledged'] })) check(i.id);
      }),
      { numRuns: 200 },
    );
  });
});
