// Issue 4 acceptance, end to end on real NATS and ClickHouse: an event becomes
// an alert, the alert an incident, and operators work it over gRPC-web with a
// client the project did not write (nice-grpc-web). A second client watching
// sees every change live; the audit timeline, the ClickHouse history and the
// MTTA/MTTR figures agree with what the operators did.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientError, createChannel, createClient, Metadata, Status } from 'nice-grpc-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioc } from '../protos/gen/ioc.js';
import { IncidentsService } from '../protos/gen/services.ts';
import type { RunningEngine } from '../engine/app/index.ts';
import { queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const POLICIES = `
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    groupWait: 1s
    groupInterval: 2s
    notify: [ops]
sops:
  - type: flood
    steps:
      - { id: notify-drainage, title: { vi: "Báo thoát nước", en: "Notify drainage" }, owner: duty-officer, due: 10m }
      - { id: dispatch-pumps, title: { vi: "Điều xe bơm", en: "Dispatch pumps" }, owner: drainage, due: 30m }
receivers:
  - { name: ops, nats: { subject: ioc.notifications.ops } }
`;

let stack: Stack;
let engine: RunningEngine;

beforeAll(async () => {
  stack = await startStack({ database: 'ioc_incidents_web' });
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), POLICIES);
  engine = await startTestEngine(stack);
}, 120_000);

afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

/** Generated response types leave every field optional; these read them with their proto3 defaults. */
const timelineOf = (i: ioc.v1.IIncident | null | undefined) => i?.timeline ?? [];
const kindName = (k: ioc.v1.TimelineKind | null | undefined) => ioc.v1.TimelineKind[k ?? 0];
const zonesOf = (i: ioc.v1.IIncident | null | undefined) => i?.zones ?? [];

const as = (user: string) => ({ metadata: Metadata({ 'x-ioc-user': user }) });

