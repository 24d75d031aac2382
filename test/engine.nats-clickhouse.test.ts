// The spine end to end on real servers: events in over NATS (JSON and
// protobuf) and native gRPC, rules, alerts out on NATS and Alerts/Subscribe,
// rows in ClickHouse, bad input to the dead-letter subjects, health endpoints.

import type * as grpc from '@grpc/grpc-js';
import { headers as natsHeaders, type Msg } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioc } from '../protos/gen/ioc.js';
import type { RunningEngine } from '../engine/app/index.ts';
import { grpcClients, queryRows, startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

let stack: Stack;
let engine: RunningEngine;
const natsAlerts: ioc.v1.IAlert[] = [];
const deadLetters: Msg[] = [];
const now = () => Date.now();

beforeAll(async () => {
  stack = await startStack();
  engine = await startTestEngine(stack);
  stack.nc.subscribe('ioc.alerts.>', { callback: (_e, m) => natsAlerts.push(m.json()) });
  stack.nc.subscribe('ioc.dlq.>', { callback: (_e, m) => deadLetters.push(m) });
  await stack.nc.flush();
});

afterAll(async () => {
  await engine?.stop();
  await stack?.destroy();
});

const js = () => stack.nc.jetstream();
const db = 'ioc_test';

async function storedIds(ids: string[]): Promise<Map<string, number>> {
  const list = ids.map((i) => `'${i}'`).join(',');
  const rows = await queryRows<{ id: string; n: string }>(stack.ch, `SELECT id, count() AS n FROM ${db}.events FINAL WHERE id IN (${list}) GROUP BY id`);
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

/** Streams Alerts/Subscribe into an array until the test ends. */
function subscribeAlerts(request: ioc.v1.ISubscribeRequest): { got: ioc.v1.Alert[]; call: grpc.ClientReadableStream<ioc.v1.Alert> } {
  const { alerts } = grpcClients(engine.grpcPort);
  const got: ioc.v1.Alert[] = [];
  const call = (alerts as unknown as { subscribe(r: ioc.v1.ISubscribeRequest): grpc.ClientReadableStream<ioc.v1.Alert> }).subscribe(ioc.v1.SubscribeRequest.create(request));
  call.on('data', (a: ioc.v1.Alert) => got.push(a));
  call.on('error', () => undefined);
  return { got, call };
}

describe('events published on NATS', () => {
  it('a matching JSON event yields an alert on ioc.alerts.>, on Alerts/Subscribe, and rows in ClickHouse', async () => {
    const sub = subscribeAlerts({ severities: [ioc.v1.Severity.CRITICAL], zones: ['hoang-mai'] });
    const other = subscribeAlerts({ rules: ['aq.*'] });
    await new Promise((r) => setTimeout(r, 200)); // let the server-stream subscription start
    const event = { id: 'wl-json-1', type: 'water.level', source: 'wl-kim-nguu-01', time: now(), value: 2.35, unit: 'm', lat: 20.981, lon: 105.863 };
    await js().publish('ioc.events.water.level', JSON.stringify(event), { msgID: 'wl-kim-nguu-01/wl-json-1' });

    const fromNats = await waitUntil(() => natsAlerts.find((a) => a.eventId === 'wl-json-1'), 20_000, () => 'alert on ioc.alerts.>');
    expect(fromNats).toMatchObject({
      rule: 'flood.water-level-critical', state: 'firing', severity: 'critical', key: 'wl-kim-nguu-01', zone: 'hoang-mai', value: 2.35,
      message: { vi: 'Mực nước 2,35 m tại wl-kim-nguu-01', en: 'Water level 2.35 m at wl-kim-nguu-01' },
    });
    const fromGrpc = await waitUntil(() => sub.got.find((a) => a.eventId === 'wl-json-1'), 20_000, () => 'alert on Alerts/Subscribe');
    expect(fromGrpc).toMatchObject({ rule: 'flood.water-level-critical', state: ioc.v1.AlertState.FIRING, severity: ioc.v1.Severity.CRITICAL, zone: 'hoang-mai' });
    expect(other.got).toEqual([]); // filtered out by rule glob

    const rows = await waitUntil(async () => {
      const r = await queryRows<{ id: string; zone: string; value: number; seq: string }>(stack.ch, `SELECT id, zone, value, seq FROM ${db}.events FINAL WHERE id = 'wl-json-1'`);
      return r.length > 0 ? r : undefined;
    }, 20_000, () => 'event row in ClickHouse');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'wl-json-1', zone: 'hoang-mai', value: 2.35 });
    // Alert rows are written right after the batch's event rows.
    const alertRows = await waitUntil(async () => {
      const r = await queryRows<{ rule: string; state: string }>(stack.ch, `SELECT rule, state FROM ${db}.alerts FINAL WHERE event_id = 'wl-json-1'`);
      return r.length > 0 ? r : undefined;
    }, 20_000, () => 'alert row in ClickHouse');
    expect(alertRows).toEqual([{ rule: 'flood.water-level-critical', state: 'firing' }]);

    // The same fingerprint does not fire twice while firing; a normal value resolves it.
    await js().publish('ioc.events.water.level', JSON.stringify({ ...event, id: 'wl-json-2', value: 2.6, time: now() }));
    await js().publish('ioc.events.water.level', JSON.stringify({ ...event, id: 'wl-json-3', value: 0.8, time: now() }));
    await waitUntil(() => natsAlerts.find((a) => a.eventId === 'wl-json-3'), 20_000, () => 'resolved alert');
    const forKey = natsAlerts.filter((a) => a.key === 'wl-kim-nguu-01').map((a) => a.state);
    expect(forKey).toEqual(['firing', 'resolved']);
    sub.call.cancel();
    other.call.cancel();
  });

  it('decodes protobuf events when Content-Type says application/protobuf', async () => {
    const h = natsHeaders();
    h.set('Content-Type', 'application/protobuf');
    const bytes = ioc.v1.Event.encode({ id: 'pm-pb-1', type: 'aq.pm25', source: 'aq-cau-giay-02', time: now(), value: 180.2, zone: 'cau-giay', attrs: { station: 'Trần Duy Hưng' } }).finish();
    await js().publish('ioc.events.aq.pm25', bytes, { headers: h });
    const alert = await waitUntil(() => natsAlerts.find((a) => a.eventId === 'pm-pb-1'), 20_000, () => 'alert from a protobuf event');
    expect(alert).toMatchObject({ rule: 'aq.pm25-very-unhealthy', zone: 'cau-giay', severity: 'major' });
    await waitUntil(async () => (await storedIds(['pm-pb-1'])).get('pm-pb-1') === 1, 20_000, () => 'protobuf event row');
  });
});

