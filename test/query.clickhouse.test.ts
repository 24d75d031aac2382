// The query API on a private, real clickhouse-server (Debian's 18.16 in CI):
// a known handful of events, alerts and incident rows go in through the store
// (its migrations create the rollups), and each method must return exactly
// the figures worked out by hand below, say which resolution it read, and fail
// with RESOURCE_EXHAUSTED past the row and time limits.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioc } from '../protos/gen/ioc.js';
import { QueryService as QueryGrpc } from '../protos/gen/services.ts';
import type { Alert } from '../engine/alerts/index.ts';
import { queryHandlers } from '../engine/api/query.ts';
import { toGrpcStatus } from '../engine/api/status.ts';
import type { CallContext, MethodHandler } from '../engine/api/handlers.ts';
import { InvalidArgumentError, ResourceExhaustedError } from '../engine/errors/index.ts';
import type { IncidentEventRow } from '../engine/incidents/model.ts';
import { QueryService, runLimited, type QueryRunner } from '../engine/query/index.ts';
import { ClickHouseStore, sql, type StoredEvent } from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';

const DB = 'ioc_query';
const T0 = Date.UTC(2026, 5, 1);
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let ch: ClickHouseServer;
let store: ClickHouseStore;
let queries: QueryService;

function event(id: string, type: string, zone: string, source: string, at: number, value?: number): StoredEvent {
  return { id, type, source, zone, time: T0 + at, ...(value === undefined ? {} : { value }), attrs: {}, seq: 0, ingestedAt: T0 };
}

/**
 * Water levels in two zones and one rain reading. Minute 0 of hoan-kiem holds
 * 1, 3, 5 and an event without a value; the rest are one per bucket.
 */
const EVENTS: StoredEvent[] = [
  event('w1-1', 'water_level', 'hoan-kiem', 'w1', 10 * S, 1),
  event('w1-2', 'water_level', 'hoan-kiem', 'w1', 20 * S, 3),
  event('w2-1', 'water_level', 'hoan-kiem', 'w2', 30 * S, 5),
  event('w2-2', 'water_level', 'hoan-kiem', 'w2', 40 * S),
  event('w1-3', 'water_level', 'hoan-kiem', 'w1', 70 * S, 2),
  event('w1-4', 'water_level', 'hoan-kiem', 'w1', 2 * HOUR + 5 * S, 4),
  event('w3-1', 'water_level', 'ba-dinh', 'w3', 15 * S, 10),
  event('w3-2', 'water_level', 'ba-dinh', 'w3', 3 * HOUR, 20),
  event('r1-1', 'rain', 'hoan-kiem', 'r1', 50 * S, 0.5),
];

function alert(fingerprint: string, rule: string, zone: string, state: Alert['state'], startsAt: number, emittedAt = startsAt): Alert {
  return {
    fingerprint,
    rule,
    key: fingerprint,
    state,
    severity: 'major',
    title: { vi: 't', en: 't' },
    message: { vi: 'm', en: 'm' },
    zone,
    source: 's',
    eventId: 'e',
    eventType: 'water_level',
    startsAt: T0 + startsAt,
    endsAt: 0,
    eventTime: T0 + startsAt,
    emittedAt: T0 + emittedAt,
  };
}

/** Day 1: flood.level fires twice in hoan-kiem (once replayed), heat.high once; day 2: flood.level in ba-dinh. 20:00 UTC is day 2 in Hanoi. */
const ALERTS: Alert[] = [
  alert('A', 'flood.level', 'hoan-kiem', 'firing', 1 * HOUR),
  alert('A', 'flood.level', 'hoan-kiem', 'firing', 1 * HOUR, 1 * HOUR + 5 * S),
  alert('A', 'flood.level', 'hoan-kiem', 'resolved', 1 * HOUR, 2 * HOUR),
  alert('A', 'flood.level', 'hoan-kiem', 'firing', 5 * HOUR),
  alert('C', 'heat.high', 'hoan-kiem', 'pending', 2 * HOUR),
  alert('C', 'heat.high', 'hoan-kiem', 'firing', 2 * HOUR),
  alert('D', 'heat.high', 'hoan-kiem', 'firing', 20 * HOUR),
  alert('B', 'flood.level', 'ba-dinh', 'firing', DAY + HOUR),
];