describe('operators work an incident over gRPC-web', () => {
  it('acknowledge, assign, comment, tick SOP steps, change severity, resolve and reopen; audited and pushed live', async () => {
    const channel = createChannel(`http://127.0.0.1:${engine.httpPort}`);
    const operator = createClient(IncidentsService, channel);
    const watcher = createClient(IncidentsService, createChannel(`http://127.0.0.1:${engine.httpPort}`));

    // NATS notifications, as an integrator would read them.
    const told: string[] = [];
    const sub = stack.nc.subscribe('ioc.notifications.ops', { callback: (_e, m) => told.push((JSON.parse(new TextDecoder().decode(m.data)) as { reason: string }).reason) });

    const seen: ioc.v1.IncidentUpdate[] = [];
    const ac = new AbortController();
    const watching = (async () => {
      try {
        for await (const u of watcher.watch(ioc.v1.WatchIncidentsRequest.create({}), { signal: ac.signal })) seen.push(u);
      } catch {
        // aborted at the end
      }
    })();
    await waitUntil(() => seen.some((u) => u.snapshotEnd), 10_000, () => 'watch snapshot');

    await stack.nc.jetstream().publish('ioc.events.water.level', JSON.stringify({ id: 'inc-web-1', type: 'water.level', source: 'wl-kim-nguu-02', time: Date.now(), value: 2.6, unit: 'm', zone: 'hai-ba-trung' }));
    const listed = await waitUntil(async () => {
      const r = await operator.list(ioc.v1.ListIncidentsRequest.create({ types: ['flood'] }));
      return r.incidents.length === 1 ? r.incidents[0]! : undefined;
    }, 30_000, () => 'the flood incident');
    const id = listed.id;
    expect(listed.zones).toEqual(['hai-ba-trung']);
    expect(listed.severity).toBe(ioc.v1.Severity.CRITICAL);
    await waitUntil(() => told.includes('opened'), 10_000, () => 'the opened notification on NATS');

    // Who acts comes from the caller's metadata; without it nothing happens.
    const anonymous = await operator.acknowledge(ioc.v1.AcknowledgeRequest.create({ incidentId: id })).catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(ClientError);
    expect((anonymous as ClientError).code).toBe(Status.INVALID_ARGUMENT);
    expect((anonymous as ClientError).details).toMatch(/x-ioc-user/);

    await operator.acknowledge(ioc.v1.AcknowledgeRequest.create({ incidentId: id }), as('lan'));
    const again = await operator.acknowledge(ioc.v1.AcknowledgeRequest.create({ incidentId: id }), as('minh')).catch((e: unknown) => e);
    expect((again as ClientError).code).toBe(Status.FAILED_PRECONDITION);
    await operator.assign(ioc.v1.AssignRequest.create({ incidentId: id, assignee: 'team:drainage' }), as('lan'));
    await operator.comment(ioc.v1.CommentRequest.create({ incidentId: id, text: 'Ngập 30 cm trên phố Kim Ngưu' }), as('lan'));
    await operator.setSopStep(ioc.v1.SetSopStepRequest.create({ incidentId: id, step: 'notify-drainage', done: true }), as('minh'));
    await operator.setSeverity(ioc.v1.SetSeverityRequest.create({ incidentId: id, severity: ioc.v1.Severity.MAJOR }), as('lan'));
    const resolved = await operator.resolve(ioc.v1.ResolveRequest.create({ incidentId: id, note: 'pumped out by 10:40' }), as('lan'));
    expect(resolved.state).toBe(ioc.v1.IncidentState.INCIDENT_STATE_RESOLVED);
    const reopened = await operator.reopen(ioc.v1.ReopenRequest.create({ incidentId: id, reason: 'water rising again' }), as('minh'));
    expect(reopened.state).toBe(ioc.v1.IncidentState.INCIDENT_STATE_OPEN);
    const missing = await operator.get(ioc.v1.GetIncidentRequest.create({ id: 'inc-does-not-exist' })).catch((e: unknown) => e);
    expect((missing as ClientError).code).toBe(Status.NOT_FOUND);

    const detail = await operator.get(ioc.v1.GetIncidentRequest.create({ id }));
    const timeline = timelineOf(detail.incident).map((e) => [kindName(e.kind), e.actor]);
    expect(timeline).toEqual(expect.arrayContaining([
      ['TIMELINE_KIND_ACKNOWLEDGED', 'lan'],
      ['TIMELINE_KIND_ASSIGNED', 'lan'],
      ['TIMELINE_KIND_COMMENTED', 'lan'],
      ['TIMELINE_KIND_SOP_STEP_DONE', 'minh'],
      ['TIMELINE_KIND_SEVERITY_CHANGED', 'lan'],
      ['TIMELINE_KIND_RESOLVED', 'lan'],
      ['TIMELINE_KIND_REOPENED', 'minh'],
    ]));
    const order = timelineOf(detail.incident).filter((e) => e.actor !== 'system').map((e) => kindName(e.kind));
    expect(order).toEqual(['TIMELINE_KIND_ACKNOWLEDGED', 'TIMELINE_KIND_ASSIGNED', 'TIMELINE_KIND_COMMENTED', 'TIMELINE_KIND_SOP_STEP_DONE', 'TIMELINE_KIND_SEVERITY_CHANGED', 'TIMELINE_KIND_RESOLVED', 'TIMELINE_KIND_REOPENED']);
    expect(timelineOf(detail.incident).find((e) => e.kind === ioc.v1.TimelineKind.TIMELINE_KIND_COMMENTED)!.detail).toBe('Ngập 30 cm trên phố Kim Ngưu');
    expect((detail.incident?.sop ?? []).find((s) => s.id === 'notify-drainage')!.doneBy).toBe('minh');
    expect(detail.alerts.map((a) => a.rule)).toEqual(['flood.water-level-critical']);

    // The second client saw each of those changes as it happened.
    await waitUntil(() => seen.some((u) => u.incident?.id === id && timelineOf(u.incident).some((e) => e.kind === ioc.v1.TimelineKind.TIMELINE_KIND_REOPENED)), 10_000, () => 'the reopen pushed to the watcher');
    const pushedKinds = new Set(seen.flatMap((u) => (u.incident?.id === id ? timelineOf(u.incident).map((e) => kindName(e.kind)) : [])));
    for (const k of ['TIMELINE_KIND_OPENED', 'TIMELINE_KIND_ACKNOWLEDGED', 'TIMELINE_KIND_ASSIGNED', 'TIMELINE_KIND_COMMENTED', 'TIMELINE_KIND_SOP_STEP_DONE', 'TIMELINE_KIND_RESOLVED', 'TIMELINE_KIND_REOPENED']) expect(pushedKinds).toContain(k);
    expect(seen.some((u) => u.alert?.rule === 'flood.water-level-critical')).toBe(true);
    await waitUntil(() => told.includes('resolved') && told.includes('reopened'), 10_000, () => 'resolved and reopened notifications');
    expect(told.filter((r) => r === 'opened')).toHaveLength(1);

    // The audit history in ClickHouse, and the figures computed from it.
    const rows = await waitUntil(async () => {
      const r = await queryRows<{ kind: string; actor: string }>(stack.ch, `SELECT kind, actor FROM ioc_incidents_web.incident_events FINAL WHERE incident_id = '${id}' ORDER BY seq`);
      return r.some((x) => x.kind === 'reopened') ? r : undefined;
    }, 20_000, () => 'the history in ClickHouse');
    expect(rows.filter((r) => r.actor !== 'system').map((r) => r.kind)).toEqual(['acknowledged', 'assigned', 'commented', 'sop.step.done', 'severity.changed', 'resolved', 'reopened']);
    const stats = await operator.stats(ioc.v1.IncidentStatsRequest.create({ from: Date.now() - 3_600_000, to: Date.now() + 60_000, types: ['flood'] }));
    const s = stats.stats.find((x) => x.zone === 'hai-ba-trung')!;
    expect(s).toMatchObject({ type: 'flood', incidents: 1, acknowledged: 1 });
    expect(s.mttaMs).toBeGreaterThanOrEqual(0);

    // Operations see it in the metrics.
    const metrics = await (await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/ioc_incident_changes_total\{kind="acknowledged"\} 1\b/);
    expect(metrics).toMatch(/ioc_incidents\{state="open",type="flood"\} 1\b/);
    expect(metrics).toMatch(/ioc_notification_attempts_total\{receiver="ops",result="ok"\} [3-9]/);

    ac.abort();
    await watching;
    sub.unsubscribe();
  }, 120_000);

  it('silences over gRPC-web: created with who and why, listed, expired', async () => {
    const client = createClient(IncidentsService, createChannel(`http://127.0.0.1:${engine.httpPort}`));
    const bad = await client.createSilence(ioc.v1.CreateSilenceRequest.create({ startsAt: Date.now(), endsAt: Date.now() + 60_000, reason: 'x' }), as('lan')).catch((e: unknown) => e);
    expect((bad as ClientError).code).toBe(Status.INVALID_ARGUMENT);
    const s = await client.createSilence(ioc.v1.CreateSilenceRequest.create({ matchers: { zones: ['dong-da'], rules: ['flood.*'] }, startsAt: Date.now(), endsAt: Date.now() + 3_600_000, reason: 'pump station works' }), as('lan'));
    expect(s.createdBy).toBe('lan');
    await stack.nc.jetstream().publish('ioc.events.water.level', JSON.stringify({ id: 'inc-web-2', type: 'water.level', source: 'wl-dong-da-01', time: Date.now(), value: 2.4, unit: 'm', zone: 'dong-da' }));
    // The alert is recorded as silenced and opens no incident.
    await waitUntil(async () => {
      const r = await queryRows<{ silenced: number }>(stack.ch, `SELECT silenced FROM ioc_incidents_web.alert_events WHERE zone = 'dong-da'`);
      return r.length > 0 && r.every((x) => Number(x.silenced) === 1);
    }, 20_000, () => 'the silenced alert in the history');
    expect((await client.list(ioc.v1.ListIncidentsRequest.create({ zones: ['dong-da'] }))).incidents).toEqual([]);
    expect((await client.listSilences(ioc.v1.ListSilencesRequest.create({}))).silences.map((x) => x.id)).toContain(s.id);
    const expired = await client.expireSilence(ioc.v1.ExpireSilenceRequest.create({ id: s.id }), as('minh'));
    expect(expired.expiredAt).toBeGreaterThan(0);
    // Unsilenced while still firing: it opens its incident now.
    await waitUntil(async () => (await client.list(ioc.v1.ListIncidentsRequest.create({ zones: ['dong-da'] }))).incidents.length === 1, 20_000, () => 'incident after the silence ended');
  }, 60_000);

  it('reloads the policy files with the rules; a broken one keeps the previous policies', async () => {
    const client = createClient(IncidentsService, createChannel(`http://127.0.0.1:${engine.httpPort}`));
    const file = join(stack.rulesDir, 'policies', 'flood.yaml');
    writeFileSync(file, `${POLICIES}
maintenance:
  - id: nightly-pumps
    matchers: { sources: ["wl-pump-*"] }
    schedule: { cron: "0 1 * * *", duration: 2h }
    reason: nightly pump maintenance
`);
    await engine.reloadRules();
    await waitUntil(async () => (await client.listSilences(ioc.v1.ListSilencesRequest.create({}))).silences.some((x) => x.id === 'policy:nightly-pumps'), 10_000, () => 'the maintenance window in force');
    writeFileSync(file, `${POLICIES}\nmaintenance: [ { id: broken } ]\n`);
    await engine.reloadRules();
    expect((await client.listSilences(ioc.v1.ListSilencesRequest.create({}))).silences.some((x) => x.id === 'policy:nightly-pumps')).toBe(true);
  }, 60_000);
});
