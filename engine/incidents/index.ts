// Incident management: alerts grouped into incidents that operators work
// (acknowledge, assign, comment, resolve), with silences, inhibition,
// escalation, SOPs and notifications, all driven by `rules/policies/*.yaml`.
// Code outside this folder imports only from here.
export type { IncidentFilter, IncidentsApi, IncidentUpdate, NewSilence } from './api.ts';
export { IncidentManager, MAX_TEXT, MAX_TIMELINE, type Effects, type ManagerOptions, type ManagerState } from './manager.ts';
export { compileMatchers, matchesEverything } from './matchers.ts';
export type * from './model.ts';
export { compilePolicySources, defaultPolicy, emptyPolicySet, loadPolicyDir, type PolicyLoadResult, type PolicySet } from './policy-loader.ts';
export { policyFileSchema } from './policy-schema.ts';
export { IncidentService, type IncidentServiceOptions, type NotificationSink } from './service.ts';
