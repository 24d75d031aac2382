// The ioc.v1.Query handlers over a runner written here that answers with
// fixed rows and records the SQL (our own QueryRunner interface, not a
// server; test/query.clickhouse.test.ts runs them on a real ClickHouse).
// Requests and responses go through protobuf encode/decode, as on the wire.

import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ioc } from '../../protos/gen/ioc.js';
import { QueryService, type MethodDefinition } from '../../protos/gen/services.ts';
import type { QueryRunner, QuerySettings } from '../query/index.ts';
import type { IncidentStatsQuery, Sql } from '../store/index.ts';
import type { CallContext } from './handlers.ts';
import { queryHandlers, type QueryHandlerDeps } from './query.ts';
import { toGrpcStatus } from './status.ts';

const T0 = Date.UTC(2026, 5, 1);
const ctx: CallContext = { signal: new AbortController().signal, metadata: {}, peer: 'test' };

/** Answers each query with the rows `answer` gives for its text; records every text. */
class ScriptedRunner implements QueryRunner {
  readonly sent: string[] = [];
  constructor(private readonly answer: (text: string) => unknown[] = () => []) {}
  async queryRows<T>(query: Sql, _settings?: QuerySettings): Promise<T[]> {
    this.sent.push(query.text);
    return this.answer(query.text) as T[];
  }
}

function setup(deps: Partial<QueryHandlerDeps> = {}, runner: QueryRunner | null = new ScriptedRunner()) {
  const statsAsked: IncidentStatsQuery[] = [];
  const table = queryHandlers({
    ...(runner ? { runner } : {}),
    openIncidents: () => 3,
    incidentStats: async (q) => {
      statsAsked.push(q);
      return [{ type: 'flood', zone: 'hoan-kiem', incidents: 2, acknowledged: 1, resolved: 0, mttaMs: 90_000.4, mttrMs: null }];
    },
    ...deps,
  });
  async function call<Req, Res>(method: MethodDefinition<Req, Res, false, false>, req: Req): Promise<Res> {
    const h = table.get(method.path);
    if (h?.kind !== 'unary') throw new Error(`${method.path} is not a unary handler`);
    const wireReq = method.requestDeserialize(method.requestSerialize(req));
    return method.responseDeserialize(method.responseSerialize((await h.handle(wireReq, ctx)) as Res));
  }
  const fails = async <Req, Res>(method: MethodDefinition<Req, Res, false, false>, req: Req) => {
    try {
      await call(method, req);
    } catch (err) {
      return toGrpcStatus(err);
    }
    throw new Error('the call succeeded');
  };
  return { call, fails, statsAsked };
}

