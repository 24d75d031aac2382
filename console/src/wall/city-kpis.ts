// The wall's city KPIs, worked out without a DOM: open incidents by severity,
// the most affected districts, sensors reporting and stale, from the city as
// shown (live, or at the time cursor's T). The alerts of the last hour come
// from the engine's history (kpi-client.ts). Pure: tested as data.

import { staleAt } from '../map/index.ts';
import { severities, severityRank, type Severity } from '../state/index.ts';

/** The city the KPIs are computed from: live (`at` undefined), or as the history gives it at `at`. */
export interface CityMoment {
  at: number | undefined;
  status: 'ready' | 'loading' | 'error';
  /** Why the past could not be read (status 'error'). */
  message?: string;
  incidents: readonly { severity: Severity; state: string; zones: readonly string[] }[];
  sensors: readonly { type: string; time: number }[];
}

export interface ZoneLoad {
  zone: string;
  /** Incidents not resolved that name the zone. */
  count: number;
  worst: Severity;
}

export interface CityKpis {
  /** Incidents not resolved, all severities. */
  open: number;
  bySeverity: Record<Severity, number>;
  /** Most incidents first, then worst, then by id. */
  topZones: ZoneLoad[];
  sensors: { reporting: number; stale: number };
}

/** Districts listed on the wall. */
export const TOP_ZONES = 5;

/**
 * KPIs of the city at `now` (the instant shown: now, or the cursor's T).
 * @example cityKpis([{ severity: 'critical', state: 'open', zones: ['dong-da'] }], [], now).bySeverity.critical // 1
 */
export function cityKpis(incidents: CityMoment['incidents'], sensors: CityMoment['sensors'], now: number, top = TOP_ZONES): CityKpis {
  const bySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
  const zones = new Map<string, ZoneLoad>();
  let open = 0;
  for (const i of incidents) {
    if (i.state === 'resolved') continue;
    open++;
    bySeverity[i.severity]++;
    for (const zone of new Set(i.zones)) {
      const z = zones.get(zone);
      if (!z) zones.set(zone, { zone, count: 1, worst: i.severity });
      else {
        z.count++;
        if (severityRank(i.severity) > severityRank(z.worst)) z.worst = i.severity;
      }
    }
  }
  const topZones = [...zones.values()]
    .sort((a, b) => b.count - a.count || severityRank(b.worst) - severityRank(a.worst) || (a.zone < b.zone ? -1 : 1))
    .slice(0, top);
  let stale = 0;
  for (const s of sensors) if (staleAt(s.type, s.time) <= now) stale++;
  return { open, bySeverity, topZones, sensors: { reporting: sensors.length - stale, stale } };
}
