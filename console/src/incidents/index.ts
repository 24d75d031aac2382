// Incident management in the console: the store fed by Incidents/Watch (with the
// open incidents per zone for the map), the desk with its queue, detail and alarm.
export { grpcWebIncidents, IncidentActionError, type IncidentAction, type IncidentsApi } from './client.ts';
export { IncidentDesk, type IncidentDeskSnapshot } from './incident-desk.ts';
export { incidentFeed, type IncidentFeedOptions } from './incident-feed.ts';
export { IncidentStore, type IncidentChange, type IncidentListener, type ZoneListener } from './incident-store.ts';
export type { SoundState, SoundStatus } from './sound.ts';
export type { AlertRecordView, IncidentDetailView, IncidentFeedUpdate, IncidentState, IncidentView } from './types.ts';
