// Conversions between the engine's types and the ioc.v1 protobuf messages.
// The only place that knows both shapes.

import { ioc } from '../../protos/gen/ioc.js';
import type { Alert, AlertState, LocalizedText, Severity } from '../alerts/index.ts';
import type { IncidentUpdate } from '../incidents/index.ts';
import type { AlertRecord, Incident, IncidentState, Matchers, Silence, SopStepState, TimelineEntry, TimelineKind } from '../incidents/index.ts';
import type { LiveUpdate, SensorState } from '../live/index.ts';
import type { IncidentStat } from './incidents.ts';

const severityToProto: Record<Severity, ioc.v1.Severity> = {
  info: ioc.v1.Severity.INFO,
  minor: ioc.v1.Severity.MINOR,
  major: ioc.v1.Severity.MAJOR,
  critical: ioc.v1.Severity.CRITICAL,
};

const stateToProto: Record<AlertState, ioc.v1.AlertState> = {
  pending: ioc.v1.AlertState.PENDING,
  firing: ioc.v1.AlertState.FIRING,
  resolved: ioc.v1.AlertState.RESOLVED,
};

export function severityFromProto(s: ioc.v1.Severity): Severity | undefined {
  return (Object.keys(severityToProto) as Severity[]).find((k) => severityToProto[k] === s);
}

export function alertToProto(a: Alert): ioc.v1.Alert {
  return ioc.v1.Alert.create({
    fingerprint: a.fingerprint,
    rule: a.rule,
    key: a.key,
    state: stateToProto[a.state],
    severity: severityToProto[a.severity],
    title: a.title,
    message: a.message,
    zone: a.zone,
    source: a.source,
    ...(a.value !== undefined ? { value: a.value } : {}),
    values: a.values ?? {},
    eventId: a.eventId,
    eventType: a.eventType,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    eventTime: a.eventTime,
    emittedAt: a.emittedAt,
  });
}

export function sensorToProto(s: SensorState): ioc.v1.SensorState {
  return ioc.v1.SensorState.create({
    source: s.source,
    type: s.type,
    ...(s.lat !== undefined ? { lat: s.lat, lon: s.lon } : {}),
    zone: s.zone,
    ...(s.value !== undefined ? { value: s.value } : {}),
    unit: s.unit,
    time: s.time,
    severity: s.severity ? severityToProto[s.severity] : ioc.v1.Severity.SEVERITY_UNSPECIFIED,
  });
}

export function liveUpdateToProto(u: LiveUpdate): ioc.v1.ConsoleUpdate {
  return u.kind === 'sensor'
    ? ioc.v1.ConsoleUpdate.create({ seq: u.seq, sensor: sensorToProto(u.sensor) })
    : ioc.v1.ConsoleUpdate.create({ seq: u.seq, alert: alertToProto(u.alert) });
}

// Incidents. Proto3 cannot tell 0, "" or an unspecified enum from "not set", so
// optional model fields travel as those values and come back as absent.

const incidentStateToProto: Record<IncidentState, ioc.v1.IncidentState> = {
  open: ioc.v1.IncidentState.INCIDENT_STATE_OPEN,
  acknowledged: ioc.v1.IncidentState.INCIDENT_STATE_ACKNOWLEDGED,
  resolved: ioc.v1.IncidentState.INCIDENT_STATE_RESOLVED,
};

const timelineKindToProto: Record<TimelineKind, ioc.v1.TimelineKind> = {
  opened: ioc.v1.TimelineKind.TIMELINE_KIND_OPENED,
  'alert.added': ioc.v1.TimelineKind.TIMELINE_KIND_ALERT_ADDED,
  'alert.resolved': ioc.v1.TimelineKind.TIMELINE_KIND_ALERT_RESOLVED,
  'alert.refired': ioc.v1.TimelineKind.TIMELINE_KIND_ALERT_REFIRED,
  acknowledged: ioc.v1.TimelineKind.TIMELINE_KIND_ACKNOWLEDGED,
  assigned: ioc.v1.TimelineKind.TIMELINE_KIND_ASSIGNED,
  commented: ioc.v1.TimelineKind.TIMELINE_KIND_COMMENTED,
  'severity.changed': ioc.v1.TimelineKind.TIMELINE_KIND_SEVERITY_CHANGED,
  resolved: ioc.v1.TimelineKind.TIMELINE_KIND_RESOLVED,
  reopened: ioc.v1.TimelineKind.TIMELINE_KIND_REOPENED,
  merged: ioc.v1.TimelineKind.TIMELINE_KIND_MERGED,
  split: ioc.v1.TimelineKind.TIMELINE_KIND_SPLIT,
  escalated: ioc.v1.TimelineKind.TIMELINE_KIND_ESCALATED,
  'sop.step.done': ioc.v1.TimelineKind.TIMELINE_KIND_SOP_STEP_DONE,
  'sop.step.reopened': ioc.v1.TimelineKind.TIMELINE_KIND_SOP_STEP_REOPENED,
  'sop.step.overdue': ioc.v1.TimelineKind.TIMELINE_KIND_SOP_STEP_OVERDUE,
  notified: ioc.v1.TimelineKind.TIMELINE_KIND_NOTIFIED,
};