function timelineRow(incidentId: string, seq: number, kind: IncidentEventRow['kind'], at: number, type: string, zones: string[], openedAt: number): IncidentEventRow {
  return { incidentId, seq, at: T0 + at, actor: 'system', kind, detail: '', data: '{}', type, severity: 'major', state: 'open', zones, openedAt: T0 + openedAt };
}

const INCIDENT_ROWS: IncidentEventRow[] = [
  timelineRow('inc-1', 1, 'opened', HOUR, 'flood', ['hoan-kiem', 'ba-dinh'], HOUR),
  timelineRow('inc-1', 2, 'acknowledged', HOUR + 5 * MIN, 'flood', ['hoan-kiem', 'ba-dinh'], HOUR),
  timelineRow('inc-3', 1, 'opened', 2 * HOUR, 'heat', ['hoan-kiem'], 2 * HOUR),
  timelineRow('inc-2', 1, 'opened', DAY + 2 * HOUR, 'flood', [], DAY + 2 * HOUR),
];

const ctx: CallContext = { signal: new AbortController().signal, metadata: {}, peer: 'test' };

beforeAll(async () => {
  ch = await startClickHouse();
  store = new ClickHouseStore({ url: ch.url, database: DB, now: () => T0 });
  await store.migrate();
  await store.insertEvents(EVENTS);
  await store.insertAlerts(ALERTS);
  // The replayed opened row must not count inc-3 twice.
  await store.insertIncidentEvents(INCIDENT_ROWS);
  await store.insertIncidentEvents(INCIDENT_ROWS.slice(2, 3));
  queries = new QueryService({ runner: store, database: DB, openIncidents: (zone) => (zone === 'hoan-kiem' ? 2 : 0) });
});

afterAll(async () => {
  await store?.close();
  await ch?.destroy();
});

/** Aggregates of values (all present), as the service reports them. */
function agg(count: number, values: number[], quantiles: [number, number, number, number]) {
  const sum = values.reduce((a, b) => a + b, 0);
  const [p50, p90, p95, p99] = quantiles;
  return { count, valueCount: values.length, sum, avg: sum / values.length, min: Math.min(...values), max: Math.max(...values), p50, p90, p95, p99 };
}
const one = (count: number, v: number) => agg(count, [v], [v, v, v, v]);
/** ClickHouse's quantiles of [1, 3, 5] interpolate: p90 = 4.6, p95 = 4.8, p99 = 4.96 (up to rounding). */
const MINUTE0_HK = { count: 4, valueCount: 3, sum: 9, avg: 3, min: 1, max: 5, p50: 3 };