describe('ioc.v1.Query handlers', () => {
  it('serve every method of the service', () => {
    const table = queryHandlers({ openIncidents: () => 0, incidentStats: async () => [] });
    expect([...table.keys()].sort()).toEqual(Object.values(QueryService).map((m) => m.path).sort());
  });

  it('answer a series with the resolution read, leaving value figures unset (not 0) when a bucket had none', async () => {
    const runner = new ScriptedRunner(() => [
      { t: String(T0), cnt: '2', cnt_v: '0', total: 0, lo: 0, hi: 0, qs: [null, null, null, null] },
      { t: String(T0 + 300_000), cnt: '1', cnt_v: '1', total: 0, lo: 0, hi: 0, qs: [0, 0, 0, 0] },
    ]);
    const { call } = setup({}, runner);
    const r = await call(QueryService.series, ioc.v1.SeriesRequest.create({ zone: 'hoan-kiem', from: T0, to: T0 + 86_400_000 }));
    expect(r.resolution).toBe(ioc.v1.Resolution.RESOLUTION_MINUTE);
    expect(r.stepMs).toBe(300_000);
    expect(r.points[0]!.values!.count).toBe(2);
    expect(Object.keys(r.points[0]!.values!)).not.toContain('avg');
    // A real reading of 0 stays 0.
    expect(r.points[1]!.values!.avg).toBe(0);
    expect(runner.sent[0]).toContain("zone = 'hoan-kiem'");
  });

  it('refuse a series of both a source and a zone, or of nothing, and unknown enums', async () => {
    const { fails } = setup();
    const range = { from: T0, to: T0 + 3600_000 };
    expect(await fails(QueryService.series, ioc.v1.SeriesRequest.create({ source: 'w1', zone: 'hk', ...range }))).toMatchObject({
      code: GrpcStatus.INVALID_ARGUMENT,
      message: expect.stringMatching(/source or zone, not both/),
    });
    expect((await fails(QueryService.series, ioc.v1.SeriesRequest.create(range))).message).toMatch(/name what to chart/);
    expect((await fails(QueryService.series, ioc.v1.SeriesRequest.create({ type: 'rain', ...range, resolution: 9 as ioc.v1.Resolution }))).message).toMatch(/resolution 9 is unknown/);
    expect((await fails(QueryService.top, ioc.v1.TopRequest.create({ by: ioc.v1.TopBy.TOP_BY_ZONE, type: 'rain', ...range }))).message).toMatch(/metric 0 is not one of/);
    expect((await fails(QueryService.top, ioc.v1.TopRequest.create({ metric: ioc.v1.TopMetric.TOP_METRIC_MAX, type: 'rain', ...range }))).message).toMatch(/by 0 is not one of/);
  });

  it('refuse forcing raw resolution over more than two days', async () => {
    const { fails } = setup();
    const s = await fails(QueryService.series, ioc.v1.SeriesRequest.create({ type: 'rain', from: T0, to: T0 + 3 * 86_400_000, resolution: ioc.v1.Resolution.RESOLUTION_RAW }));
    expect(s).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, message: expect.stringMatching(/raw resolution is refused/) });
  });

  it('answer zone KPIs with open incidents and the latest value', async () => {
    const runner = new ScriptedRunner((text) =>
      text.includes('LIMIT 1 BY zone')
        ? [{ zone: 'hk', ts: String(T0 / 1000), cnt_v: '2', total: 5 }]
        : [{ zone: 'hk', cnt_h: '2', cnt_v_h: '2', total_h: 5, lo_h: 2, hi_h: 3, qs_h: [2.5, 2.9, 2.95, 2.99], cnt_d: '2', cnt_v_d: '2', total_d: 5, lo_d: 2, hi_d: 3, qs_d: [2.5, 2.9, 2.95, 2.99] }],
    );
    const { call } = setup({ now: () => T0 + 30_000 }, runner);
    const r = await call(QueryService.zoneKpis, ioc.v1.ZoneKpisRequest.create({ type: 'water_level' }));
    expect(r.at).toBe(T0 + 30_000);
    expect(r.kpis).toHaveLength(1);
    expect(r.kpis[0]).toMatchObject({ zone: 'hk', latest: { at: T0, avg: 2.5, valueCount: 2 }, openIncidents: 3, hour: { count: 2, avg: 2.5, max: 3 } });
  });

  it('answer Mtta from the incident history, checking the range first', async () => {
    const { call, fails, statsAsked } = setup();
    const r = await call(QueryService.mtta, ioc.v1.MttaRequest.create({ from: T0, to: T0 + 1000, zones: ['hoan-kiem'] }));
    expect(statsAsked).toEqual([{ from: T0, to: T0 + 1000, zones: ['hoan-kiem'] }]);
    expect(r.stats[0]).toMatchObject({ type: 'flood', incidents: 2, mttaMs: 90_000 });
    expect(Object.keys(r.stats[0]!)).not.toContain('mttrMs');
    expect((await fails(QueryService.mtta, ioc.v1.MttaRequest.create({ from: T0, to: T0 }))).code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  it('answer FAILED_PRECONDITION without ClickHouse, except Mtta (the history may be in memory)', async () => {
    const { call, fails } = setup({}, null);
    expect(await fails(QueryService.series, ioc.v1.SeriesRequest.create({ type: 'rain', from: T0, to: T0 + 1 }))).toMatchObject({
      code: GrpcStatus.FAILED_PRECONDITION,
      message: expect.stringMatching(/queries need ClickHouse/),
    });
    expect((await fails(QueryService.alertCounts, ioc.v1.AlertCountsRequest.create({ from: T0, to: T0 + 1 }))).code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect((await call(QueryService.mtta, ioc.v1.MttaRequest.create({ from: T0, to: T0 + 1 }))).stats).toHaveLength(1);
  });

  it('answer alert counts in the asked time zone and refuse unknown ones', async () => {
    const runner = new ScriptedRunner((text) => (text.includes('`alerts`') ? [{ d: '2026-06-01', rule: 'flood.level', zone: 'hk', cnt: '4' }] : []));
    const { call, fails } = setup({}, runner);
    const r = await call(QueryService.alertCounts, ioc.v1.AlertCountsRequest.create({ from: T0, to: T0 + 86_400_000, timeZone: 'Asia/Ho_Chi_Minh' }));
    expect(r.timeZone).toBe('Asia/Ho_Chi_Minh');
    expect(r.alerts.map((a) => ({ ...a }))).toEqual([{ day: '2026-06-01', rule: 'flood.level', zone: 'hk', count: 4 }]);
    expect(runner.sent[0]).toContain("'Asia/Ho_Chi_Minh'");
    expect((await fails(QueryService.alertCounts, ioc.v1.AlertCountsRequest.create({ from: T0, to: T0 + 1, timeZone: 'Hanoi' }))).message).toMatch(/not an IANA time zone/);
  });
});
