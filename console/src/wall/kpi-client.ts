// The wall KPI view's one question to the engine: how many alerts started
// firing in a range (`Query/AlertCounts`, summed over days, rules and zones).
// Read-only.

import { ioc } from '../../../protos/gen/ioc.js';
import { QueryService } from '../../../protos/gen/services.ts';
import { engineClient } from '../api/index.ts';

/** Alerts that started firing in [from, to). */
export type AlertsStarted = (from: number, to: number, signal: AbortSignal) => Promise<number>;

/**
 * @example const lastHour = await grpcWebAlertsStarted(location.origin)(now - 3600_000, now, signal)
 */
export function grpcWebAlertsStarted(baseUrl: string): AlertsStarted {
  const client = engineClient({ alertCounts: QueryService.alertCounts }, baseUrl);
  return async (from, to, signal) => {
    const r = await client.alertCounts(ioc.v1.AlertCountsRequest.create({ from, to }), { signal });
    return r.alerts.reduce((n, a) => n + Number(a.count), 0);
  };
}
