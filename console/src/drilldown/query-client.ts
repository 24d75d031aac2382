// The drill-down's side of `ioc.v1.Query/Series` and `ZoneKpis` over gRPC-web,
// decoded into plain shapes. Read-only calls; the server picks the resolution.

import { ioc } from '../../../protos/gen/ioc.js';
import { QueryService } from '../../../protos/gen/services.ts';
import { engineClient } from '../api/index.ts';
import type { ChartPoint, DrillTarget } from './drill-model.ts';

export type Resolution = 'raw' | 'minute' | 'hour';

export interface DrillSeries {
  resolution: Resolution;
  stepMs: number;
  from: number;
  to: number;
  /** Buckets with values only. */
  points: ChartPoint[];
}

export interface DrillKpis {
  latest?: number;
  hourAvg?: number;
  dayMax?: number;
  openIncidents: number;
}

export interface DrillQueries {
  series(target: DrillTarget, from: number, to: number, signal: AbortSignal): Promise<DrillSeries>;
  kpis(target: DrillTarget, at: number, signal: AbortSignal): Promise<DrillKpis>;
}

const RESOLUTIONS: Record<number, Resolution> = {
  [ioc.v1.Resolution.RESOLUTION_RAW]: 'raw',
  [ioc.v1.Resolution.RESOLUTION_MINUTE]: 'minute',
  [ioc.v1.Resolution.RESOLUTION_HOUR]: 'hour',
};

/**
 * Series and KPIs from the engine at `baseUrl` (same origin by default).
 * @example const q = grpcWebDrill(location.origin); await q.series(target, from, to, signal)
 */
export function grpcWebDrill(baseUrl: string): DrillQueries {
  const client = engineClient({ series: QueryService.series, zoneKpis: QueryService.zoneKpis }, baseUrl);
  return {
    async series(target, from, to, signal) {
      const req = target.kind === 'sensor'
        ? { source: target.source, type: target.type, from, to }
        : { zone: target.zone, type: target.type, from, to };
      const r = await client.series(ioc.v1.SeriesRequest.create(req), { signal });
      return {
        resolution: RESOLUTIONS[r.resolution] ?? 'raw', stepMs: Number(r.stepMs), from: Number(r.from), to: Number(r.to),
        points: r.points.flatMap((p) => {
          const v = p.values;
          return v?.avg == null || v.min == null || v.max == null ? [] : [{ t: Number(p.t), avg: v.avg, min: v.min, max: v.max }];
        }),
      };
    },
    async kpis(target, at, signal) {
      const r = await client.zoneKpis(ioc.v1.ZoneKpisRequest.create({ type: target.type, zones: [target.zone], at }), { signal });
      const k = r.kpis[0];
      const out: DrillKpis = { openIncidents: k?.openIncidents ?? 0 };
      if (k?.latest?.avg != null) out.latest = k.latest.avg;
      if (k?.hour?.avg != null) out.hourAvg = k.hour.avg;
      if (k?.day?.max != null) out.dayMax = k.day.max;
      return out;
    },
  };
}