/** The key of `table` whose value is `v`, if any (enums from the wire may hold numbers we do not know). */
function keyOf<K extends string, V>(table: Record<K, V>, v: V | null | undefined): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === v);
}

export function incidentStateFromProto(s: ioc.v1.IncidentState): IncidentState | undefined {
  return keyOf(incidentStateToProto, s);
}

const text = (t: ioc.v1.LocalizedText.$Properties | null | undefined): LocalizedText => ({ vi: t?.vi ?? '', en: t?.en ?? '' });
/** Present only when set: 0 and "" are proto3's "absent". */
const some = <T>(v: T | null | undefined): T | undefined => (v === null || v === undefined || v === 0 || v === '' ? undefined : v);

function timelineToProto(e: TimelineEntry): ioc.v1.TimelineEntry.$Properties {
  return { seq: e.seq, at: e.at, actor: e.actor, kind: timelineKindToProto[e.kind], detail: e.detail, data: e.data ?? {} };
}

function sopStepToProto(s: SopStepState): ioc.v1.SopStep.$Properties {
  return { id: s.id, title: s.title, owner: s.owner, dueAt: s.dueAt, doneAt: s.doneAt ?? 0, doneBy: s.doneBy ?? '', overdue: s.overdue };
}

/**
 * An incident as sent over gRPC. `withTimeline: false` leaves the timeline out
 * (List pages stay small; Get and Watch carry it).
 * @example ioc.v1.Incident.encode(incidentToProto(incident)).finish()
 */
export function incidentToProto(i: Incident, opts: { withTimeline?: boolean } = {}): ioc.v1.Incident {
  return ioc.v1.Incident.create({
    id: i.id,
    type: i.type,
    policy: i.policy,
    title: i.title,
    state: incidentStateToProto[i.state],
    severity: severityToProto[i.severity],
    severityOverride: i.severityOverride ? severityToProto[i.severityOverride] : ioc.v1.Severity.SEVERITY_UNSPECIFIED,
    zones: i.zones,
    groupKey: i.groupKey,
    alerts: i.alerts,
    openedAt: i.openedAt,
    acknowledgedAt: i.acknowledgedAt ?? 0,
    acknowledgedBy: i.acknowledgedBy ?? '',
    resolvedAt: i.resolvedAt ?? 0,
    resolution: i.resolution ?? '',
    assignee: i.assignee ?? '',
    lastAlertAt: i.lastAlertAt,
    escalationLevel: i.escalationLevel,
    sop: i.sop.map(sopStepToProto),
    notifiedAt: i.notifiedAt,
    pendingUpdate: i.pendingUpdate,
    timeline: opts.withTimeline === false ? [] : i.timeline.map(timelineToProto),
  });
}

/** Drops the keys whose value is undefined: the model leaves absent fields out (they travel as JSON). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The model incident back from its protobuf form (for clients and tests written in TypeScript). */
export function incidentFromProto(p: ioc.v1.Incident.$Properties): Incident {
  return compact<Incident>({
    id: p.id ?? '',
    type: p.type ?? '',
    policy: p.policy ?? '',
    title: text(p.title),
    state: incidentStateFromProto(p.state ?? 0) ?? 'open',
    severity: severityFromProto(p.severity ?? 0) ?? 'info',
    severityOverride: severityFromProto(p.severityOverride ?? 0),
    zones: p.zones ?? [],
    groupKey: p.groupKey ?? '',
    alerts: p.alerts ?? [],
    openedAt: p.openedAt ?? 0,
    acknowledgedAt: some(p.acknowledgedAt),
    acknowledgedBy: some(p.acknowledgedBy),
    resolvedAt: some(p.resolvedAt),
    resolution: some(p.resolution),
    assignee: some(p.assignee),
    lastAlertAt: p.lastAlertAt ?? 0,
    escalationLevel: p.escalationLevel ?? 0,
    sop: (p.sop ?? []).map((s) =>
      compact<SopStepState>({
        id: s.id ?? '',
        title: text(s.title),
        owner: s.owner ?? '',
        dueAt: s.dueAt ?? 0,
        doneAt: some(s.doneAt),
        doneBy: some(s.doneBy),
        overdue: s.overdue ?? false,
      }),
    ),
    notifiedAt: p.notifiedAt ?? 0,
    pendingUpdate: p.pendingUpdate ?? false,
    timeline: (p.timeline ?? []).map((e) =>
      compact<TimelineEntry>({
        seq: e.seq ?? 0,
        at: e.at ?? 0,
        actor: e.actor ?? '',
        kind: keyOf(timelineKindToProto, e.kind) ?? 'commented',
        detail: e.detail ?? '',
        data: e.data && Object.keys(e.data).length > 0 ? { ...e.data } : undefined,
      }),
    ),
  });
}

