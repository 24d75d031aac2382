// The ioc.v1.Incidents service over IncidentsApi: checks every request, names
// the acting operator from the call's metadata and converts to and from protobuf.
// It must never change incidents itself (only through IncidentsApi), nor take
// an actor from a request body.

import { ioc } from '../../protos/gen/ioc.js';
import { IncidentsService } from '../../protos/gen/services.ts';
import type { Severity } from '../alerts/index.ts';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors/index.ts';
import type { IncidentFilter, IncidentsApi } from '../incidents/index.ts';
import type { IncidentState, Matchers, OperatorAction } from '../incidents/index.ts';
import {
  alertRecordToProto,
  evidenceOf,
  incidentStateFromProto,
  incidentStatToProto,
  incidentToProto,
  incidentUpdateToProto,
  matchersFromProto,
  severityFromProto,
  silenceToProto,
} from './convert.ts';
import type { CallContext, MethodHandler, UnaryHandler } from './handlers.ts';
import { liveStream } from './stream.ts';

// The figures and their query are the store's: one shape from ClickHouse to the wire.
export type { IncidentStat, IncidentStatsQuery } from '../store/index.ts';
import type { IncidentStat, IncidentStatsQuery } from '../store/index.ts';

export interface IncidentHandlerDeps {
  incidents: IncidentsApi;
  /** Reads the incident history (ClickHouse); absent when the engine has none. */
  incidentStats?: (q: IncidentStatsQuery) => Promise<IncidentStat[]>;
}

/**
 * Request metadata naming the operator who acts. Trusted as sent until
 * authentication arrives (a later issue); then it will come from the verified login.
 */
export const ACTOR_HEADER = 'x-ioc-user';
/** Longest comment, resolution note, reopen reason or silence reason, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 4096;
export const DEFAULT_LIST_LIMIT = 200;
export const MAX_LIST_LIMIT = 1000;
const MAX_ACTOR_LENGTH = 200;
/** Every unresolved incident goes into a Watch snapshot; this only guards against a runaway list. */
const SNAPSHOT_LIMIT = 100_000;
/** Updates buffered per watching client before it is cut off (it reconnects for a fresh snapshot). */
const MAX_BUFFERED = 10_000;
/** Recurring silences without a time zone are read in the city's. */
const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';

/**
 * The operator acting in this call, from the `x-ioc-user` metadata.
 * @throws InvalidArgumentError when it is missing, empty or too long.
 * @example const actor = actorOf(ctx); // "nguyen.van.a"
 */
export function actorOf(ctx: CallContext): string {
  // An authenticated caller is the actor: the audit trail records who proved it, not who they say they are.
  if (ctx.principal !== undefined && ctx.principal.via !== 'none') return ctx.principal.name;
  const actor = (ctx.metadata[ACTOR_HEADER] ?? '').trim();
  if (actor === '') {
    throw new InvalidArgumentError(`no operator named: send the acting user's id in the ${ACTOR_HEADER} request metadata (header)`);
  }
  if (actor.length > MAX_ACTOR_LENGTH) {
    throw new InvalidArgumentError(`${ACTOR_HEADER} is ${actor.length} characters; the limit is ${MAX_ACTOR_LENGTH}`);
  }
  return actor;
}

function requireId(value: string | null | undefined, field: string, what: string): string {
  if (!value || value.trim() === '') throw new InvalidArgumentError(`${field} is empty: name the ${what}`);
  return value;
}

/** Free text of at most MAX_TEXT_BYTES; with `whenEmpty` (what to tell the caller) blank text is refused too. */
function checkText(value: string | null | undefined, field: string, whenEmpty?: string): string {
  const text = value ?? '';
  if (whenEmpty !== undefined && text.trim() === '') throw new InvalidArgumentError(`${field} is empty: ${whenEmpty}`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TEXT_BYTES) throw new InvalidArgumentError(`${field} is ${bytes} bytes (UTF-8); the limit is ${MAX_TEXT_BYTES}`);
  return text;
}

function checkSeverity(value: ioc.v1.Severity | null | undefined, field: string): Severity {
  const s = severityFromProto(value ?? 0);
  if (s === undefined) throw new InvalidArgumentError(`${field} ${value ?? 0} is not a severity: use INFO, MINOR, MAJOR or CRITICAL`);
  return s;
}

