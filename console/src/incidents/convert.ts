// Protobuf → view for incident management. The only place in the console that
// reads the generated incident classes; unknown enum values degrade to safe
// defaults rather than throwing into the UI.

import { ioc } from '../../../protos/gen/ioc.js';
import type { Localized, Severity } from '../state/index.ts';
import type {
  AlertRecordView, EvidenceView, IncidentDetailView, IncidentFeedUpdate, IncidentState, IncidentView, SopStepView, TimelineEntryView, TimelineKind,
} from './types.ts';

const { Severity: PS, IncidentState: PI, TimelineKind: PT, AlertState: PA } = ioc.v1;

const severityNames: Record<number, Severity> = { [PS.INFO]: 'info', [PS.MINOR]: 'minor', [PS.MAJOR]: 'major', [PS.CRITICAL]: 'critical' };
const severityValues: Record<Severity, ioc.v1.Severity> = { info: PS.INFO, minor: PS.MINOR, major: PS.MAJOR, critical: PS.CRITICAL };

const stateNames: Record<number, IncidentState> = {
  [PI.INCIDENT_STATE_OPEN]: 'open', [PI.INCIDENT_STATE_ACKNOWLEDGED]: 'acknowledged', [PI.INCIDENT_STATE_RESOLVED]: 'resolved',
};

const kindNames: Record<number, TimelineKind> = {
  [PT.TIMELINE_KIND_OPENED]: 'opened',
  [PT.TIMELINE_KIND_ALERT_ADDED]: 'alert.added',
  [PT.TIMELINE_KIND_ALERT_RESOLVED]: 'alert.resolved',
  [PT.TIMELINE_KIND_ALERT_REFIRED]: 'alert.refired',
  [PT.TIMELINE_KIND_ACKNOWLEDGED]: 'acknowledged',
  [PT.TIMELINE_KIND_ASSIGNED]: 'assigned',
  [PT.TIMELINE_KIND_COMMENTED]: 'commented',
  [PT.TIMELINE_KIND_SEVERITY_CHANGED]: 'severity.changed',
  [PT.TIMELINE_KIND_RESOLVED]: 'resolved',
  [PT.TIMELINE_KIND_REOPENED]: 'reopened',
  [PT.TIMELINE_KIND_MERGED]: 'merged',
  [PT.TIMELINE_KIND_SPLIT]: 'split',
  [PT.TIMELINE_KIND_ESCALATED]: 'escalated',
  [PT.TIMELINE_KIND_SOP_STEP_DONE]: 'sop.step.done',
  [PT.TIMELINE_KIND_SOP_STEP_REOPENED]: 'sop.step.reopened',
  [PT.TIMELINE_KIND_SOP_STEP_OVERDUE]: 'sop.step.overdue',
  [PT.TIMELINE_KIND_NOTIFIED]: 'notified',
};

const alertStates: Record<number, AlertRecordView['state']> = { [PA.PENDING]: 'pending', [PA.FIRING]: 'firing', [PA.RESOLVED]: 'resolved' };

/** The protobuf enum value for a severity, for SetSeverity. */
export function severityToProto(s: Severity): ioc.v1.Severity {
  return severityValues[s];
}

function localized(t: ioc.v1.ILocalizedText | null | undefined): Localized {
  return { vi: t?.vi ?? '', en: t?.en ?? '' };
}

function timelineFromProto(e: ioc.v1.ITimelineEntry): TimelineEntryView {
  return {
    seq: e.seq ?? 0, at: e.at ?? 0, actor: e.actor ?? '', kind: kindNames[e.kind ?? 0] ?? 'other', detail: e.detail ?? '', data: { ...(e.data ?? {}) },
  };
}

function sopFromProto(s: ioc.v1.ISopStep): SopStepView {
  return {
    id: s.id ?? '', title: localized(s.title), owner: s.owner ?? '', dueAt: s.dueAt ?? 0, doneAt: s.doneAt ?? 0, doneBy: s.doneBy ?? '', overdue: s.overdue ?? false,
  };
}

/** An incident as the console shows it. */
export function incidentFromProto(i: ioc.v1.IIncident): IncidentView {
  return {
    id: i.id ?? '', type: i.type ?? '', policy: i.policy ?? '', title: localized(i.title),
    state: stateNames[i.state ?? 0] ?? 'open',
    severity: severityNames[i.severity ?? 0] ?? 'info',
    zones: [...(i.zones ?? [])], groupKey: i.groupKey ?? '', alerts: [...(i.alerts ?? [])],
    openedAt: i.openedAt ?? 0, acknowledgedAt: i.acknowledgedAt ?? 0, acknowledgedBy: i.acknowledgedBy ?? '',
    resolvedAt: i.resolvedAt ?? 0, resolution: i.resolution ?? '', assignee: i.assignee ?? '',
    escalationLevel: i.escalationLevel ?? 0,
    sop: (i.sop ?? []).map(sopFromProto),
    timeline: (i.timeline ?? []).map(timelineFromProto),
  };
}

export function alertRecordFromProto(a: ioc.v1.IAlertRecord): AlertRecordView {
  const view: AlertRecordView = {
    fingerprint: a.fingerprint ?? '', rule: a.rule ?? '', zone: a.zone ?? '', source: a.source ?? '',
    severity: severityNames[a.severity ?? 0] ?? 'info', state: alertStates[a.state ?? 0] ?? 'pending',
    title: localized(a.title), message: localized(a.message),
    eventId: a.eventId ?? '', eventType: a.eventType ?? '', eventTime: a.eventTime ?? 0, startsAt: a.startsAt ?? 0,
    flapping: a.flapping ?? false, silenced: (a.silencedBy ?? []).length > 0, incidentId: a.incidentId ?? '',
    values: { ...(a.values ?? {}) },
  };
  if (a.value != null) view.value = a.value;
  return view;
}

function evidenceFromProto(e: ioc.v1.IEvidence): EvidenceView {
  const view: EvidenceView = {
    eventId: e.eventId ?? '', eventType: e.eventType ?? '', eventTime: e.eventTime ?? 0, source: e.source ?? '', zone: e.zone ?? '',
    fingerprint: e.fingerprint ?? '', rule: e.rule ?? '',
  };
  if (e.value != null) view.value = e.value;
  return view;
}

export function detailFromProto(d: ioc.v1.IIncidentDetail): IncidentDetailView {
  return {
    incident: incidentFromProto(d.incident ?? {}),
    alerts: (d.alerts ?? []).map(alertRecordFromProto),
    evidence: (d.evidence ?? []).map(evidenceFromProto),
  };
}

/** One Watch message; silences and kinds this console does not show become 'other' (they still count in the sequence). */
export function incidentUpdateFromProto(u: ioc.v1.IIncidentUpdate): IncidentFeedUpdate {
  const seq = Number(u.seq ?? 0);
  if (u.incident) return { kind: 'incident', seq, incident: incidentFromProto(u.incident) };
  if (u.removed) return { kind: 'removed', seq, incidentId: u.removed.incidentId ?? '', mergedInto: u.removed.mergedInto ?? '' };
  if (u.alert) return { kind: 'alert', seq, alert: alertRecordFromProto(u.alert) };
  if (u.snapshotEnd) return { kind: 'snapshot-end', seq };
  return { kind: 'other', seq };
}
