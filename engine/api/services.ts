// The ioc.v1 service implementations, written once for both transports:
// Ingest.Publish (events in), Alerts.Subscribe (alerts out), Console.Watch
// (snapshot + live deltas for the operations console).

import { filter } from 'rxjs';
import { ioc } from '../../protos/gen/ioc.js';
import { AlertsService, ConsoleService, IngestService } from '../../protos/gen/services.ts';
import type { Alert, Severity } from '../alerts/index.ts';
import type { Principal } from '../auth/index.ts';
import { globMatcher } from '../rules/index.ts';
import type { Bus } from '../bus/index.ts';
import { ResourceExhaustedError, UnavailableError, errorMessage } from '../errors/index.ts';
import { encodeEventJson, eventKey, MAX_EVENT_BYTES, protoEventToObject, validateEvent, type ValidateOptions } from '../events/index.ts';
import type { IncidentsApi } from '../incidents/index.ts';
import type { LiveView } from '../live/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { alertToProto, liveUpdateToProto, sensorToProto, severityFromProto } from './convert.ts';
import type { CallContext, HandlerTable, MethodHandler } from './handlers.ts';
import { incidentHandlers, type IncidentStatsQuery, type IncidentStat } from './incidents.ts';
import { RetryLaterError, type IngestLimits, type IngestRefusal } from './limits.ts';
import { liveStream } from './stream.ts';

export interface ServiceDeps {
  bus: Bus;
  live: LiveView;
  metrics: Metrics;
  log: Logger;
  validate: ValidateOptions;
  /** Shown to consoles: "nats+clickhouse", "embedded", ... */
  mode: string;
  /** Incident management; without it the ioc.v1.Incidents methods answer UNIMPLEMENTED. */
  incidents?: IncidentsApi;
  /** MTTA/MTTR from the incident history (ClickHouse); without it Incidents.Stats fails with FAILED_PRECONDITION. */
  incidentStats?: (q: IncidentStatsQuery) => Promise<IncidentStat[]>;
  /** Batch size and per-principal rate of Ingest.Publish; without it, neither is limited. */
  ingestLimits?: IngestLimits;
}

/** Accepted events published concurrently per call; bounds memory and keeps order loose but fast. */
const PUBLISH_CONCURRENCY = 256;
/** Rejections listed per response; past this only the count grows. */
const MAX_LISTED_REJECTIONS = 1000;
/** Updates buffered per streaming client before it is cut off. */
const MAX_BUFFERED = 10_000;

/** Alerts.Subscribe filters; empty lists match everything. */
export function alertFilter(req: ioc.v1.ISubscribeRequest): (a: Alert) => boolean {
  const severities = new Set((req.severities ?? []).map(severityFromProto).filter((s): s is Severity => s !== undefined));
  const zones = new Set(req.zones ?? []);
  const rules = (req.rules ?? []).map(globMatcher);
  return (a) =>
    (severities.size === 0 || severities.has(a.severity)) &&
    (zones.size === 0 || zones.has(a.zone)) &&
    (rules.length === 0 || rules.some((r) => r(a.rule)));
}

/** An integrator's allowed types, compiled once per list (principals are cached by the authenticator). */
const typeMatchers = new WeakMap<readonly string[], ((type: string) => boolean)[]>();

/** Why an integrator may not publish this event (types and zones it is limited to), or undefined. */
function forbiddenFor(p: Principal | undefined, e: { type: string; zone?: string }): string | undefined {
  if (p?.types) {
    let types = typeMatchers.get(p.types);
    if (!types) typeMatchers.set(p.types, (types = p.types.map(globMatcher)));
    if (!types.some((m) => m(e.type))) return `${p.name} may publish only ${p.types.join(', ')}, not ${e.type}`;
  }
  if (p?.zones && !(e.zone !== undefined && p.zones.includes(e.zone))) return `${p.name} may publish only for zones ${p.zones.join(', ')}${e.zone ? `, not ${e.zone}` : ' (the event names no zone)'}`;
  return undefined;
}

