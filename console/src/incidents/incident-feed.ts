// Keeps the incident store fed from `Incidents/Watch` through a KeptStream:
// each (re)connect starts the store on a fresh snapshot, `snapshot_end` makes it
// live, a sequence gap reconnects. Never throws into the UI: every outcome is a
// connection state.

import { KeptStream, type BackoffPolicy, type Clock, type Connection } from '../api/index.ts';
import type { IncidentsApi } from './client.ts';
import type { IncidentStore } from './incident-store.ts';

export interface IncidentFeedOptions {
  api: Pick<IncidentsApi, 'watch'>;
  store: IncidentStore;
  onConnection?(connection: Connection): void;
  backoff?: BackoffPolicy;
  clock?: Clock;
}

/**
 * Opens a kept Watch stream into `store`; `start()` it, `stop()` it.
 * @example void incidentFeed({ api: grpcWebIncidents(location.origin), store }).start();
 */
export function incidentFeed({ api, store, onConnection = () => {}, backoff, clock }: IncidentFeedOptions): KeptStream<Parameters<IncidentStore['apply']>[0]> {
  return new KeptStream({
    open: (signal) => {
      store.begin();
      return api.watch(signal);
    },
    onUpdate: (update) => {
      if (store.apply(update) === 'resync') return 'resync';
      return update.kind === 'snapshot-end' ? 'live' : 'ok';
    },
    onConnection,
    ...(backoff ? { backoff } : {}),
    ...(clock ? { clock } : {}),
  });
}
