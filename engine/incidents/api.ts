// What the rest of the engine (gRPC services, console, tests) may ask of
// incident management. The IncidentManager implements it; nothing outside
// engine/incidents reaches into its state.

import type { Observable } from 'rxjs';
import type { Severity } from '../alerts/index.ts';
import type { AlertRecord, Incident, IncidentState, OperatorAction, Silence } from './model.ts';

export interface IncidentFilter {
  states?: IncidentState[];
  severities?: Severity[];
  zones?: string[];
  types?: string[];
  /** Opened at or after, epoch ms (0: any). */
  from?: number;
  /** Opened before, epoch ms (0: any). */
  to?: number;
  /** Case-insensitive substring of the title (vi or en), id, assignee or a comment. */
  text?: string;
  /** At most this many, newest first (default 200). */
  limit?: number;
}

/** A live change, pushed to every watching console. */
export type IncidentUpdate =
  | { kind: 'incident'; incident: Incident }
  /** An incident merged into another disappears from the list. */
  | { kind: 'incident.removed'; incidentId: string; mergedInto: string }
  | { kind: 'alert'; alert: AlertRecord }
  | { kind: 'silence'; silence: Silence };

export interface NewSilence {
  matchers: Silence['matchers'];
  startsAt: number;
  endsAt: number;
  schedule?: Silence['schedule'];
  createdBy: string;
  reason: string;
}

export interface IncidentsApi {
  list(filter: IncidentFilter): Incident[];
  get(id: string): { incident: Incident; alerts: AlertRecord[] } | undefined;
  /** Applies an operator action; rejects with NotFoundError, InvalidArgumentError, FailedPreconditionError (wrong state) or ConflictError (another engine changed it first). */
  act(action: OperatorAction): Promise<Incident>;
  silences(): Silence[];
  createSilence(s: NewSilence): Promise<Silence>;
  expireSilence(id: string, actor: string): Promise<Silence>;
  /** Every change from now on. */
  updates(): Observable<IncidentUpdate>;
}
