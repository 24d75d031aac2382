// The alert as it leaves the engine: JSON on `ioc.alerts.<severity>.<rule>`,
// `ioc.v1.Alert` over gRPC, a row in ClickHouse. One shape for all three.

export const severities = ['info', 'minor', 'major', 'critical'] as const;
export type Severity = (typeof severities)[number];

export type AlertState = 'pending' | 'firing' | 'resolved';

/** Text in the operations center's languages. */
export interface LocalizedText {
  vi: string;
  en: string;
}

export interface Alert {
  /** Stable identity: hash of rule id and group key. */
  fingerprint: string;
  rule: string;
  /** Group key values joined with "|" (by default the event source). */
  key: string;
  state: AlertState;
  severity: Severity;
  title: LocalizedText;
  message: LocalizedText;
  zone: string;
  source: string;
  value?: number;
  /** Windowed rules: the aggregates that made it fire or resolve, by name (`{ avg: 162.4, n: 12 }`). */
  values?: Record<string, number>;
  eventId: string;
  eventType: string;
  /** Event time the alert started firing, epoch ms. */
  startsAt: number;
  /** Event time it resolved, epoch ms; 0 while firing. */
  endsAt: number;
  /** Event time of the event that caused this state, epoch ms. */
  eventTime: number;
  /** Wall-clock time the engine emitted this state, epoch ms. */
  emittedAt: number;
  /** From a rule in `mode: shadow`: recorded, never published or notified. */
  shadow?: boolean;
}

const RANKS: Record<Severity, number> = Object.fromEntries(severities.map((s, i) => [s, i + 1])) as Record<Severity, number>;

/** Higher is worse; `undefined` (no alert) ranks below `info`. */
export function severityRank(s: Severity | undefined): number {
  return s === undefined ? 0 : (RANKS[s] ?? 0);
}

/** The NATS subject an alert is published on. */
export function alertSubject(a: Pick<Alert, 'severity' | 'rule'>): string {
  return `ioc.alerts.${a.severity}.${a.rule}`;
}

/**
 * JetStream de-duplication id: one message per fingerprint, state, start and
 * causing event, however often it is replayed (a replay re-reads the same
 * events). The event keeps apart an alert that fires, resolves and fires again
 * within one millisecond of event time, which would otherwise share an id and
 * lose the second firing.
 */
export function alertMessageId(a: Pick<Alert, 'fingerprint' | 'state' | 'startsAt' | 'eventId'>): string {
  return `${a.fingerprint}:${a.state}:${a.startsAt}:${a.eventId}`;
}
