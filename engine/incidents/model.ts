// The shapes of incident management: alert records as operators see them,
// incidents with their timeline, silences, operator actions, the history rows
// appended to ClickHouse and the notification requests handed to receivers.
// Plain data only (JSON-safe): they are stored in NATS KV and sent over gRPC.

import type { AlertState, LocalizedText, Severity } from '../alerts/index.ts';

/** An alert as incident management tracks it (one per fingerprint). */
export interface AlertRecord {
  fingerprint: string;
  rule: string;
  /** Rule family: the rule id up to its first dot (`flood.rain-then-rise` → `flood`). */
  family: string;
  key: string;
  zone: string;
  source: string;
  severity: Severity;
  state: AlertState;
  title: LocalizedText;
  message: LocalizedText;
  value?: number;
  /** Evidence of windowed rules: the aggregates that made it change, by name. */
  values?: Record<string, number>;
  /** Evidence: the event that caused the latest state (linkable to `events` by id). */
  eventId: string;
  eventType: string;
  eventTime: number;
  /** Event time it started firing, epoch ms. */
  startsAt: number;
  /** Event time it resolved, 0 while firing. */
  endsAt: number;
  /** Wall-clock times of its recent firing starts (flapping detection), newest last. */
  recentStarts: number[];
  flapping: boolean;
  /** Ids of the silences muting it now (recorded and visible, never hidden). */
  silencedBy: string[];
  /** Fingerprints or incident ids of what inhibits it now. */
  inhibitedBy: string[];
  incidentId?: string;
  /** Wall-clock time of its last change. */
  updatedAt: number;
}

export type IncidentState = 'open' | 'acknowledged' | 'resolved';

export type TimelineKind =
  | 'opened'
  | 'alert.added'
  | 'alert.resolved'
  | 'alert.refired'
  | 'acknowledged'
  | 'assigned'
  | 'commented'
  | 'severity.changed'
  | 'resolved'
  | 'reopened'
  | 'merged'
  | 'split'
  | 'escalated'
  | 'sop.step.done'
  | 'sop.step.reopened'
  | 'sop.step.overdue'
  | 'notified';

/** One audited change of an incident: who, when, what. */
export interface TimelineEntry {
  /** Increases by one per incident. */
  seq: number;
  /** Wall-clock time, epoch ms. */
  at: number;
  /** Operator name, or `system` for the engine's own changes. */
  actor: string;
  kind: TimelineKind;
  /** Human-readable what, in English (e.g. "assigned to team drainage"). */
  detail: string;
  /** Structured detail: alert fingerprint, old/new severity, step id, ... */
  data?: Record<string, string>;
}

export interface SopStepState {
  id: string;
  title: LocalizedText;
  owner: string;
  /** Wall-clock due time, epoch ms (opened + step due). */
  dueAt: number;
  doneAt?: number;
  doneBy?: string;
  /** Set once the step has been escalated as overdue. */
  overdue: boolean;
}

export interface Incident {
  id: string;
  /** Incident type from the policy, e.g. `flood`. */
  type: string;
  policy: string;
  title: LocalizedText;
  state: IncidentState;
  /** Worst open alert, raised by escalation or set by an operator. */
  severity: Severity;
  /** An operator's explicit severity; wins over the alerts' until cleared. */
  severityOverride?: Severity;
  zones: string[];
  /** Grouping key of the policy (e.g. the zone), for display and routing. */
  groupKey: string;
  /** Fingerprints of its alerts, in the order they joined. */
  alerts: string[];
  openedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  resolution?: string;
  assignee?: string;
  /** Latest alert event time: later alerts within the policy span join it. */
  lastAlertAt: number;
  escalationLevel: number;
  sop: SopStepState[];
  /** Wall-clock time of the first notification (after groupWait), 0 before it. */
  notifiedAt: number;
  /** Set when alerts joined after the last notification (sent after groupInterval). */
  pendingUpdate: boolean;
  timeline: TimelineEntry[];
}

export interface Matchers {
  /** Rule ids or globs (`flood.*`). Empty or absent: any. */
  rules?: string[];
  zones?: string[];
  sources?: string[];
  severities?: Severity[];
  /** Other alert fields by name (`family`, `eventType`, `key`), exact or glob. */
  labels?: Record<string, string>;
}

export interface Silence {
  id: string;
  matchers: Matchers;
  /** Epoch ms; a one-off silence is active in [startsAt, endsAt). */
  startsAt: number;
  endsAt: number;
  /** Recurring: a cron expression (in `timezone`) that opens a window of `durationMs`, within [startsAt, endsAt). */
  schedule?: { cron: string; durationMs: number; timezone: string };
  createdBy: string;
  reason: string;
  createdAt: number;
  /** Set when an operator expires it early. */
  expiredAt?: number;
}

/** What an operator does; every action names who. */
export type OperatorAction =
  | { kind: 'acknowledge'; incidentId: string; actor: string }
  | { kind: 'assign'; incidentId: string; actor: string; assignee: string }
  | { kind: 'comment'; incidentId: string; actor: string; text: string }
  | { kind: 'set-severity'; incidentId: string; actor: string; severity: Severity }
  | { kind: 'resolve'; incidentId: string; actor: string; note: string }
  | { kind: 'reopen'; incidentId: string; actor: string; reason: string }
  | { kind: 'merge'; incidentId: string; actor: string; others: string[] }
  | { kind: 'split'; incidentId: string; actor: string; alerts: string[] }
  | { kind: 'sop-step'; incidentId: string; actor: string; step: string; done: boolean };

/** A row of `incident_events` in ClickHouse: one timeline entry with the incident's state after it. */
export interface IncidentEventRow {
  incidentId: string;
  seq: number;
  at: number;
  actor: string;
  kind: TimelineKind;
  detail: string;
  /** JSON of TimelineEntry.data ("{}" when none). */
  data: string;
  type: string;
  severity: Severity;
  state: IncidentState;
  zones: string[];
  openedAt: number;
}

/** A row of `alert_events` in ClickHouse: one alert state change as incident management saw it. */
export interface AlertEventRow {
  fingerprint: string;
  rule: string;
  zone: string;
  source: string;
  severity: Severity;
  state: AlertState;
  startsAt: number;
  endsAt: number;
  value?: number;
  eventId: string;
  incidentId: string;
  silenced: boolean;
  inhibited: boolean;
  flapping: boolean;
  /** Wall-clock time of the change. */
  at: number;
}

/** Why a notification is sent. */
export type NotificationReason = 'opened' | 'updated' | 'escalated' | 'sop.overdue' | 'resolved' | 'reopened';

/** A notification decided by incident management, delivered by engine/notify. */
export interface NotificationRequest {
  /** Stable id: the same decision always has the same id (receivers de-duplicate on it). */
  id: string;
  receiver: string;
  reason: NotificationReason;
  incidentId: string;
  /** Values for the receiver's templates: incident fields, flattened to strings. */
  vars: Record<string, string>;
  /** Wall-clock time it was decided. */
  createdAt: number;
}

/** One delivery attempt, appended to ClickHouse `notification_deliveries`. */
export interface DeliveryAttempt {
  notificationId: string;
  receiver: string;
  incidentId: string;
  attempt: number;
  at: number;
  ok: boolean;
  /** HTTP status, `published`, or the error. */
  detail: string;
}
