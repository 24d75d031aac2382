// The time cursor's side of `ioc.v1.Query/SensorsAt` and `IncidentsAt` over
// gRPC-web, decoded into the console's plain shapes. Read-only calls.

import { ioc } from '../../../protos/gen/ioc.js';
import { QueryService } from '../../../protos/gen/services.ts';
import { engineClient, fromProto } from '../api/index.ts';
import type { Severity } from '../state/index.ts';
import type { FetchPast, PastIncident } from './time-travel.ts';

const severities: Record<number, Severity> = {
  [ioc.v1.Severity.INFO]: 'info',
  [ioc.v1.Severity.MINOR]: 'minor',
  [ioc.v1.Severity.MAJOR]: 'major',
  [ioc.v1.Severity.CRITICAL]: 'critical',
};

/**
 * The city at an instant from the engine at `baseUrl` (same origin by default).
 * @example new TimeTravel(grpcWebPast(location.origin), render)
 */
export function grpcWebPast(baseUrl: string): FetchPast {
  const client = engineClient({ sensorsAt: QueryService.sensorsAt, incidentsAt: QueryService.incidentsAt }, baseUrl);
  return async (at, signal) => {
    const [city, incidents] = await Promise.all([
      client.sensorsAt(ioc.v1.SensorsAtRequest.create({ at }), { signal }),
      client.incidentsAt(ioc.v1.IncidentsAtRequest.create({ at }), { signal }),
    ]);
    // The same conversion as a Watch snapshot: the shapes are the same messages.
    const decoded = fromProto({ seq: 0, snapshot: { sensors: city.sensors, alerts: city.alerts } });
    return {
      at,
      sensors: decoded?.kind === 'snapshot' ? decoded.sensors : [],
      alerts: decoded?.kind === 'snapshot' ? decoded.alerts : [],
      incidents: incidents.incidents.flatMap((i) => pastIncident(i) ?? []),
    };
  };
}

/** Incidents not resolved at an instant, optionally only those of some zones. */
export type FetchIncidentsAt = (at: number, signal: AbortSignal, zones?: string[]) => Promise<PastIncident[]>;

/**
 * The incident history at an instant from the engine at `baseUrl`, for counts at the time cursor's T.
 * @example const open = (await grpcWebIncidentsAt(location.origin)(at, signal, ['dong-da'])).length
 */
export function grpcWebIncidentsAt(baseUrl: string): FetchIncidentsAt {
  const client = engineClient({ incidentsAt: QueryService.incidentsAt }, baseUrl);
  return async (at, signal, zones = []) => {
    const r = await client.incidentsAt(ioc.v1.IncidentsAtRequest.create({ at, zones }), { signal });
    return r.incidents.flatMap((i) => pastIncident(i) ?? []);
  };
}

function pastIncident(i: ioc.v1.IIncident): PastIncident | undefined {
  const severity = severities[i.severity ?? 0];
  const state = i.state === ioc.v1.IncidentState.INCIDENT_STATE_ACKNOWLEDGED ? 'acknowledged' : i.state === ioc.v1.IncidentState.INCIDENT_STATE_OPEN ? 'open' : undefined;
  if (!severity || !state) return undefined;
  return {
    id: i.id ?? '', type: i.type ?? '', state, severity, zones: i.zones ?? [], openedAt: Number(i.openedAt ?? 0),
    acknowledgedBy: i.acknowledgedBy ?? '', assignee: i.assignee ?? '',
  };
}