describe('events sent over native gRPC Ingest/Publish', () => {
  type PublishCall = grpc.ClientWritableStream<ioc.v1.IPublishRequest>;
  function publish(requests: ioc.v1.IPublishRequest[]): Promise<ioc.v1.PublishResponse> {
    const { ingest } = grpcClients(engine.grpcPort);
    return new Promise((resolve, reject) => {
      const call = (ingest as unknown as { publish(cb: (err: Error | null, res: ioc.v1.PublishResponse) => void): PublishCall }).publish((err, res) =>
        err ? reject(err) : resolve(res),
      );
      for (const r of requests) call.write(ioc.v1.PublishRequest.create(r));
      call.end();
    });
  }
  const base = { type: 'water.level', source: 'wl-to-lich-03', unit: 'm', zone: 'thanh-xuan' };

  it('accepts good events, rejects bad ones with index and reason, stores only the good ones', async () => {
    const requests: ioc.v1.IPublishRequest[] = [
      {
        batch: {
          events: [
            { ...base, id: 'g-1', time: now(), value: 1.1 },
            { ...base, id: 'g-bad-time', value: 1.0 },
            { ...base, id: 'g-2', time: now(), value: 2.5 },
            { ...base, id: 'g-bad-nan', time: now(), value: NaN },
            { ...base, id: '', time: now(), value: 1 },
          ],
        },
      },
      { event: { ...base, id: 'g-3', time: now(), value: 0.9 } },
      { event: { ...base, id: 'g-huge', time: now(), value: 1, attrs: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, 'x'.repeat(4000)])) } },
    ];
    const res = await publish(requests);
    expect(res.accepted).toBe(3);
    expect(res.rejected).toBe(4);
    expect(res.duplicates).toBe(0);
    expect(res.rejections.map((r) => [r.index, r.reason])).toEqual([
      [1, 'missing_field'],
      [3, 'invalid_value'],
      [4, 'missing_field'],
      [6, 'too_large'],
    ]);
    expect(res.rejections[1]!.detail).toMatch(/finite/);

    await waitUntil(async () => (await storedIds(['g-1', 'g-2', 'g-3'])).size === 3, 20_000, () => 'gRPC events in ClickHouse');
    expect(await storedIds(['g-bad-time', 'g-bad-nan', 'g-huge'])).toEqual(new Map());
    const alert = await waitUntil(() => natsAlerts.find((a) => a.eventId === 'g-2'), 20_000, () => 'alert from a gRPC event');
    expect(alert).toMatchObject({ rule: 'flood.water-level-critical', zone: 'thanh-xuan' });

    // A retried call is de-duplicated by (source, id): JetStream reports duplicates, ClickHouse keeps one row each.
    const again = await publish(requests);
    expect(again.accepted).toBe(3);
    expect(again.duplicates).toBe(3);
    await new Promise((r) => setTimeout(r, 500));
    const n = await queryRows<{ n: string }>(stack.ch, `SELECT count() AS n FROM ${db}.events WHERE id IN ('g-1','g-2','g-3')`);
    expect(Number(n[0]!.n)).toBe(3);
  });
});

