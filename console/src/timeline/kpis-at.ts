// The KPIs of a past instant: while the time cursor is at T, counts of open
// incidents come from the incident history at T (Query/IncidentsAt), never
// from the incidents open now. ZoneKpis reads its value windows up to T but
// counts the incidents open now, so its count is replaced here. Pure, apart
// from the calls it is handed.

import type { DrillQueries } from '../drilldown/index.ts';
import { severityRank, type Severity } from '../state/index.ts';

/** What a count needs of an incident (a live IncidentView or a PastIncident). */
export interface CountedIncident {
  state: string;
  severity: Severity;
  zones: readonly string[];
}

/** Incidents of `zone` not resolved. */
export function openIncidentsIn(incidents: readonly CountedIncident[], zone: string): number {
  let n = 0;
  for (const i of incidents) if (i.state !== 'resolved' && i.zones.includes(zone)) n++;
  return n;
}

/**
 * The worst severity of the incidents not resolved, per zone (the map's choropleth).
 * @example worstByZone([{ state: 'open', severity: 'major', zones: ['dong-da'] }]).get('dong-da') // 'major'
 */
export function worstByZone(incidents: readonly CountedIncident[]): Map<string, Severity> {
  const zones = new Map<string, Severity>();
  for (const i of incidents) {
    if (i.state === 'resolved') continue;
    for (const z of i.zones) if (severityRank(i.severity) > severityRank(zones.get(z))) zones.set(z, i.severity);
  }
  return zones;
}

/**
 * The incidents not resolved at `at` when `at` is the past instant shown; undefined when the
 * drill-down reads the live city.
 */
export type IncidentsAtInstant = (at: number, signal: AbortSignal) => Promise<readonly CountedIncident[]> | undefined;

/**
 * Drill-down queries whose open-incident count at a past instant comes from the history at that instant.
 *
 * @example
 * const q = queriesAt(grpcWebDrill(base), (at, signal) => (at === shownT ? incidentsAt(at, signal) : undefined));
 */
export function queriesAt(queries: DrillQueries, incidentsAt: IncidentsAtInstant): DrillQueries {
  return {
    series: (target, from, to, signal) => queries.series(target, from, to, signal),
    async kpis(target, at, signal) {
      const past = incidentsAt(at, signal);
      if (past === undefined) return queries.kpis(target, at, signal);
      const [kpis, incidents] = await Promise.all([queries.kpis(target, at, signal), past]);
      return { ...kpis, openIncidents: openIncidentsIn(incidents, target.zone) };
    },
  };
}
