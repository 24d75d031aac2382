// The console's side of `ioc.v1.Incidents` over gRPC-web: Watch decoded into
// the console's shapes, Get, and the operator actions sent as the operator
// named in `x-ioc-user`. Failures become IncidentActionError with the gRPC code,
// so the UI shows what the engine said instead of a stack trace.

import { ClientError, Metadata, Status } from 'nice-grpc-web';
import { ioc } from '../../../protos/gen/ioc.js';
import { IncidentsService } from '../../../protos/gen/services.ts';
import { engineClient } from '../api/index.ts';
import type { Severity } from '../state/index.ts';
import { detailFromProto, incidentFromProto, incidentUpdateFromProto, severityToProto } from './convert.ts';
import type { IncidentDetailView, IncidentFeedUpdate, IncidentView } from './types.ts';

/** An operator action the engine refused or could not be reached for; `code` is the gRPC status name. */
export class IncidentActionError extends Error {
  override readonly name = 'IncidentActionError';
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What an operator can do to an incident, one per Incidents action rpc. */
export type IncidentAction =
  | { kind: 'acknowledge' }
  | { kind: 'assign'; assignee: string }
  | { kind: 'comment'; text: string }
  | { kind: 'set-severity'; severity: Severity }
  | { kind: 'resolve'; note: string }
  | { kind: 'merge'; others: string[] }
  | { kind: 'split'; alerts: string[] }
  | { kind: 'sop-step'; step: string; done: boolean };

export interface IncidentsApi {
  /** One Watch stream; it ends or throws when the connection does. */
  watch(signal: AbortSignal): AsyncIterable<IncidentFeedUpdate>;
  get(id: string, signal?: AbortSignal): Promise<IncidentDetailView>;
  /** Performs `action` on incident `id` as `user`; resolves with the incident after it. */
  act(id: string, action: IncidentAction, user: string): Promise<IncidentView>;
}

/**
 * The Incidents service of the engine at `baseUrl` (its HTTP port; the page's own origin in the console).
 * @example await grpcWebIncidents(location.origin).act(id, { kind: 'acknowledge' }, 'lan')
 */
export function grpcWebIncidents(baseUrl: string): IncidentsApi {
  const client = engineClient(IncidentsService, baseUrl);
  const P = ioc.v1;
  return {
    async *watch(signal) {
      for await (const u of client.watch(P.WatchIncidentsRequest.create(), { signal })) yield incidentUpdateFromProto(u);
    },
    async get(id, signal) {
      return detailFromProto(await call(() => client.get(P.GetIncidentRequest.create({ id }), signal ? { signal } : {})));
    },
    async act(incidentId, action, user) {
      const options = { metadata: Metadata({ 'x-ioc-user': user }) };
      const send = (): Promise<ioc.v1.Incident> => {
        switch (action.kind) {
          case 'acknowledge': return client.acknowledge(P.AcknowledgeRequest.create({ incidentId }), options);
          case 'assign': return client.assign(P.AssignRequest.create({ incidentId, assignee: action.assignee }), options);
          case 'comment': return client.comment(P.CommentRequest.create({ incidentId, text: action.text }), options);
          case 'set-severity': return client.setSeverity(P.SetSeverityRequest.create({ incidentId, severity: severityToProto(action.severity) }), options);
          case 'resolve': return client.resolve(P.ResolveRequest.create({ incidentId, note: action.note }), options);
          case 'merge': return client.merge(P.MergeRequest.create({ incidentId, others: action.others }), options);
          case 'split': return client.split(P.SplitRequest.create({ incidentId, alerts: action.alerts }), options);
          case 'sop-step': return client.setSopStep(P.SetSopStepRequest.create({ incidentId, step: action.step, done: action.done }), options);
        }
      };
      return incidentFromProto(await call(send));
    },
  };
}

async function call<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof ClientError) throw new IncidentActionError(Status[err.code] ?? String(err.code), err.details, { cause: err });
    throw new IncidentActionError('UNAVAILABLE', err instanceof Error ? err.message : String(err), { cause: err });
  }
}