export function alertRecordToProto(a: AlertRecord): ioc.v1.AlertRecord {
  return ioc.v1.AlertRecord.create({
    fingerprint: a.fingerprint,
    rule: a.rule,
    family: a.family,
    key: a.key,
    zone: a.zone,
    source: a.source,
    severity: severityToProto[a.severity],
    state: stateToProto[a.state],
    title: a.title,
    message: a.message,
    ...(a.value !== undefined ? { value: a.value } : {}),
    values: a.values ?? {},
    eventId: a.eventId,
    eventType: a.eventType,
    eventTime: a.eventTime,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    recentStarts: a.recentStarts,
    flapping: a.flapping,
    silencedBy: a.silencedBy,
    inhibitedBy: a.inhibitedBy,
    incidentId: a.incidentId ?? '',
    updatedAt: a.updatedAt,
  });
}

/** The events behind the alerts' latest states, newest first, each event once. */
export function evidenceOf(alerts: readonly AlertRecord[]): ioc.v1.Evidence[] {
  const seen = new Set<string>();
  const out: ioc.v1.Evidence[] = [];
  for (const a of [...alerts].sort((x, y) => y.eventTime - x.eventTime)) {
    if (a.eventId === '' || seen.has(`${a.source}\u0000${a.eventId}`)) continue;
    seen.add(`${a.source}\u0000${a.eventId}`);
    out.push(
      ioc.v1.Evidence.create({
        eventId: a.eventId,
        eventType: a.eventType,
        eventTime: a.eventTime,
        source: a.source,
        zone: a.zone,
        ...(a.value !== undefined ? { value: a.value } : {}),
        fingerprint: a.fingerprint,
        rule: a.rule,
      }),
    );
  }
  return out;
}

function matchersToProto(m: Matchers): ioc.v1.Matchers.$Properties {
  return {
    rules: m.rules ?? [],
    zones: m.zones ?? [],
    sources: m.sources ?? [],
    severities: (m.severities ?? []).map((s) => severityToProto[s]),
    labels: m.labels ?? {},
  };
}

/**
 * Matchers from the wire; empty lists are left out (they match anything).
 * Unknown severities are dropped: callers that must refuse them check first.
 */
export function matchersFromProto(p: ioc.v1.Matchers.$Properties | null | undefined): Matchers {
  const m: Matchers = {};
  if (p?.rules?.length) m.rules = [...p.rules];
  if (p?.zones?.length) m.zones = [...p.zones];
  if (p?.sources?.length) m.sources = [...p.sources];
  const severities = (p?.severities ?? []).map(severityFromProto).filter((s): s is Severity => s !== undefined);
  if (severities.length) m.severities = severities;
  if (p?.labels && Object.keys(p.labels).length) m.labels = { ...p.labels };
  return m;
}

export function silenceToProto(s: Silence): ioc.v1.Silence {
  return ioc.v1.Silence.create({
    id: s.id,
    matchers: matchersToProto(s.matchers),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    ...(s.schedule ? { schedule: { cron: s.schedule.cron, durationMs: s.schedule.durationMs, timezone: s.schedule.timezone } } : {}),
    createdBy: s.createdBy,
    reason: s.reason,
    createdAt: s.createdAt,
    expiredAt: s.expiredAt ?? 0,
  });
}

/** The model silence back from its protobuf form (for clients and tests written in TypeScript). */
export function silenceFromProto(p: ioc.v1.Silence.$Properties): Silence {
  return compact<Silence>({
    id: p.id ?? '',
    matchers: matchersFromProto(p.matchers),
    startsAt: p.startsAt ?? 0,
    endsAt: p.endsAt ?? 0,
    schedule: p.schedule ? { cron: p.schedule.cron ?? '', durationMs: p.schedule.durationMs ?? 0, timezone: p.schedule.timezone ?? '' } : undefined,
    createdBy: p.createdBy ?? '',
    reason: p.reason ?? '',
    createdAt: p.createdAt ?? 0,
    expiredAt: some(p.expiredAt),
  });
}

/** One Watch message; `seq` counts the messages of that stream. */
export function incidentUpdateToProto(u: IncidentUpdate, seq: number): ioc.v1.IncidentUpdate {
  switch (u.kind) {
    case 'incident':
      return ioc.v1.IncidentUpdate.create({ seq, incident: incidentToProto(u.incident) });
    case 'incident.removed':
      return ioc.v1.IncidentUpdate.create({ seq, removed: { incidentId: u.incidentId, mergedInto: u.mergedInto } });
    case 'alert':
      return ioc.v1.IncidentUpdate.create({ seq, alert: alertRecordToProto(u.alert) });
    case 'silence':
      return ioc.v1.IncidentUpdate.create({ seq, silence: silenceToProto(u.silence) });
  }
}

export function incidentStatToProto(s: IncidentStat): ioc.v1.IncidentStat {
  return ioc.v1.IncidentStat.create({
    type: s.type,
    zone: s.zone,
    incidents: s.incidents,
    acknowledged: s.acknowledged,
    resolved: s.resolved,
    // Unset rather than 0 when there is no mean: 0 ms would be a real (and alarming) answer.
    ...(s.mttaMs !== null ? { mttaMs: Math.round(s.mttaMs) } : {}),
    ...(s.mttrMs !== null ? { mttrMs: Math.round(s.mttrMs) } : {}),
  });
}
