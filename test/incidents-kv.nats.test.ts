// Two engine processes' incident services on one real NATS KV bucket: writes
// are compare-and-set on the revision, so neither can overwrite what the other
// wrote. The loser of a race is told (ConflictError), reloads, and a retry
// keeps both changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../engine/alerts/index.ts';
import { connectNats, type NatsBus } from '../engine/bus/index.ts';
import { ConflictError } from '../engine/errors/index.ts';
import { compilePolicySources, IncidentService, type NotificationRequest } from '../engine/incidents/index.ts';
import { silentLogger } from '../engine/log/index.ts';
import { MemoryStore } from '../engine/store/index.ts';
import { waitUntil } from './harness/engine.ts';
import { startNats, type NatsServer } from './harness/nats.ts';

let nats: NatsServer;
const buses: NatsBus[] = [];
const services: IncidentService[] = [];

const { policies } = compilePolicySources([{ file: 'p.yaml', text: 'policies:\n  - { id: flood, type: flood, match: { rules: ["flood.*"] }, groupBy: [zone] }\n' }]);

async function engineProcess(maxPendingAlerts?: number, bucket = 'ioc_incidents', follow = false, shared = true, now?: () => number): Promise<IncidentService> {
  const bus = await connectNats({
    servers: nats.url, eventsStream: 'IOC_EVENTS', alertsStream: 'IOC_ALERTS', dlqStream: 'IOC_DLQ', consumer: `c${buses.length}`,
    stateBucket: 'ioc_engine', eventsMaxAgeHours: 1, replicas: 1, maxAckPending: 1000, ackWaitSeconds: 30, log: silentLogger(),
  });
  await bus.setup();
  buses.push(bus);
  const sent: NotificationRequest[] = [];
  const service = new IncidentService({ bus, store: new MemoryStore(), notifications: { enqueue: async (r) => void sent.push(...r) }, policies, bucket, log: silentLogger(), follow, shared, ...(maxPendingAlerts ? { maxPendingAlerts } : {}), ...(now ? { now } : {}) });
  await service.start();
  services.push(service);
  return service;
}

beforeAll(async () => {
  nats = await startNats();
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.stop();
  for (const b of buses) await b.close();
  await nats?.destroy();
});

const alert: Alert = {
  fingerprint: 'fp-hm', rule: 'flood.water-level-critical', key: 'wl-hm', state: 'firing', severity: 'critical',
  title: { vi: 'Mực nước nguy hiểm', en: 'Critical water level' }, message: { vi: '2,6 m', en: '2.6 m' },
  zone: 'hoang-mai', source: 'wl-hm', value: 2.6, eventId: 'e1', eventType: 'water.level',
  startsAt: Date.now(), endsAt: 0, eventTime: Date.now(), emittedAt: Date.now(),
};

