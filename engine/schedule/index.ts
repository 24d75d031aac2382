// Recurring schedules: maintenance windows given as a cron expression, a time
// zone and a length (silences use them). Pure functions of their inputs; never
// the wall clock, never a timer.
export { checkSchedule, DEFAULT_TIMEZONE, isActiveAt, MAX_DURATION_MS, MAX_MERGED_WINDOWS, nextChange, type RecurringWindow } from './recurring-window.ts';
