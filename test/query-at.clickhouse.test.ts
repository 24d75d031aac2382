// The time cursor's queries (SensorsAt, IncidentsAt) on a private, real
// clickhouse-server: a small known history goes in through the store, and the
// city at each instant must be exactly what was known then (by event time for
// sensors and alerts, by history rows for incidents), never a later row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioc } from '../protos/gen/ioc.js';
import { QueryService as QueryGrpc } from '../protos/gen/services.ts';
import type { Alert } from '../engine/alerts/index.ts';
import { queryHandlers } from '../engine/api/query.ts';
import type { CallContext } from '../engine/api/handlers.ts';
import { InvalidArgumentError } from '../engine/errors/index.ts';
import type { IncidentEventRow } from '../engine/incidents/model.ts';
import { QueryService } from '../engine/query/index.ts';
import { ClickHouseStore, type StoredEvent } from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';

const DB = 'ioc_query_at';
const T0 = Date.UTC(2026, 5, 1);
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

let ch: ClickHouseServer;
let store: ClickHouseStore;
let queries: QueryService;

function event(id: string, source: string, zone: string, at: number, value?: number, pos?: [number, number]): StoredEvent {
  return {
    id, type: 'water_level', source, zone, time: T0 + at, unit: 'cm', attrs: {}, seq: 0, ingestedAt: T0 + at,
    ...(value === undefined ? {} : { value }), ...(pos ? { lat: pos[0], lon: pos[1] } : {}),
  };
}

const EVENTS: StoredEvent[] = [
  event('w1-1', 'w1', 'hoan-kiem', 10 * MIN, 1, [21.03, 105.85]),
  event('w1-2', 'w1', 'hoan-kiem', 40 * MIN, 3, [21.03, 105.85]),
  event('w1-3', 'w1', 'hoan-kiem', 70 * MIN, 7, [21.03, 105.85]),
  event('w2-1', 'w2', 'hoan-kiem', 20 * MIN, 5, [21.02, 105.86]),
  // w2's latest event before 1 h has no value: it reads as "no value", not as 5.
  event('w2-2', 'w2', 'hoan-kiem', 50 * MIN, undefined, [21.02, 105.86]),
  event('w3-1', 'w3', 'ba-dinh', 5 * MIN, 10, [21.04, 105.83]),
  event('w3-2', 'w3', 'ba-dinh', 3 * HOUR, 20, [21.04, 105.83]),
];

function alert(fingerprint: string, source: string, zone: string, severity: Alert['severity'], state: Alert['state'], startsAt: number, endsAt = 0): Alert {
  return {
    fingerprint, rule: 'flood.level', key: source, state, severity,
    title: { vi: 'Ngập', en: 'Flood' }, message: { vi: 'Mực nước cao', en: 'High water' },
    zone, source, value: 42, eventId: `${fingerprint}-e`, eventType: 'water_level',
    startsAt: T0 + startsAt, endsAt: endsAt && T0 + endsAt, eventTime: T0 + (endsAt || startsAt), emittedAt: T0 + (endsAt || startsAt),
  };
}

const ALERTS: Alert[] = [
  alert('A', 'w1', 'hoan-kiem', 'critical', 'firing', 30 * MIN),
  alert('A', 'w1', 'hoan-kiem', 'critical', 'resolved', 30 * MIN, 90 * MIN),
  alert('B', 'w3', 'ba-dinh', 'major', 'firing', 20 * MIN),
];

function row(incidentId: string, seq: number, kind: IncidentEventRow['kind'], at: number, state: IncidentEventRow['state'], extra: Partial<IncidentEventRow> = {}): IncidentEventRow {
  return {
    incidentId, seq, at: T0 + at, actor: 'system', kind, detail: '', data: '{}', type: 'flood', severity: 'major', state,
    zones: ['hoan-kiem'], openedAt: T0 + 30 * MIN, ...extra,
  };
}

const INCIDENT_ROWS: IncidentEventRow[] = [
  row('inc-1', 1, 'opened', 30 * MIN, 'open', { severity: 'critical' }),
  row('inc-1', 2, 'acknowledged', 40 * MIN, 'acknowledged', { severity: 'critical', actor: 'lan' }),
  row('inc-1', 3, 'resolved', 100 * MIN, 'resolved', { severity: 'critical', actor: 'lan' }),
  row('inc-2', 1, 'opened', 50 * MIN, 'open', { type: 'heat', zones: ['ba-dinh'], openedAt: T0 + 50 * MIN }),
  row('inc-2', 2, 'assigned', 55 * MIN, 'open', { type: 'heat', zones: ['ba-dinh'], openedAt: T0 + 50 * MIN, data: '{"assignee":"drainage"}' }),
];

const ctx: CallContext = { signal: new AbortController().signal, metadata: {}, peer: 'test' };

beforeAll(async () => {
  ch = await startClickHouse();
  store = new ClickHouseStore({ url: ch.url, database: DB, now: () => T0 });
  await store.migrate();
  await store.insertEvents(EVENTS);
  // Redelivered copies (same ids) and a replayed history row must change nothing.
  await store.insertEvents(EVENTS.slice(0, 2));
  await store.insertAlerts(ALERTS);
  await store.insertIncidentEvents(INCIDENT_ROWS);
  await store.insertIncidentEvents(INCIDENT_ROWS.slice(1, 2));
  queries = new QueryService({ runner: store, database: DB, now: () => T0 + 4 * HOUR });
});

afterAll(async () => {
  await store?.close();
  await ch?.destroy();
});