export function createHandlers(deps: ServiceDeps): HandlerTable {
  const { bus, live, metrics, validate } = deps;

  async function publish(requests: AsyncIterable<ioc.v1.PublishRequest>, ctx: CallContext): Promise<ioc.v1.PublishResponse> {
    let index = 0;
    let accepted = 0;
    let duplicates = 0;
    let rejected = 0;
    const rejections: ioc.v1.IRejection[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: unknown;
    let refusal: IngestRefusal | undefined;
    for await (const req of requests) {
      const events = req.event ? [req.event] : (req.batch?.events ?? []);
      // A whole request message is admitted or refused, before any of its events is read.
      refusal = deps.ingestLimits?.admit(ctx.principal?.name ?? 'anonymous', events.length);
      if (refusal !== undefined) {
        metrics.eventsRejected.labels(refusal.retryAfterMs === undefined ? 'over_limit' : 'rate_limited', 'grpc').inc(events.length);
        break;
      }
      for (const pe of events) {
        const i = index++;
        const r = validateEvent(protoEventToObject(pe), validate);
        if (!r.ok) {
          rejected++;
          metrics.eventsRejected.labels(r.rejection.reason, 'grpc').inc();
          if (rejections.length < MAX_LISTED_REJECTIONS) rejections.push({ index: i, ...r.rejection });
          continue;
        }
        const forbidden = forbiddenFor(ctx.principal, r.event);
        if (forbidden !== undefined) {
          rejected++;
          metrics.eventsRejected.labels('forbidden', 'grpc').inc();
          if (rejections.length < MAX_LISTED_REJECTIONS) rejections.push({ index: i, reason: 'forbidden', detail: forbidden, id: r.event.id });
          continue;
        }
        // The same size limit as on NATS, on the form the event is published in.
        const data = encodeEventJson(r.event);
        if (data.length > MAX_EVENT_BYTES) {
          rejected++;
          metrics.eventsRejected.labels('too_large', 'grpc').inc();
          if (rejections.length < MAX_LISTED_REJECTIONS) {
            rejections.push({ index: i, reason: 'too_large', detail: `event is ${data.length} bytes as JSON; the limit is ${MAX_EVENT_BYTES}`, id: r.event.id });
          }
          continue;
        }
        const p: Promise<void> = bus.publishRaw(`ioc.events.${r.event.type}`, data, { 'Nats-Msg-Id': eventKey(r.event) }).then(
          (res) => {
            accepted++;
            if (res.duplicate) duplicates++;
          },
          (err: unknown) => {
            failure ??= err;
          },
        );
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
        if (inflight.size >= PUBLISH_CONCURRENCY) await Promise.race(inflight);
        if (failure !== undefined) break;
      }
      if (failure !== undefined) break;
    }
    await Promise.all(inflight);
    metrics.eventsAccepted.labels('grpc').inc(accepted);
    if (failure !== undefined) {
      throw new UnavailableError(
        `the event bus failed after ${accepted} of ${index} events were accepted (${errorMessage(failure)}); retry the call: accepted events are de-duplicated by source and id`,
        { cause: failure },
      );
    }
    if (refusal !== undefined) {
      const message = `${refusal.message} (before it, this call had ${accepted} events accepted and ${rejected} rejected; accepted events are de-duplicated by source and id, so sending them again is harmless)`;
      throw refusal.retryAfterMs === undefined ? new ResourceExhaustedError(message) : new RetryLaterError(message, refusal.retryAfterMs);
    }
    return ioc.v1.PublishResponse.create({ accepted, rejected, rejections, duplicates });
  }

  async function* subscribe(req: ioc.v1.SubscribeRequest, ctx: CallContext): AsyncIterable<ioc.v1.Alert> {
    const matches = alertFilter(req);
    const updates = liveStream(bus.alerts().pipe(filter(matches)), { signal: ctx.signal, maxBuffered: MAX_BUFFERED });
    if (req.snapshot) for (const a of live.firingAlerts()) if (matches(a)) yield alertToProto(a);
    for await (const a of updates) yield alertToProto(a);
  }

  async function* watch(_req: ioc.v1.WatchRequest, ctx: CallContext): AsyncIterable<ioc.v1.ConsoleUpdate> {
    const updates = liveStream(live.updates(), { signal: ctx.signal, maxBuffered: MAX_BUFFERED });
    const snap = live.snapshot();
    yield ioc.v1.ConsoleUpdate.create({
      seq: snap.seq,
      snapshot: { sensors: snap.sensors.map(sensorToProto), alerts: snap.alerts.map(alertToProto), mode: deps.mode },
    });
    for await (const u of updates) if (u.seq > snap.seq) yield liveUpdateToProto(u);
  }

  const table = new Map<string, MethodHandler>([
    [IngestService.publish.path, { kind: 'clientStream', handle: publish as MethodHandler['handle'] } as MethodHandler],
    [AlertsService.subscribe.path, { kind: 'serverStream', handle: subscribe as MethodHandler['handle'] } as MethodHandler],
    [ConsoleService.watch.path, { kind: 'serverStream', handle: watch as MethodHandler['handle'] } as MethodHandler],
    ...(deps.incidents ? incidentHandlers({ incidents: deps.incidents, ...(deps.incidentStats ? { incidentStats: deps.incidentStats } : {}) }) : []),
  ]);
  return table;
}