describe('incident state shared by two engine processes', () => {
  it('never lets one overwrite the other: the stale writer gets ConflictError, reloads, and its retry keeps both changes', async () => {
    const a = await engineProcess();
    const b = await engineProcess();
    await buses[0]!.publishAlert(alert);
    const id = await waitUntil(() => a.list({})[0]?.id, 20_000, () => 'incident on A');
    await waitUntil(() => b.list({})[0]?.id === id, 20_000, () => 'the same incident on B');
    await a.settled();
    await b.settled();

    await a.act({ kind: 'acknowledge', incidentId: id, actor: 'lan' });
    // B has not seen A's acknowledgement: its write loses the compare-and-set.
    await expect(b.act({ kind: 'comment', incidentId: id, actor: 'minh', text: 'đang xử lý' })).rejects.toBeInstanceOf(ConflictError);
    // B reloaded: its retry lands on top of A's change.
    const afterB = await b.act({ kind: 'comment', incidentId: id, actor: 'minh', text: 'đang xử lý' });
    expect(afterB.state).toBe('acknowledged');
    expect(afterB.acknowledgedBy).toBe('lan');
    // Now A is the stale one.
    await expect(a.act({ kind: 'assign', incidentId: id, actor: 'lan', assignee: 'team:drainage' })).rejects.toBeInstanceOf(ConflictError);
    const final = await a.act({ kind: 'assign', incidentId: id, actor: 'lan', assignee: 'team:drainage' });
    expect(final.timeline.filter((e) => e.actor !== 'system').map((e) => `${e.kind}:${e.actor}`)).toEqual(['acknowledged:lan', 'commented:minh', 'assigned:lan']);

    // A third process starting now reads exactly that.
    const c = await engineProcess();
    const seen = c.get(id)!.incident;
    expect(seen.timeline.filter((e) => e.actor !== 'system').map((e) => `${e.kind}:${e.actor}`)).toEqual(['acknowledged:lan', 'commented:minh', 'assigned:lan']);
  }, 60_000);

  it('the only writer (shared: false) does not follow the bucket, yet never overwrites a write made by another process', async () => {
    const bucket = 'ioc_incidents_solo';
    const solo = await engineProcess(undefined, bucket, false, false);
    const other = await engineProcess(undefined, bucket, true); // a follower: serves the API, writes operator actions
    await buses[0]!.publishAlert({ ...alert, fingerprint: 'fp-solo', key: 'wl-solo', source: 'wl-solo', zone: 'tay-ho', eventId: 'solo-1' });
    const id = await waitUntil(() => solo.list({}).find((i) => i.zones.includes('tay-ho'))?.id, 20_000, () => 'incident in tay-ho on the solo process');
    await solo.settled();
    await waitUntil(() => other.get(id) !== undefined, 20_000, () => 'the follower to see the incident');
    await other.act({ kind: 'acknowledge', incidentId: id, actor: 'lan' });
    await other.settled();
    await new Promise((r) => setTimeout(r, 300));
    // Not following, it has not seen the acknowledgement ...
    expect(solo.get(id)!.incident.state).toBe('open');
    // ... so its next write of the incident is refused, it reloads, and the retry keeps both changes.
    await expect(solo.act({ kind: 'comment', incidentId: id, actor: 'minh', text: 'đang xử lý' })).rejects.toBeInstanceOf(ConflictError);
    const after = await solo.act({ kind: 'comment', incidentId: id, actor: 'minh', text: 'đang xử lý' });
    expect(after.state).toBe('acknowledged');
    expect(after.timeline.filter((e) => e.actor !== 'system').map((e) => `${e.kind}:${e.actor}`)).toEqual(['acknowledged:lan', 'commented:minh']);
  }, 60_000);

  it('pauses reading the alerts stream when changes pile up, and still applies every one of them', async () => {
    // 3,000 firing alerts already in the stream: read far faster than 200 ms batches can be saved.
    const total = 3000;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      pending.push(buses[0]!.publishAlert({ ...alert, fingerprint: `fp-pile-${i}`, key: `wl-pile-${i}`, source: `wl-pile-${i}`, zone: 'long-bien', eventId: `pile-${i}` }));
    }
    await Promise.all(pending);
    // Its own bucket: the services above share theirs, and would apply these alerts (and move the saved position past them) first.
    const d = await engineProcess(500, 'ioc_incidents_pile');
    const incident = await waitUntil(() => {
      const inc = d.list({}).find((i) => i.zones.includes('long-bien'));
      return inc && inc.alerts.length === total ? inc : undefined;
    }, 60_000, () => `long-bien incident with ${d.list({}).find((i) => i.zones.includes('long-bien'))?.alerts.length ?? 0} of ${total} alerts`);
    expect(new Set(incident.alerts).size).toBe(total);
    expect(d.readPauses).toBeGreaterThan(0);
  }, 90_000);

  it('three processes applying the same stream of alert changes at once end with every change applied, none skipped after a lost race', async () => {
    const bucket = 'ioc_incidents_three';
    const [p1, p2, p3] = [await engineProcess(undefined, bucket), await engineProcess(undefined, bucket), await engineProcess(undefined, bucket)];
    // 40 sensors in two districts, each firing, resolved and firing again, or firing then resolved: 100 changes, published in bursts.
    const last = new Map<string, Alert['state']>();
    for (let round = 0; round < 3; round++) {
      const burst: Promise<void>[] = [];
      for (let i = 0; i < 40; i++) {
        if (round === 2 && i % 2 === 1) continue;
        const state: Alert['state'] = round === 1 ? 'resolved' : 'firing';
        const fp = `fp-three-${i}`;
        last.set(fp, state);
        const zone = i % 2 === 0 ? 'ba-dinh' : 'dong-da';
        burst.push(buses[0]!.publishAlert({ ...alert, fingerprint: fp, key: `wl-three-${i}`, source: `wl-three-${i}`, zone, state, eventId: `three-${round}-${i}`, startsAt: alert.startsAt + round, emittedAt: Date.now() }));
      }
      await Promise.all(burst);
      await new Promise((r) => setTimeout(r, 150)); // about one coalescing period: the processes race on the same incidents
    }
    const wanted = [...last].map(([fp, state]) => `${fp}:${state}`).sort();
    const view = (s: IncidentService) => [...last.keys()].map((fp) => `${fp}:${s.alert(fp)?.state}`).sort();
    for (const s of [p1, p2, p3]) await waitUntil(async () => {
      await s.settled();
      return JSON.stringify(view(s)) === JSON.stringify(wanted);
    }, 30_000, () => `a process to see every change (it sees ${view(s).filter((x) => !wanted.includes(x)).slice(0, 3).join(', ')} ...)`);
    // What the bucket holds, read by a fresh process: every sensor in its last state.
    const fresh = await engineProcess(undefined, bucket);
    expect(view(fresh)).toEqual(wanted);
  }, 90_000);

  it('one process leads (applies alert changes), another follows the shared state, serves it, acts on it, and can take over the lead', async () => {
    const bucket = 'ioc_incidents_lead';
    const leader = await engineProcess(undefined, bucket);
    const follower = await engineProcess(undefined, bucket, true);
    expect([leader.isLeading, follower.isLeading]).toEqual([true, false]);
    const updates: string[] = [];
    const sub = follower.updates().subscribe((u) => updates.push(u.kind === 'incident' ? `incident:${u.incident.state}` : u.kind));

    const hk = { ...alert, fingerprint: 'fp-lead-hk', key: 'wl-lead-hk', source: 'wl-lead-hk', zone: 'hoan-kiem', eventId: 'lead-1', startsAt: Date.now() };
    await buses[0]!.publishAlert(hk);
    const id = await waitUntil(() => leader.list({}).find((i) => i.zones.includes('hoan-kiem'))?.id, 20_000, () => 'the leader opens the incident');
    // The follower reads no alerts: it sees the incident because the leader wrote it.
    await waitUntil(() => follower.get(id)?.incident.state === 'open', 20_000, () => 'the follower sees the open incident');
    expect(updates).toContain('incident:open');

    // An operator acknowledges on the follower's console: the leader sees it, and its timers see it too.
    await follower.act({ kind: 'acknowledge', incidentId: id, actor: 'lan' });
    await waitUntil(() => leader.get(id)?.incident.state === 'acknowledged', 20_000, () => 'the leader sees the acknowledgement');
    // The leader goes on from there: the alert resolving is added on top of the acknowledgement.
    await buses[0]!.publishAlert({ ...hk, state: 'resolved', endsAt: Date.now(), eventId: 'lead-2' });
    await waitUntil(() => follower.alert('fp-lead-hk')?.state === 'resolved', 20_000, () => 'the follower sees the alert resolved');
    expect(follower.get(id)!.incident.acknowledgedBy).toBe('lan');

    // The lead moves (the router slot went to the other process).
    await leader.follow();
    await follower.lead();
    expect([leader.isLeading, follower.isLeading]).toEqual([false, true]);
    const cg = { ...alert, fingerprint: 'fp-lead-cg', key: 'wl-lead-cg', source: 'wl-lead-cg', zone: 'cau-giay', eventId: 'lead-3', startsAt: Date.now() };
    await buses[0]!.publishAlert(cg);
    const id2 = await waitUntil(() => follower.list({}).find((i) => i.zones.includes('cau-giay'))?.id, 20_000, () => 'the new leader opens an incident');
    await waitUntil(() => leader.get(id2)?.incident.state === 'open', 20_000, () => 'the old leader, now following, sees it');
    // Neither decided anything twice: one incident per district.
    expect(follower.list({}).filter((i) => i.zones.includes('cau-giay')).length).toBe(1);
    expect(leader.list({}).filter((i) => i.zones.includes('hoan-kiem')).map((i) => i.id)).toEqual([id]);
    sub.unsubscribe();
  }, 90_000);
});

