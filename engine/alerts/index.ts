// Alerts: their shape and identity. State changes come from engine/runtime;
// publishing and storing them is the pipeline's job. No I/O here.
export { alertMessageId, alertSubject, severities, severityRank, type Alert, type AlertState, type LocalizedText, type Severity } from './alert.ts';
export { fingerprintOf, type AlertRule, type RuleIndex } from './rule.ts';
