// Alerts: their shape, identity and state changes. Publishing and storing them
// is the pipeline's job; this folder never does I/O.
export { alertMessageId, alertSubject, severities, severityRank, type Alert, type AlertState, type LocalizedText, type Severity } from './alert.ts';
export { AlertTracker, fingerprintOf, type AlertRule, type RuleIndex, type TrackerOptions } from './tracker.ts';
