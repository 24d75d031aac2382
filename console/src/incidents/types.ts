// What the console shows of incident management, in plain shapes decoded from
// `ioc.v1.IncidentUpdate` and `IncidentDetail`. Components and stores use these,
// never the protobuf classes.

import type { Localized, Severity } from '../state/index.ts';

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

export type TimelineKind =
  | 'opened' | 'alert.added' | 'alert.resolved' | 'alert.refired' | 'acknowledged' | 'assigned' | 'commented'
  | 'severity.changed' | 'resolved' | 'reopened' | 'merged' | 'split' | 'escalated'
  | 'sop.step.done' | 'sop.step.reopened' | 'sop.step.overdue' | 'notified' | 'other';

export interface TimelineEntryView {
  seq: number;
  /** Wall-clock time, epoch ms. */
  at: number;
  /** Operator name, or "system". */
  actor: string;
  kind: TimelineKind;
  /** English, from the engine. */
  detail: string;
  data: Record<string, string>;
}

export interface SopStepView {
  id: string;
  title: Localized;
  owner: string;
  dueAt: number;
  /** 0 while not done. */
  doneAt: number;
  doneBy: string;
  overdue: boolean;
}

export interface IncidentView {
  id: string;
  type: string;
  policy: string;
  title: Localized;
  state: IncidentState;
  severity: Severity;
  zones: string[];
  groupKey: string;
  /** Fingerprints, in the order they joined. */
  alerts: string[];
  openedAt: number;
  acknowledgedAt: number;
  acknowledgedBy: string;
  resolvedAt: number;
  resolution: string;
  assignee: string;
  escalationLevel: number;
  sop: SopStepView[];
  /** Empty in List responses; Watch and Get carry it. */
  timeline: TimelineEntryView[];
}

export interface AlertRecordView {
  fingerprint: string;
  rule: string;
  zone: string;
  source: string;
  severity: Severity;
  state: 'pending' | 'firing' | 'resolved';
  title: Localized;
  message: Localized;
  value?: number;
  eventId: string;
  eventType: string;
  eventTime: number;
  startsAt: number;
  flapping: boolean;
  silenced: boolean;
  incidentId: string;
  /** Windowed rules: the aggregates that made it change, by name. */
  values: Record<string, number>;
}

export interface EvidenceView {
  eventId: string;
  eventType: string;
  eventTime: number;
  source: string;
  zone: string;
  value?: number;
  fingerprint: string;
  rule: string;
}

/** What `Incidents/Get` returns: the incident with its timeline, its alerts and the events behind them. */
export interface IncidentDetailView {
  incident: IncidentView;
  alerts: AlertRecordView[];
  evidence: EvidenceView[];
}

/** One message of `Incidents/Watch`: incidents of the snapshot, its end, then changes; `seq` counts from 1 per stream. */
export type IncidentFeedUpdate =
  | { kind: 'incident'; seq: number; incident: IncidentView }
  | { kind: 'removed'; seq: number; incidentId: string; mergedInto: string }
  | { kind: 'alert'; seq: number; alert: AlertRecordView }
  | { kind: 'snapshot-end'; seq: number }
  | { kind: 'other'; seq: number };
