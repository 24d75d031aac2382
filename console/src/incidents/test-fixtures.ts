// Incidents for unit tests: complete views with only what a test cares about given.

import type { AlertRecordView, IncidentView } from './types.ts';

export function incident(part: Partial<IncidentView> & { id: string }): IncidentView {
  return {
    type: 'flood', policy: 'flood', title: { vi: `Ngập ${part.id}`, en: `Flood ${part.id}` }, state: 'open', severity: 'major',
    zones: ['hoan-kiem'], groupKey: '', alerts: [], openedAt: 1_000, acknowledgedAt: 0, acknowledgedBy: '', resolvedAt: 0, resolution: '',
    assignee: '', escalationLevel: 0, sop: [], timeline: [], ...part,
  };
}

export function alertRecord(part: Partial<AlertRecordView> & { fingerprint: string }): AlertRecordView {
  return {
    rule: 'flood.water-level-critical', zone: 'hoan-kiem', source: 'wl-1', severity: 'critical', state: 'firing',
    title: { vi: '', en: '' }, message: { vi: '', en: '' }, eventId: 'e1', eventType: 'water.level', eventTime: 1_000, startsAt: 1_000,
    flapping: false, silenced: false, incidentId: '', values: {}, ...part,
  };
}
