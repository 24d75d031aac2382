// Issue 4 acceptance on real NATS and ClickHouse with the engine as a child
// process: open incidents, an acknowledgement and a silence survive SIGKILL;
// a webhook receiver that was down while notifications were decided receives
// every one of them once it is back, and none twice, across two kills.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { createChannel, createClient, Metadata } from 'nice-grpc-web';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ioc } from '../protos/gen/ioc.js';
import { IncidentsService } from '../protos/gen/services.ts';
import { freePort } from './harness/ports.ts';
import { spawnEngine, startStack, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let hookPort: number;

/** A webhook receiver we can take down and bring back on the same port. */
class Receiver {
  readonly got: { id: string; reason: string; incidentId: string }[] = [];
  private server: Server | undefined;
  async up(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const p = JSON.parse(body) as { id: string; reason: string; incidentId: string };
        this.got.push({ id: String(req.headers['idempotency-key']), reason: p.reason, incidentId: p.incidentId });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(hookPort, '127.0.0.1', r));
  }
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

const receiver = new Receiver();

beforeAll(async () => {
  hookPort = await freePort();
  stack = await startStack({ database: 'ioc_incidents_crash' });
  mkdirSync(join(stack.rulesDir, 'policies'));
  writeFileSync(join(stack.rulesDir, 'policies', 'flood.yaml'), `
policies:
  - id: flood
    type: flood
    match: { rules: ["flood.*"] }
    groupBy: [zone]
    groupWait: 1s
    groupInterval: 1s
    notify: [city-webhook]
    escalation:
      - { after: 4s, notify: [city-webhook] }
receivers:
  - name: city-webhook
    webhook: { url: "http://127.0.0.1:${hookPort}/hook", timeoutMs: 2000 }
`);
}, 120_000);

afterAll(async () => {
  await receiver.down();
  await stack?.destroy();
});

/** Generated response types leave every field optional; these read them with their proto3 defaults. */
const timelineOf = (i: ioc.v1.IIncident | null | undefined) => i?.timeline ?? [];
const kindName = (k: ioc.v1.TimelineKind | null | undefined) => ioc.v1.TimelineKind[k ?? 0];
const zonesOf = (i: ioc.v1.IIncident | null | undefined) => i?.zones ?? [];

const as = (user: string) => ({ metadata: Metadata({ 'x-ioc-user': user }) });

it('keeps incidents, acknowledgements and silences across SIGKILL and notifies each decision exactly once', async () => {
  // Fast retries so the receiver coming back is noticed quickly.
  const env = { IOC_LOG_LEVEL: 'info' };
  let engine = await spawnEngine(stack, env);
  let client = createClient(IncidentsService, createChannel(`http://127.0.0.1:${stack.env.IOC_HTTP_PORT}`));
  const publish = (id: string, zone: string) =>
    stack.nc.jetstream().publish('ioc.events.water.level', JSON.stringify({ id, type: 'water.level', source: `wl-${zone}`, time: Date.now(), value: 2.5, unit: 'm', zone }));
  await publish('crash-1', 'hoang-mai');
  await publish('crash-2', 'cau-giay');
  const incidents = await waitUntil(async () => {
    const r = await client.list(ioc.v1.ListIncidentsRequest.create({ types: ['flood'] }));
    return r.incidents.length === 2 ? r.incidents : undefined;
  }, 30_000, () => `two flood incidents\n${engine.logs()}`);
  const hm = incidents.find((i) => zonesOf(i).includes('hoang-mai'))!;
  const cg = incidents.find((i) => zonesOf(i).includes('cau-giay'))!;
  await client.acknowledge(ioc.v1.AcknowledgeRequest.create({ incidentId: cg.id }), as('lan'));
  await client.comment(ioc.v1.CommentRequest.create({ incidentId: hm.id, text: 'đang kiểm tra' }), as('minh'));
  const silence = await client.createSilence(ioc.v1.CreateSilenceRequest.create({ matchers: { zones: ['long-bien'] }, startsAt: Date.now(), endsAt: Date.now() + 3_600_000, reason: 'bridge works' }), as('lan'));
  // The opened notifications are decided (after groupWait) while the receiver is down.
  await waitUntil(async () => Number((await client.get(ioc.v1.GetIncidentRequest.create({ id: hm.id }))).incident?.notifiedAt ?? 0) > 0 && Number((await client.get(ioc.v1.GetIncidentRequest.create({ id: cg.id }))).incident?.notifiedAt ?? 0) > 0, 20_000, () => 'opened notifications decided');

  engine.kill('SIGKILL');
  await new Promise((r) => engine.once('exit', r));
  engine = await spawnEngine(stack, env);
  client = createClient(IncidentsService, createChannel(`http://127.0.0.1:${stack.env.IOC_HTTP_PORT}`));

  // Everything is still there.
  const after = await client.list(ioc.v1.ListIncidentsRequest.create({ types: ['flood'] }));
  expect(after.incidents.map((i) => i.id).sort()).toEqual([hm.id, cg.id].sort());
  const cgAfter = (await client.get(ioc.v1.GetIncidentRequest.create({ id: cg.id }))).incident!;
  expect(cgAfter.state).toBe(ioc.v1.IncidentState.INCIDENT_STATE_ACKNOWLEDGED);
  expect(cgAfter.acknowledgedBy).toBe('lan');
  const hmAfter = (await client.get(ioc.v1.GetIncidentRequest.create({ id: hm.id }))).incident!;
  expect(timelineOf(hmAfter).find((e) => e.kind === ioc.v1.TimelineKind.TIMELINE_KIND_COMMENTED)?.detail).toBe('đang kiểm tra');
  expect((await client.listSilences(ioc.v1.ListSilencesRequest.create({}))).silences.map((s) => s.id)).toContain(silence.id);

  // The unacknowledged incident escalates (4 s) — decided by the restarted engine, receiver still down.
  await waitUntil(async () => (await client.get(ioc.v1.GetIncidentRequest.create({ id: hm.id }))).incident!.escalationLevel === 1, 20_000, () => 'escalation');
  expect((await client.get(ioc.v1.GetIncidentRequest.create({ id: cg.id }))).incident!.escalationLevel).toBe(0);

  // Receiver back: every decided notification arrives, once.
  await receiver.up();
  const expected = [`${hm.id}:opened`, `${cg.id}:opened`, `${hm.id}:escalated`];
  await waitUntil(() => expected.every((k) => receiver.got.some((g) => `${g.incidentId}:${g.reason}` === k)), 60_000, () => `deliveries; got ${JSON.stringify(receiver.got)}\n${engine.logs()}`);

  // Kill again after delivery: nothing is sent a second time by the next engine.
  engine.kill('SIGKILL');
  await new Promise((r) => engine.once('exit', r));
  engine = await spawnEngine(stack, env);
  client = createClient(IncidentsService, createChannel(`http://127.0.0.1:${stack.env.IOC_HTTP_PORT}`));
  await client.comment(ioc.v1.CommentRequest.create({ incidentId: hm.id, text: 'after the second restart' }), as('minh'));
  // A fresh decision after the restart is delivered, and the old ones are not repeated.
  await client.resolve(ioc.v1.ResolveRequest.create({ incidentId: cg.id, note: 'drained' }), as('lan'));
  await waitUntil(() => receiver.got.some((g) => g.incidentId === cg.id && g.reason === 'resolved'), 30_000, () => 'the resolved notification');
  const ids = receiver.got.map((g) => g.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(receiver.got.map((g) => `${g.incidentId}:${g.reason}`).sort()).toEqual([...expected, `${cg.id}:resolved`].sort());

  engine.kill('SIGTERM');
  await new Promise((r) => engine.once('exit', r));
}, 240_000);