describe('Series', () => {
  const hk = { kind: 'zone', zone: 'hoan-kiem', type: 'water_level' } as const;

  it('reads raw events for two hours, in the requested step', async () => {
    const r = await queries.series({ target: hk, from: T0, to: T0 + 2 * HOUR, stepMs: MIN });
    expect(r).toMatchObject({ resolution: 'raw', stepMs: MIN, from: T0, to: T0 + 2 * HOUR });
    expect(r.points).toHaveLength(2);
    expect(r.points[0]).toMatchObject({ t: T0, ...MINUTE0_HK });
    expect(r.points[0]!.p90).toBeCloseTo(4.6, 9);
    expect(r.points[0]!.p99).toBeCloseTo(4.96, 9);
    expect(r.points[1]).toEqual({ t: T0 + MIN, ...one(1, 2) });
  });

  it('gives the same figures from the minute rollups when forced, and says so', async () => {
    const raw = await queries.series({ target: hk, from: T0, to: T0 + 2 * HOUR, stepMs: MIN });
    const minute = await queries.series({ target: hk, from: T0, to: T0 + 2 * HOUR, stepMs: MIN, resolution: 'minute' });
    expect(minute.resolution).toBe('minute');
    expect(minute.points).toEqual(raw.points);
  });

  it('reads minute rollups past two hours, hour rollups past three days, with an automatic step', async () => {
    const day = await queries.series({ target: { kind: 'type', type: 'water_level' }, from: T0, to: T0 + DAY });
    expect(day).toMatchObject({ resolution: 'minute', stepMs: 5 * MIN, from: T0, to: T0 + DAY });
    // The first five minutes: hoan-kiem's 1, 3, 5, (none), 2 and ba-dinh's 10.
    expect(day.points.map((p) => [p.t - T0, p.count, p.valueCount, p.sum, p.min, p.max])).toEqual([
      [0, 6, 5, 21, 1, 10],
      [2 * HOUR, 1, 1, 4, 4, 4],
      [3 * HOUR, 1, 1, 20, 20, 20],
    ]);
    const week = await queries.series({ target: { kind: 'type', type: 'water_level' }, from: T0, to: T0 + 7 * DAY });
    expect(week).toMatchObject({ resolution: 'hour', stepMs: HOUR });
    expect(week.points.map((p) => [p.t - T0, p.count, p.sum])).toEqual([
      [0, 6, 21],
      [2 * HOUR, 1, 4],
      [3 * HOUR, 1, 20],
    ]);
  });

  it('chooses minutes just past two hours and widens the range to whole minutes', async () => {
    const r = await queries.series({ target: hk, from: T0 + 30 * S, to: T0 + 2 * HOUR + 31 * S, stepMs: MIN });
    expect(r).toMatchObject({ resolution: 'minute', from: T0, to: T0 + 2 * HOUR + MIN });
    expect(r.points.map((p) => [p.t - T0, p.count])).toEqual([
      [0, 4],
      [MIN, 1],
      [2 * HOUR, 1],
    ]);
  });

  it('charts one source in 10 s buckets, a zone of every type, and leaves value figures empty for events without values', async () => {
    const w1 = await queries.series({ target: { kind: 'source', source: 'w1' }, from: T0, to: T0 + HOUR, stepMs: 10 * S });
    expect(w1.points.map((p) => [p.t - T0, p.count, p.avg])).toEqual([
      [10 * S, 1, 1],
      [20 * S, 1, 3],
      [70 * S, 1, 2],
    ]);
    const w1Hourly = await queries.series({ target: { kind: 'source', source: 'w1', type: 'water_level' }, from: T0, to: T0 + 4 * DAY });
    expect(w1Hourly.points.map((p) => [p.t - T0, p.count, p.sum])).toEqual([
      [0, 3, 6],
      [2 * HOUR, 1, 4],
    ]);
    const zone = await queries.series({ target: { kind: 'zone', zone: 'hoan-kiem' }, from: T0, to: T0 + HOUR, stepMs: MIN });
    expect(zone.points[0]).toMatchObject({ count: 5, valueCount: 4, sum: 9.5, min: 0.5 });
    const w2 = await queries.series({ target: { kind: 'source', source: 'w2' }, from: T0 + 40 * S, to: T0 + HOUR, stepMs: 10 * S });
    expect(w2.points).toEqual([{ t: T0 + 40 * S, count: 1, valueCount: 0, sum: null, avg: null, min: null, max: null, p50: null, p90: null, p95: null, p99: null }]);
    const w2Minute = await queries.series({ target: { kind: 'source', source: 'w2' }, from: T0, to: T0 + 3 * HOUR, stepMs: 20 * MIN });
    expect(w2Minute.points).toEqual([{ t: T0, ...agg(2, [5], [5, 5, 5, 5]) }]);
  });

  it('counts a redelivered event once at raw resolution (FINAL)', async () => {
    const db = 'ioc_query_redelivery';
    const twice = new ClickHouseStore({ url: ch.url, database: db });
    try {
      await twice.migrate();
      await twice.insertEvents(EVENTS.slice(0, 2));
      await twice.insertEvents(EVENTS.slice(0, 2));
      const r = await new QueryService({ runner: twice, database: db }).series({ target: { kind: 'source', source: 'w1' }, from: T0, to: T0 + HOUR, stepMs: HOUR });
      expect(r.points.map((p) => [p.count, p.sum])).toEqual([[2, 4]]);
    } finally {
      await twice.close();
    }
  });

  it('refuses raw over more than two days, and a step that makes more buckets than the row limit', async () => {
    await expect(queries.series({ target: hk, from: T0, to: T0 + 3 * DAY, resolution: 'raw' })).rejects.toThrow(InvalidArgumentError);
    await expect(queries.series({ target: hk, from: T0, to: T0 + 2 * DAY, resolution: 'raw', stepMs: HOUR })).resolves.toMatchObject({ resolution: 'raw' });
    const small = new QueryService({ runner: store, database: DB, limits: { maxRows: 1000 } });
    await expect(small.series({ target: hk, from: T0, to: T0 + 2 * HOUR, stepMs: S })).rejects.toThrow(/7200 buckets.*larger step/);
  });
});