describe('a week after', () => {
  it('deletes a resolved incident and its alerts from the bucket, so a restarted process no longer holds them', async () => {
    let now = Date.now();
    const clock = () => now;
    const bucket = 'ioc_incidents_keep';
    const solo = await engineProcess(undefined, bucket, false, false, clock);
    await buses.at(-1)!.publishAlert({ ...alert, fingerprint: 'fp-old', key: 'wl-old', zone: 'zone-old', eventId: 'k1' });
    await buses.at(-1)!.publishAlert({ ...alert, fingerprint: 'fp-new', key: 'wl-new', zone: 'zone-new', eventId: 'k2' });
    // (The stream still holds the alerts of the tests above: their incidents are in this bucket too.)
    const byZone = (z: string) => solo.list({}).find((i) => i.zones.includes(z))?.id;
    await waitUntil(() => byZone('zone-old') && byZone('zone-new'), 20_000, () => 'two incidents');
    const old = byZone('zone-old')!;
    const open = byZone('zone-new')!;
    await buses.at(-1)!.publishAlert({ ...alert, fingerprint: 'fp-old', key: 'wl-old', zone: 'zone-old', eventId: 'k3', state: 'resolved', endsAt: now });
    await waitUntil(() => solo.get(old)?.alerts[0]?.state === 'resolved', 20_000, () => 'the old alert resolved');
    await solo.act({ kind: 'resolve', incidentId: old, actor: 'lan', note: 'water receded' });

    now += 8 * 86_400_000;
    await solo.act({ kind: 'comment', incidentId: open, actor: 'lan', text: 'still watching' }); // any change runs the timers due
    await waitUntil(() => solo.get(old) === undefined, 20_000, () => 'the old incident dropped');
    await solo.settled();

    const kv = await buses.at(-1)!.versionedStore(bucket);
    const keys = [...(await kv.entries()).keys()].sort();
    expect(keys).toContain(`incident.${open}`);
    expect(keys).toContain('alert.fp-new');
    expect(keys).not.toContain(`incident.${old}`);
    expect(keys).not.toContain('alert.fp-old');
    const restarted = await engineProcess(undefined, bucket, true, true, clock);
    expect(restarted.get(open)).toBeDefined();
    expect(restarted.get(old)).toBeUndefined();
  }, 60_000);
});
