// Input checks shared by the query methods: ranges, names, lists, steps,
// counts, time zones. Each failure is an InvalidArgumentError that says what
// to change. Names are checked for size only: they reach SQL as escaped
// literals (sql-escape), never as text.

import { InvalidArgumentError } from '../errors/index.ts';
import { MIN_STEP_MS } from './resolution.ts';

/** Longest range any query may cover. */
export const MAX_RANGE_DAYS = 400;
export const MAX_RANGE_MS = MAX_RANGE_DAYS * 24 * 3600_000;
/** Most entries Top returns, and most names in one list (zones, rules, types). */
export const MAX_ENTRIES = 1000;
export const DEFAULT_TOP = 10;
/** Longest type, zone, source or rule name, in UTF-16 units (ids are short; this stops pasted documents). */
export const MAX_NAME_LENGTH = 256;

/**
 * Checks a [from, to) range of epoch ms: integers, from < to, at most 400 days.
 * @example checkRange(Date.now() - 3600_000, Date.now())
 */
export function checkRange(from: number, to: number): void {
  for (const [field, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`${field} is ${v}: give epoch milliseconds (a non-negative integer)`);
  }
  if (from >= to) throw new InvalidArgumentError(`from (${from}) must be before to (${to})`);
  if (to - from > MAX_RANGE_MS) {
    throw new InvalidArgumentError(`the range is ${((to - from) / 86_400_000).toFixed(1)} days; the most is ${MAX_RANGE_DAYS}: split it into several requests`);
  }
}

/** A required name (type, zone, source, rule): not blank, not huge. */
export function checkName(value: string | null | undefined, field: string, what: string): string {
  const v = value ?? '';
  if (v.trim() === '') throw new InvalidArgumentError(`${field} is empty: name the ${what}`);
  if (v.length > MAX_NAME_LENGTH) throw new InvalidArgumentError(`${field} is ${v.length} characters long; the most is ${MAX_NAME_LENGTH}`);
  return v;
}

/** An optional name: empty means "none". */
export function optionalName(value: string | null | undefined, field: string): string | undefined {
  return value ? checkName(value, field, field) : undefined;
}

/** A list of names, each checked, at most 1000; duplicates dropped. Empty means "all" to the callers. */
export function checkNames(values: readonly string[] | null | undefined, field: string): string[] {
  const list = values ?? [];
  if (list.length > MAX_ENTRIES) throw new InvalidArgumentError(`${field} has ${list.length} entries; the most is ${MAX_ENTRIES}`);
  return [...new Set(list.map((v, i) => checkName(v, `${field}[${i}]`, 'entry (or leave it out)')))];
}

/** A series step: 0 (choose) or at least 1 s, at most the longest range. */
export function checkStep(stepMs: number): number {
  if (!Number.isSafeInteger(stepMs) || stepMs < 0) throw new InvalidArgumentError(`step_ms is ${stepMs}: give milliseconds, or 0 to let the server choose`);
  if (stepMs !== 0 && stepMs < MIN_STEP_MS) throw new InvalidArgumentError(`step_ms is ${stepMs}; the smallest step is ${MIN_STEP_MS} (1 s)`);
  if (stepMs > MAX_RANGE_MS) throw new InvalidArgumentError(`step_ms is ${stepMs}; the largest step is ${MAX_RANGE_MS} (${MAX_RANGE_DAYS} days)`);
  return stepMs;
}

/** How many Top entries: 0 means 10; at most 1000. */
export function checkTopLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`limit is ${limit}: give a count, or 0 for ${DEFAULT_TOP}`);
  if (limit > MAX_ENTRIES) throw new InvalidArgumentError(`limit is ${limit}; the most is ${MAX_ENTRIES}`);
  return limit === 0 ? DEFAULT_TOP : limit;
}

const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** An IANA time zone name ('' means UTC). ClickHouse and Intl must both know it; Intl is asked here. */
export function checkTimeZone(tz: string | null | undefined): string {
  const name = tz || 'UTC';
  let known = TIME_ZONE.test(name);
  if (known) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
    } catch {
      known = false;
    }
  }
  if (!known) throw new InvalidArgumentError(`time_zone ${JSON.stringify(name.slice(0, 80))} is not an IANA time zone (e.g. "Asia/Ho_Chi_Minh", or empty for UTC)`);
  return name;
}

/** An instant in epoch ms ('at'); 0 or absent means now. */
export function checkInstant(at: number | undefined, field: string, now: () => number): number {
  if (at === undefined || at === 0) return now();
  if (!Number.isSafeInteger(at) || at < 0) throw new InvalidArgumentError(`${field} is ${at}: give epoch milliseconds, or 0 for now`);
  return at;
}

/**
 * A lookback in ms: 0 or absent means `fallback`; at least 1 s, at most `max`.
 * @example checkLookback(0, 'lookback_ms', 3600_000, 86_400_000) // 3600000
 */
export function checkLookback(ms: number | undefined, field: string, fallback: number, max: number): number {
  if (ms === undefined || ms === 0) return fallback;
  if (!Number.isSafeInteger(ms) || ms < MIN_STEP_MS) throw new InvalidArgumentError(`${field} is ${ms}: give at least ${MIN_STEP_MS} ms, or 0 for ${fallback}`);
  if (ms > max) throw new InvalidArgumentError(`${field} is ${ms}; the most is ${max} ms: look at a later instant instead`);
  return ms;
}
