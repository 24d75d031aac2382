import { describe, expect, it } from 'vitest';
import type { DrillKpis, DrillQueries, DrillTarget } from '../drilldown/index.ts';
import { openIncidentsIn, queriesAt, worstByZone, type CountedIncident } from './kpis-at.ts';

const T = Date.UTC(2026, 5, 1, 10);
const NOW = T + 2 * 3600_000;
const zone: DrillTarget = { kind: 'zone', zone: 'dong-da', type: 'water.level' };

/** The engine's ZoneKpis as it behaves: value windows up to `at`, open incidents as of now (2 in dong-da). */
function engineQueries(calls: number[]): DrillQueries {
  return {
    series: async (_t, from, to) => ({ resolution: 'raw', stepMs: 1000, from, to, points: [] }),
    kpis: async (_t, at): Promise<DrillKpis> => { calls.push(at); return { latest: at === T ? 1.1 : 2.2, openIncidents: 2 }; },
  };
}

const history: CountedIncident[] = [
  { state: 'acknowledged', severity: 'critical', zones: ['dong-da', 'ba-dinh'] },
  { state: 'open', severity: 'minor', zones: ['ba-dinh'] },
  { state: 'resolved', severity: 'major', zones: ['dong-da'] },
];

describe('KPIs at the time cursor', () => {
  it('counts the incidents open at T from the history at T, keeping the value figures of T', async () => {
    const calls: number[] = [];
    const asked: number[] = [];
    const q = queriesAt(engineQueries(calls), (at) => (at === T ? (asked.push(at), Promise.resolve(history)) : undefined));
    const past = await q.kpis(zone, T, new AbortController().signal);
    expect(past).toEqual({ latest: 1.1, openIncidents: 1 });
    expect(calls).toEqual([T]);
    expect(asked).toEqual([T]);
  });

  it('leaves live KPIs as the engine gives them', async () => {
    const q = queriesAt(engineQueries([]), (at) => (at === T ? Promise.resolve(history) : undefined));
    expect(await q.kpis(zone, NOW, new AbortController().signal)).toEqual({ latest: 2.2, openIncidents: 2 });
  });

  it('counts and colors only incidents not resolved', () => {
    expect(openIncidentsIn(history, 'ba-dinh')).toBe(2);
    expect(openIncidentsIn(history, 'hoan-kiem')).toBe(0);
    expect([...worstByZone(history)]).toEqual([['dong-da', 'critical'], ['ba-dinh', 'critical']]);
  });
});
