// The time cursor: one slider over the last 24 hours, and the state that tells
// "live" from "as it was at T".
export { queriesAt, openIncidentsIn, worstByZone, type CountedIncident, type IncidentsAtInstant } from './kpis-at.ts';
export { grpcWebIncidentsAt, grpcWebPast, type FetchIncidentsAt } from './past-client.ts';
export { CURSOR_SPAN_MS, TimeTravel, type FetchPast, type PastIncident, type PastView, type TimeView } from './time-travel.ts';
export { TimeCursor } from './time-cursor.ts';
export { commonType, TimeCursorController, type TimeCursorOptions } from './time-cursor-controller.ts';