/** Non-empty strings only: an empty entry in a list is a client bug, not "any". */
function checkList(values: readonly string[] | null | undefined, field: string): string[] {
  const list = [...(values ?? [])];
  const blank = list.findIndex((v) => v.trim() === '');
  if (blank >= 0) throw new InvalidArgumentError(`${field}[${blank}] is empty`);
  return list;
}

function filterFromProto(req: ioc.v1.ListIncidentsRequest.$Properties): IncidentFilter {
  const states = (req.states ?? []).map((s, i): IncidentState => {
    const state = incidentStateFromProto(s);
    if (state === undefined) throw new InvalidArgumentError(`states[${i}] ${s} is not an incident state: use INCIDENT_STATE_OPEN, INCIDENT_STATE_ACKNOWLEDGED or INCIDENT_STATE_RESOLVED`);
    return state;
  });
  const severities = (req.severities ?? []).map((s, i) => checkSeverity(s, `severities[${i}]`));
  const from = req.from ?? 0;
  const to = req.to ?? 0;
  if (from < 0 || to < 0) throw new InvalidArgumentError('from and to are epoch milliseconds and cannot be negative');
  if (to !== 0 && from > to) throw new InvalidArgumentError(`from (${from}) is after to (${to}): swap them`);
  const limit = req.limit || DEFAULT_LIST_LIMIT;
  if (limit > MAX_LIST_LIMIT) throw new InvalidArgumentError(`limit is ${limit}; the most is ${MAX_LIST_LIMIT} (page with \`to\`)`);
  const filter: IncidentFilter = { limit };
  if (states.length) filter.states = states;
  if (severities.length) filter.severities = severities;
  if (req.zones?.length) filter.zones = checkList(req.zones, 'zones');
  if (req.types?.length) filter.types = checkList(req.types, 'types');
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (req.text) filter.text = checkText(req.text, 'text');
  return filter;
}

function checkMatchers(p: ioc.v1.Matchers.$Properties | null | undefined): Matchers {
  (p?.severities ?? []).forEach((s, i) => checkSeverity(s, `matchers.severities[${i}]`));
  checkList(p?.rules, 'matchers.rules');
  checkList(p?.zones, 'matchers.zones');
  checkList(p?.sources, 'matchers.sources');
  for (const [name, value] of Object.entries(p?.labels ?? {})) {
    if (name.trim() === '' || value.trim() === '') throw new InvalidArgumentError(`matchers.labels has an empty name or value (${JSON.stringify(name)}: ${JSON.stringify(value)})`);
  }
  const m = matchersFromProto(p);
  if (Object.keys(m).length === 0) {
    throw new InvalidArgumentError('matchers is empty: a silence needs at least one matcher (rules, zones, sources, severities or labels), or it would mute every alert');
  }
  return m;
}

function checkSchedule(p: ioc.v1.SilenceSchedule.$Properties | null | undefined): { cron: string; durationMs: number; timezone: string } | undefined {
  if (!p) return undefined;
  const cron = (p.cron ?? '').trim();
  if (cron === '') throw new InvalidArgumentError('schedule.cron is empty: give a cron expression such as "0 22 * * *", or leave schedule out for a one-off silence');
  const durationMs = p.durationMs ?? 0;
  if (durationMs <= 0) throw new InvalidArgumentError(`schedule.duration_ms is ${durationMs}: each window must last more than 0 ms`);
  const timezone = (p.timezone ?? '').trim() || DEFAULT_TIMEZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new InvalidArgumentError(`schedule.timezone ${JSON.stringify(timezone)} is not an IANA time zone (e.g. "${DEFAULT_TIMEZONE}")`);
  }
  return { cron, durationMs, timezone };
}

/** One handler-table entry for a unary method (the table holds handlers of unknown types). */
function unary<Req, Res>(handle: UnaryHandler<Req, Res>): MethodHandler {
  return { kind: 'unary', handle: handle as UnaryHandler<unknown, unknown> };
}

/**
 * The handlers of every ioc.v1.Incidents method, by path, for `createHandlers`.
 * @example new Map([...incidentHandlers({ incidents: manager })])
 */