describe('ZoneKpis', () => {
  // Windows as of 02:30:10: the hour is 01:31-02:31, the day everything before.
  const at = T0 + 2 * HOUR + 30 * MIN + 10 * S;

  it('gives every zone with events its latest minute, hour and day figures and open incidents', async () => {
    const r = await queries.zoneKpis({ type: 'water_level', at });
    expect(r.at).toBe(at);
    expect(r.kpis.map((k) => k.zone)).toEqual(['ba-dinh', 'hoan-kiem']);
    const [bd, hk] = r.kpis;
    const none = { count: 0, valueCount: 0, sum: null, avg: null, min: null, max: null, p50: null, p90: null, p95: null, p99: null };
    expect(bd).toEqual({ zone: 'ba-dinh', latest: { at: T0, avg: 10, valueCount: 1 }, hour: none, day: one(1, 10), openIncidents: 0 });
    expect(hk).toMatchObject({ zone: 'hoan-kiem', latest: { at: T0 + 2 * HOUR, avg: 4, valueCount: 1 }, hour: one(1, 4), openIncidents: 2 });
    expect(hk!.day).toMatchObject({ count: 6, valueCount: 5, sum: 15, avg: 3, min: 1, max: 5, p50: 3 });
  });

  it('returns listed zones without events, with zero counts and no latest value', async () => {
    const r = await queries.zoneKpis({ type: 'water_level', zones: ['tay-ho', 'ba-dinh'], at });
    expect(r.kpis.map((k) => [k.zone, k.day.count, k.latest?.avg])).toEqual([
      ['ba-dinh', 1, 10],
      ['tay-ho', 0, undefined],
    ]);
  });
});

describe('Top', () => {
  it('ranks zones by count and by max over a day (minute rollups)', async () => {
    const byCount = await queries.top({ by: 'zone', type: 'water_level', metric: 'count', from: T0, to: T0 + DAY });
    expect(byCount.resolution).toBe('minute');
    expect(byCount.entries).toEqual([
      { key: 'hoan-kiem', zone: 'hoan-kiem', value: 6, count: 6 },
      { key: 'ba-dinh', zone: 'ba-dinh', value: 2, count: 2 },
    ]);
    const byMax = await queries.top({ by: 'zone', type: 'water_level', metric: 'max', from: T0, to: T0 + DAY });
    expect(byMax.entries.map((e) => [e.key, e.value])).toEqual([
      ['ba-dinh', 20],
      ['hoan-kiem', 5],
    ]);
  });

  it('ranks sources by average and p95, raw for two hours and hour rollups for a week, N at most', async () => {
    const raw = await queries.top({ by: 'source', type: 'water_level', metric: 'avg', from: T0, to: T0 + 2 * HOUR });
    expect(raw.resolution).toBe('raw');
    expect(raw.entries).toEqual([
      { key: 'w3', zone: 'ba-dinh', value: 10, count: 1 },
      { key: 'w2', zone: 'hoan-kiem', value: 5, count: 2 },
      { key: 'w1', zone: 'hoan-kiem', value: 2, count: 3 },
    ]);
    const week = await queries.top({ by: 'source', type: 'water_level', metric: 'p95', from: T0, to: T0 + 7 * DAY, limit: 2 });
    expect(week.resolution).toBe('hour');
    // w3: 10 and 20 -> p95 19.5; w2: 5; w1: 1, 3, 2, 4 -> p95 3.85.
    expect(week.entries.map((e) => e.key)).toEqual(['w3', 'w2']);
    expect(week.entries[0]!.value).toBeCloseTo(19.5, 9);
  });
});

describe('AlertCounts', () => {
  it('counts firing alerts per rule and incidents opened per type, by zone and UTC day, each once', async () => {
    const r = await queries.alertCounts({ from: T0, to: T0 + 2 * DAY });
    expect(r.timeZone).toBe('UTC');
    expect(r.alerts).toEqual([
      { day: '2026-06-01', rule: 'flood.level', zone: 'hoan-kiem', count: 2 },
      { day: '2026-06-01', rule: 'heat.high', zone: 'hoan-kiem', count: 2 },
      { day: '2026-06-02', rule: 'flood.level', zone: 'ba-dinh', count: 1 },
    ]);
    expect(r.incidents).toEqual([
      { day: '2026-06-01', type: 'flood', zone: 'ba-dinh', count: 1 },
      { day: '2026-06-01', type: 'flood', zone: 'hoan-kiem', count: 1 },
      { day: '2026-06-01', type: 'heat', zone: 'hoan-kiem', count: 1 },
      { day: '2026-06-02', type: 'flood', zone: '', count: 1 },
    ]);
  });

  it('cuts days in the asked time zone and filters by rule, type and zone', async () => {
    const r = await queries.alertCounts({ from: T0, to: T0 + 2 * DAY, timeZone: 'Asia/Ho_Chi_Minh', rules: ['heat.high'], types: ['flood'], zones: ['hoan-kiem'] });
    expect(r.alerts).toEqual([
      { day: '2026-06-01', rule: 'heat.high', zone: 'hoan-kiem', count: 1 },
      { day: '2026-06-02', rule: 'heat.high', zone: 'hoan-kiem', count: 1 },
    ]);
    expect(r.incidents).toEqual([{ day: '2026-06-01', type: 'flood', zone: 'hoan-kiem', count: 1 }]);
  });
});