describe('bad input on NATS', () => {
  const good = { type: 'weather.rain', source: 'rg-ba-dinh-01', unit: 'mm/h', value: 12 };
  const cases: { name: string; subject: string; data: Uint8Array; contentType?: string; reason: string; detail: RegExp }[] = [
    { name: 'malformed JSON', subject: 'ioc.events.weather.rain', data: Buffer.from('{"id": "x", "type": '), reason: 'malformed_json', detail: /not JSON/ },
    { name: 'malformed protobuf', subject: 'ioc.events.weather.rain', data: Buffer.from([0x0a, 0xff, 0xff, 0xff]), contentType: 'application/protobuf', reason: 'malformed_protobuf', detail: /not an ioc\.v1\.Event/ },
    { name: 'missing id', subject: 'ioc.events.weather.rain', data: Buffer.from(JSON.stringify({ ...good, time: Date.now() })), reason: 'missing_field', detail: /id is missing/ },
    { name: 'missing type', subject: 'ioc.events.weather.rain', data: Buffer.from(JSON.stringify({ id: 'b-1', source: 's', time: Date.now() })), reason: 'missing_field', detail: /type is missing/ },
    { name: 'missing time', subject: 'ioc.events.weather.rain', data: Buffer.from(JSON.stringify({ ...good, id: 'b-2' })), reason: 'missing_field', detail: /time is missing/ },
    { name: 'non-numeric value', subject: 'ioc.events.weather.rain', data: Buffer.from(JSON.stringify({ ...good, id: 'b-3', time: Date.now(), value: 'heavy' })), reason: 'invalid_value', detail: /must be a number/ },
    { name: 'non-finite value', subject: 'ioc.events.weather.rain', data: Buffer.from(`{"id":"b-4","type":"weather.rain","source":"s","time":${Date.now()},"value":1e999}`), reason: 'invalid_value', detail: /finite/ },
    { name: 'payload over 64 KiB', subject: 'ioc.events.weather.rain', data: Buffer.from(JSON.stringify({ ...good, id: 'b-5', time: Date.now(), attrs: { blob: 'x'.repeat(70_000) } })), reason: 'too_large', detail: /limit is 65536/ },
  ];

  it('sends each bad message to ioc.dlq.<reason> with its bytes and reason, and keeps processing good events', async () => {
    for (const c of cases) {
      const h = natsHeaders();
      if (c.contentType) h.set('Content-Type', c.contentType);
      await js().publish(c.subject, c.data, { headers: h });
    }
    const goodEvent = { ...good, id: 'after-bad-1', time: Date.now() };
    await js().publish('ioc.events.weather.rain', JSON.stringify(goodEvent));

    await waitUntil(() => deadLetters.length >= cases.length, 20_000, () => `${cases.length} dead letters (got ${deadLetters.length})`);
    for (const c of cases) {
      const m = deadLetters.find((d) => Buffer.from(d.data).equals(Buffer.from(c.data)));
      expect(m, c.name).toBeDefined();
      expect(m!.subject, c.name).toBe(`ioc.dlq.${c.reason}`);
      expect(m!.headers?.get('Ioc-Reason'), c.name).toBe(c.reason);
      expect(m!.headers?.get('Ioc-Detail'), c.name).toMatch(c.detail);
      expect(m!.headers?.get('Ioc-Subject'), c.name).toBe(c.subject);
    }
    await waitUntil(async () => (await storedIds(['after-bad-1'])).get('after-bad-1') === 1, 20_000, () => 'good event after bad ones');

    // The dead letters are kept in the IOC_DLQ stream and counted by reason.
    const dlq = await (await stack.nc.jetstreamManager()).streams.info('IOC_DLQ');
    expect(dlq.state.messages).toBeGreaterThanOrEqual(cases.length);
    // Counted when their batch commits, just after the dead letters are durable.
    const metrics = () => fetch(`http://127.0.0.1:${engine.httpPort}/metrics`).then((r) => r.text());
    await waitUntil(async () => /ioc_events_rejected_total\{reason="missing_field",via="nats"\} 3/.test(await metrics()), 10_000, () => 'rejections counted');
    expect(await metrics()).toMatch(/ioc_events_rejected_total\{reason="malformed_json",via="nats"\} 1/);
  });
});

describe('HTTP health and metrics', () => {
  it('answers /healthz, /readyz with every check, and /metrics', async () => {
    const base = `http://127.0.0.1:${engine.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { nats: { ok: true }, clickhouse: { ok: true }, rules: { ok: true } } });
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['ioc_events_in_total', 'ioc_events_rejected_total', 'ioc_alerts_total', 'ioc_store_batch_seconds', 'ioc_consumer_lag']) {
      expect(text).toContain(name);
    }
  });
});