export function incidentHandlers(deps: IncidentHandlerDeps): Array<[string, MethodHandler]> {
  const { incidents } = deps;

  /** An operator action: checks the request, adds the actor, returns the incident after it. */
  const action = <Req>(build: (req: Req, actor: string) => OperatorAction) =>
    unary(async (req: Req, ctx: CallContext): Promise<ioc.v1.Incident> => {
      const actor = actorOf(ctx);
      return incidentToProto(await incidents.act(build(req, actor)));
    });
  const incidentId = (req: { incidentId?: string | null }) => requireId(req.incidentId, 'incident_id', 'incident');

  async function list(req: ioc.v1.ListIncidentsRequest.$Properties): Promise<ioc.v1.ListIncidentsResponse> {
    const filter = filterFromProto(req);
    const limit = filter.limit!;
    // One more than asked tells whether there are more.
    const found = incidents.list({ ...filter, limit: limit + 1 });
    return ioc.v1.ListIncidentsResponse.create({
      incidents: found.slice(0, limit).map((i) => incidentToProto(i, { withTimeline: false })),
      more: found.length > limit,
    });
  }

  async function get(req: ioc.v1.GetIncidentRequest.$Properties): Promise<ioc.v1.IncidentDetail> {
    const id = requireId(req.id, 'id', 'incident');
    const found = incidents.get(id);
    if (!found) throw new NotFoundError(`incident ${id} does not exist (it may have been merged into another)`);
    const joined = new Map(found.incident.alerts.map((fp, i) => [fp, i]));
    const order = (fp: string) => joined.get(fp) ?? Number.MAX_SAFE_INTEGER;
    const alerts = [...found.alerts].sort((a, b) => order(a.fingerprint) - order(b.fingerprint));
    return ioc.v1.IncidentDetail.create({
      incident: incidentToProto(found.incident),
      alerts: alerts.map(alertRecordToProto),
      evidence: evidenceOf(alerts),
    });
  }

  async function listSilences(): Promise<ioc.v1.ListSilencesResponse> {
    return ioc.v1.ListSilencesResponse.create({ silences: incidents.silences().map(silenceToProto) });
  }

  async function createSilence(req: ioc.v1.CreateSilenceRequest.$Properties, ctx: CallContext): Promise<ioc.v1.Silence> {
    const createdBy = actorOf(ctx);
    const matchers = checkMatchers(req.matchers);
    const startsAt = req.startsAt ?? 0;
    const endsAt = req.endsAt ?? 0;
    if (startsAt <= 0) throw new InvalidArgumentError('starts_at is missing: give the start as epoch milliseconds (now, for a silence that starts at once)');
    if (endsAt <= startsAt) throw new InvalidArgumentError(`ends_at (${endsAt}) must be after starts_at (${startsAt})`);
    const schedule = checkSchedule(req.schedule);
    const reason = checkText(req.reason, 'reason', 'say why, for the other operators');
    const silence = await incidents.createSilence({ matchers, startsAt, endsAt, ...(schedule ? { schedule } : {}), createdBy, reason });
    return silenceToProto(silence);
  }

  async function expireSilence(req: ioc.v1.ExpireSilenceRequest.$Properties, ctx: CallContext): Promise<ioc.v1.Silence> {
    const actor = actorOf(ctx);
    return silenceToProto(await incidents.expireSilence(requireId(req.id, 'id', 'silence'), actor));
  }

  async function* watch(_req: ioc.v1.WatchIncidentsRequest.$Properties, ctx: CallContext): AsyncGenerator<ioc.v1.IncidentUpdate> {
    // Subscribed before the snapshot is read, so no change falls between them;
    // a change seen in both is sent twice, which is harmless (each carries the whole incident).
    const updates = liveStream(incidents.updates(), { signal: ctx.signal, maxBuffered: MAX_BUFFERED });
    try {
      let seq = 0;
      const open = incidents.list({ states: ['open', 'acknowledged'], limit: SNAPSHOT_LIMIT });
      for (const incident of open) yield ioc.v1.IncidentUpdate.create({ seq: ++seq, incident: incidentToProto(incident) });
      yield ioc.v1.IncidentUpdate.create({ seq: ++seq, snapshotEnd: { incidents: open.length } });
      for await (const u of updates) yield incidentUpdateToProto(u, ++seq);
    } finally {
      await updates.return(undefined);
    }
  }

  async function stats(req: ioc.v1.IncidentStatsRequest.$Properties): Promise<ioc.v1.IncidentStatsResponse> {
    const from = req.from ?? 0;
    const to = req.to ?? 0;
    if (to <= 0) throw new InvalidArgumentError('to is missing: give the end of the range as epoch milliseconds');
    if (from < 0) throw new InvalidArgumentError(`from is ${from}: epoch milliseconds cannot be negative`);
    if (from > to) throw new InvalidArgumentError(`from (${from}) is after to (${to}): swap them`);
    if (!deps.incidentStats) {
      throw new FailedPreconditionError('stats need ClickHouse: this engine keeps no incident history (embedded mode); run it with storage');
    }
    const types = checkList(req.types, 'types');
    const zones = checkList(req.zones, 'zones');
    const rows = await deps.incidentStats({ from, to, ...(types.length ? { types } : {}), ...(zones.length ? { zones } : {}) });
    return ioc.v1.IncidentStatsResponse.create({ stats: rows.map(incidentStatToProto) });
  }

  const s = IncidentsService;
  return [
    [s.list.path, unary(list)],
    [s.get.path, unary(get)],
    [s.acknowledge.path, action((r: ioc.v1.AcknowledgeRequest.$Properties, actor) => ({ kind: 'acknowledge', incidentId: incidentId(r), actor }))],
    [
      s.assign.path,
      action((r: ioc.v1.AssignRequest.$Properties, actor) => ({
        kind: 'assign',
        incidentId: incidentId(r),
        actor,
        assignee: requireId(r.assignee, 'assignee', 'person or team to assign'),
      })),
    ],
    [
      s.comment.path,
      action((r: ioc.v1.CommentRequest.$Properties, actor) => ({
        kind: 'comment',
        incidentId: incidentId(r),
        actor,
        text: checkText(r.text, 'text', 'write the comment'),
      })),
    ],
    [
      s.setSeverity.path,
      action((r: ioc.v1.SetSeverityRequest.$Properties, actor) => ({
        kind: 'set-severity',
        incidentId: incidentId(r),
        actor,
        severity: checkSeverity(r.severity, 'severity'),
      })),
    ],
    [
      s.resolve.path,
      action((r: ioc.v1.ResolveRequest.$Properties, actor) => ({ kind: 'resolve', incidentId: incidentId(r), actor, note: checkText(r.note, 'note') })),
    ],
    [
      s.reopen.path,
      action((r: ioc.v1.ReopenRequest.$Properties, actor) => ({ kind: 'reopen', incidentId: incidentId(r), actor, reason: checkText(r.reason, 'reason') })),
    ],
    [
      s.merge.path,
      action((r: ioc.v1.MergeRequest.$Properties, actor) => {
        const id = incidentId(r);
        const others = [...new Set(checkList(r.others, 'others'))];
        if (others.length === 0) throw new InvalidArgumentError('others is empty: name the incidents to merge into this one');
        if (others.includes(id)) throw new InvalidArgumentError(`others contains ${id} itself: an incident cannot be merged into itself`);
        return { kind: 'merge', incidentId: id, actor, others };
      }),
    ],
    [
      s.split.path,
      action((r: ioc.v1.SplitRequest.$Properties, actor) => {
        const alerts = [...new Set(checkList(r.alerts, 'alerts'))];
        if (alerts.length === 0) throw new InvalidArgumentError('alerts is empty: name the fingerprints of the alerts to move to a new incident');
        return { kind: 'split', incidentId: incidentId(r), actor, alerts };
      }),
    ],
    [
      s.setSopStep.path,
      action((r: ioc.v1.SetSopStepRequest.$Properties, actor) => ({
        kind: 'sop-step',
        incidentId: incidentId(r),
        actor,
        step: requireId(r.step, 'step', 'SOP step (its id)'),
        done: r.done ?? false,
      })),
    ],
    [s.listSilences.path, unary(listSilences)],
    [s.createSilence.path, unary(createSilence)],
    [s.expireSilence.path, unary(expireSilence)],
    [s.watch.path, { kind: 'serverStream', handle: watch as MethodHandler['handle'] } as MethodHandler],
    [s.stats.path, unary(stats)],
  ];
}