describe('over gRPC handlers', () => {
  const handlers = () =>
    new Map(queryHandlers({ runner: store, database: DB, openIncidents: () => 0, incidentStats: (q) => store.incidentStats(q) }));
  const call = async (h: Map<string, MethodHandler>, path: string, req: unknown) => {
    const m = h.get(path)!;
    if (m.kind !== 'unary') throw new Error(`${path} is not unary`);
    return m.handle(req, ctx);
  };

  it('answers Series with the resolution and Mtta from the incident history', async () => {
    const h = handlers();
    const series = (await call(h, QueryGrpc.series.path, { zone: 'hoan-kiem', type: 'water_level', from: T0, to: T0 + DAY, stepMs: HOUR })) as ioc.v1.SeriesResponse;
    expect(series.resolution).toBe(ioc.v1.Resolution.RESOLUTION_MINUTE);
    expect(series.points.map((p) => [Number(p.t) - T0, p.values?.count])).toEqual([
      [0, 5],
      [2 * HOUR, 1],
    ]);
    const mtta = (await call(h, QueryGrpc.mtta.path, { from: T0, to: T0 + DAY, types: ['flood'] })) as ioc.v1.MttaResponse;
    expect(mtta.stats.map((s) => [s.zone, s.incidents, s.acknowledged, s.mttaMs])).toEqual([
      ['ba-dinh', 1, 1, 5 * MIN],
      ['hoan-kiem', 1, 1, 5 * MIN],
    ]);
  });
});

describe('limits', () => {
  it('refuses an answer over the row limit with RESOURCE_EXHAUSTED saying what to narrow', async () => {
    const small = new QueryService({ runner: store, database: DB, limits: { maxRows: 2 } });
    const err = await small.alertCounts({ from: T0, to: T0 + 2 * DAY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect(toGrpcStatus(err)).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'the alert counts would return more than 2 rows (the query row limit): use a shorter range, or name some rules, types or zones',
    });
    await expect(small.alertCounts({ from: T0, to: T0 + 2 * DAY, rules: ['heat.high'], types: ['heat'] })).resolves.toMatchObject({ alerts: [{ count: 2 }] });
  });

  it("maps the server's own row limit (sent as URL settings, which 18.16 applies) to RESOURCE_EXHAUSTED", async () => {
    const client = createClient({ url: ch.url, log: { level: ClickHouseLogLevel.OFF } });
    const withSettings: QueryRunner = {
      async queryRows<T>(query: { text: string }, settings?: Record<string, string | number>): Promise<T[]> {
        const rs = await client.query({ query: query.text, format: 'JSONEachRow', clickhouse_settings: settings as Record<string, string> });
        return rs.json<T>();
      },
    };
    try {
      const err = await runLimited(withSettings, sql`SELECT number FROM numbers(10)`, { limits: { maxRows: 3, maxSeconds: 5 }, what: 'the test query', narrow: 'ask for less', take: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceExhaustedError);
      expect((err as Error).message).toMatch(/the test query would return more than 3 rows.*ask for less/);
      // The server refused it (the error carries its cause), rather than the LIMIT 4 answer being counted here.
      expect((err as Error).cause).toBeDefined();
    } finally {
      await client.close();
    }
  });

  it('stops a query past the time limit with RESOURCE_EXHAUSTED', async () => {
    // sleep(2) always outlasts a 1 s limit: no timing assumption about the machine.
    const err = await runLimited(store, sql`SELECT sleep(2) AS slept`, { limits: { maxRows: 10, maxSeconds: 1 }, what: 'the test query', narrow: 'ask for less' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect((err as Error).message).toMatch(/the test query ran past the query time limit \(1 s\): ask for less/);
  });
});