describe('SensorsAt', () => {
  it("gives each source's latest event at or before the instant, colored by the alerts firing then", async () => {
    const r = await queries.sensorsAt({ at: T0 + HOUR });
    expect(r).toMatchObject({ at: T0 + HOUR, from: T0 });
    expect(r.sensors).toEqual([
      { source: 'w1', type: 'water_level', zone: 'hoan-kiem', unit: 'cm', time: T0 + 40 * MIN, value: 3, lat: 21.03, lon: 105.85, severity: 'critical' },
      { source: 'w2', type: 'water_level', zone: 'hoan-kiem', unit: 'cm', time: T0 + 50 * MIN, lat: 21.02, lon: 105.86 },
      { source: 'w3', type: 'water_level', zone: 'ba-dinh', unit: 'cm', time: T0 + 5 * MIN, value: 10, lat: 21.04, lon: 105.83, severity: 'major' },
    ]);
    expect(r.alerts.map((a) => [a.fingerprint, a.severity, a.source, a.startsAt - T0, a.title.en])).toEqual([
      ['A', 'critical', 'w1', 30 * MIN, 'Flood'],
      ['B', 'major', 'w3', 20 * MIN, 'Flood'],
    ]);
  });

  it('drops an alert once resolved by then, and sources silent for longer than the lookback', async () => {
    const r = await queries.sensorsAt({ at: T0 + 2 * HOUR, lookbackMs: HOUR });
    expect(r.sensors.map((s) => [s.source, s.value, s.severity])).toEqual([['w1', 7, undefined]]);
    expect(r.alerts.map((a) => a.fingerprint)).toEqual(['B']);
  });

  it('filters by zone, defaults to now, and refuses a lookback over 24 h', async () => {
    const r = await queries.sensorsAt({ zones: ['ba-dinh'], lookbackMs: 2 * HOUR });
    expect(r.at).toBe(T0 + 4 * HOUR);
    expect(r.sensors.map((s) => [s.source, s.value])).toEqual([['w3', 20]]);
    expect(r.alerts.map((a) => a.fingerprint)).toEqual(['B']);
    await expect(queries.sensorsAt({ at: T0 + HOUR, lookbackMs: 25 * HOUR })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('IncidentsAt', () => {
  it('gives each incident its state after its latest row at or before the instant, leaving out the resolved', async () => {
    const early = await queries.incidentsAt({ at: T0 + 45 * MIN });
    expect(early.incidents).toEqual([
      { id: 'inc-1', type: 'flood', state: 'acknowledged', severity: 'critical', zones: ['hoan-kiem'], openedAt: T0 + 30 * MIN,
        changedAt: T0 + 40 * MIN, acknowledgedAt: T0 + 40 * MIN, acknowledgedBy: 'lan', assignee: '' },
    ]);
    const later = await queries.incidentsAt({ at: T0 + HOUR });
    expect(later.incidents.map((i) => [i.id, i.state, i.assignee])).toEqual([
      ['inc-1', 'acknowledged', ''],
      ['inc-2', 'open', 'drainage'],
    ]);
    const after = await queries.incidentsAt({ at: T0 + 2 * HOUR });
    expect(after.incidents.map((i) => i.id)).toEqual(['inc-2']);
    expect((await queries.incidentsAt({ at: T0 + 20 * MIN })).incidents).toEqual([]);
  });

  it('filters by zone and type', async () => {
    expect((await queries.incidentsAt({ at: T0 + HOUR, zones: ['ba-dinh'] })).incidents.map((i) => i.id)).toEqual(['inc-2']);
    expect((await queries.incidentsAt({ at: T0 + HOUR, types: ['flood'] })).incidents.map((i) => i.id)).toEqual(['inc-1']);
  });
});

describe('over gRPC handlers', () => {
  it('answers SensorsAt and IncidentsAt in protobuf shapes', async () => {
    const h = new Map(queryHandlers({ runner: store, database: DB, openIncidents: () => 0, incidentStats: (q) => store.incidentStats(q) }));
    const unary = (path: string) => {
      const m = h.get(path)!;
      if (m.kind !== 'unary') throw new Error(`${path} is not unary`);
      return (req: unknown) => m.handle(req, ctx);
    };
    const sensors = (await unary(QueryGrpc.sensorsAt.path)({ at: T0 + HOUR })) as ioc.v1.SensorsAtResponse;
    expect(sensors.sensors.map((s) => [s.source, s.severity])).toEqual([
      ['w1', ioc.v1.Severity.CRITICAL],
      ['w2', ioc.v1.Severity.SEVERITY_UNSPECIFIED],
      ['w3', ioc.v1.Severity.MAJOR],
    ]);
    expect(sensors.alerts.map((a) => [a.fingerprint, a.state])).toEqual([
      ['A', ioc.v1.AlertState.FIRING],
      ['B', ioc.v1.AlertState.FIRING],
    ]);
    const incidents = (await unary(QueryGrpc.incidentsAt.path)({ at: T0 + HOUR })) as ioc.v1.IncidentsAtResponse;
    expect(incidents.incidents.map((i) => [i.id, i.state, Number(i.acknowledgedAt) - T0])).toEqual([
      ['inc-1', ioc.v1.IncidentState.INCIDENT_STATE_ACKNOWLEDGED, 40 * MIN],
      ['inc-2', ioc.v1.IncidentState.INCIDENT_STATE_OPEN, -T0],
    ]);
    expect(Number(incidents.changedAt['inc-2']) - T0).toBe(55 * MIN);
  });
});
