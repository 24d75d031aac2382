// Recurring windows ("every night 01:00–03:00 Hanoi time"): a cron expression in
// a time zone opens a window of a fixed length at each tick; overlapping windows
// merge. Pure functions of their inputs: they never read the wall clock, so
// incident management can ask them in virtual time.

import { Cron } from 'croner';
import { InvalidArgumentError } from '../errors/index.ts';

/** A window of `durationMs` that opens at every tick of `cron`, read in `timezone`. */
export interface RecurringWindow {
  /** Five fields (minute hour day-of-month month day-of-week) or `@daily`, `@hourly`, ...; as in Vixie cron, a restricted day-of-month and day-of-week match either. */
  cron: string;
  /** Length of each window, 1 ms to 31 days; windows that overlap merge into one. */
  durationMs: number;
  /** IANA time zone the cron expression is read in (default `Asia/Ho_Chi_Minh`). */
  timezone?: string;
}

export const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';

/** Longest window: longer mutes are one-off silences, and it bounds how far back a tick is looked for. */
export const MAX_DURATION_MS = 31 * 24 * 3_600_000;

/**
 * Windows that keep overlapping are followed this many times at most before
 * `nextChange` gives up (answers `undefined`): an "every minute for 2 minutes"
 * window is in effect always open, and following it tick by tick would never end.
 */
export const MAX_MERGED_WINDOWS = 100;

const CRON_HELP = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 1 * * *" for 01:00 every day';

/**
 * What is wrong with a window, in words an operator can act on, or `undefined` when it is valid.
 * @example checkSchedule({ cron: '0 25 * * *', durationMs: 3_600_000 }) // 'cron "0 25 * * *" is not valid: invalid value for hour: 25 (five fields: ...)'
 */
export function checkSchedule(w: RecurringWindow): string | undefined {
  const problems: string[] = [];
  const timezone = w.timezone ?? DEFAULT_TIMEZONE;
  const timezoneOk = isTimeZone(timezone);
  if (!timezoneOk) problems.push(`timezone ${JSON.stringify(timezone)} is not an IANA time zone name such as "Asia/Ho_Chi_Minh", so the cron expression cannot be read as local time`);
  const cronProblem = checkCron(w.cron, timezoneOk ? timezone : undefined);
  if (cronProblem) problems.push(cronProblem);
  const d = w.durationMs;
  if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0) {
    problems.push(`durationMs must be a whole number of milliseconds above 0 (found ${JSON.stringify(d)}): each window needs a length`);
  } else if (d > MAX_DURATION_MS) {
    problems.push(`durationMs ${d} is longer than 31 days (${MAX_DURATION_MS} ms): for longer periods create a one-off silence instead`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/**
 * Whether `t` (epoch ms) is inside a window: some tick `s` has `s <= t < s + durationMs`.
 * Throws `InvalidArgumentError` (with `checkSchedule`'s message) for an invalid window.
 * @example isActiveAt({ cron: '0 1 * * *', durationMs: 2 * 3_600_000 }, Date.parse('2025-03-10T01:30:00+07:00')) // true
 */
export function isActiveAt(w: RecurringWindow, t: number): boolean {
  return segmentAt(compile(w), checkTime(t)).active;
}

/**
 * The first epoch ms after `t` at which `isActiveAt` changes: when the current
 * (merged) window closes, or when the next one opens. `undefined` when the
 * cron never ticks again, or when windows keep overlapping beyond
 * `MAX_MERGED_WINDOWS` (in effect always open).
 * @example nextChange({ cron: '0 1 * * *', durationMs: 2 * 3_600_000 }, Date.parse('2025-03-10T00:00:00+07:00')) // 01:00 that night
 */
export function nextChange(w: RecurringWindow, t: number): number | undefined {
  const s = segmentAt(compile(w), checkTime(t));
  return s.flips ? s.until : undefined;
}

/** `isActiveAt` is constant (`active`) on [from, until); `flips` says whether it changes at `until`. */
interface Segment {
  from: number;
  until: number;
  active: boolean;
  flips: boolean;
}

interface Compiled {
  cron: Cron;
  durationMs: number;
  /** The last segment computed: callers ask about nearby times over and over (one per alert change). */
  known?: Segment;
}

// Compiled windows by their content. croner 10 builds a time-zone formatter on
// every date conversion (~0.4 ms a tick search), so the segment cache is what
// keeps `isActiveAt` per alert change cheap. Bounded: oldest entries go first.
const compiled = new Map<string, Compiled>();
const MAX_COMPILED = 512;

function compile(w: RecurringWindow): Compiled {
  const timezone = w.timezone ?? DEFAULT_TIMEZONE;
  const key = `${timezone}\n${w.durationMs}\n${w.cron}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const problem = checkSchedule(w);
  if (problem) throw new InvalidArgumentError(problem);
  const entry: Compiled = { cron: new Cron(w.cron, { timezone, mode: '5-part', domAndDow: false }), durationMs: w.durationMs };
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, entry);
  return entry;
}

function segmentAt(c: Compiled, t: number): Segment {
  const k = c.known;
  if (k && k.from <= t && t < k.until) return k;
  c.known = computeSegment(c, t);
  return c.known;
}

function computeSegment(c: Compiled, t: number): Segment {
  const d = c.durationMs;
  // Search forward from t - d rather than back from t: the first tick in (t - d, t] opens a window covering t.
  const first = tickAfter(c.cron, t - d);
  if (first === undefined || first > t) {
    // No tick in (t - d, t], so `first` is also the next tick after t: the next opening.
    return { from: t, until: first ?? Infinity, active: false, flips: first !== undefined };
  }
  let start = first;
  let end = start + d;
  for (let merged = 0; merged < MAX_MERGED_WINDOWS; merged++) {
    // A tick in (start, end] continues the window. Try the later half first, which moves at least d/2 forward,
    // so an "every minute for an hour" window is followed in hour-sized steps, not minute by minute.
    let next = tickAfter(c.cron, end - d / 2);
    if (next === undefined || next > end) next = tickAfter(c.cron, start);
    if (next === undefined || next > end) return { from: t, until: end, active: true, flips: true };
    start = next;
    end = start + d;
  }
  return { from: t, until: end, active: true, flips: false };
}

/** The first tick strictly after `x` (epoch ms). Ticks fall on whole minutes, so flooring `x` to the second changes nothing; it keeps croner's millisecond handling out of the answer. */
function tickAfter(cron: Cron, x: number): number | undefined {
  return cron.nextRun(new Date(Math.floor(x / 1000) * 1000))?.getTime();
}

function checkTime(t: number): number {
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`time must be epoch milliseconds (found ${String(t)})`);
  return t;
}

function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function checkCron(cron: unknown, timezone: string | undefined): string | undefined {
  if (typeof cron !== 'string' || cron.trim() === '') return `cron must be a cron expression (${CRON_HELP})`;
  const text = JSON.stringify(cron);
  const fields = cron.trim().split(/\s+/);
  if (!cron.trim().startsWith('@') && fields.length !== 5) {
    return `cron ${text} has ${fields.length} field${fields.length === 1 ? '' : 's'}; it needs ${CRON_HELP} (no seconds or years)`;
  }
  let parsed: Cron;
  try {
    parsed = new Cron(cron, { timezone, mode: '5-part', domAndDow: false });
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, '');
    return `cron ${text} is not valid: ${reason.charAt(0).toLowerCase()}${reason.slice(1)} (${CRON_HELP})`;
  }
  // Five fields repeat every 400 years, so one search from any fixed date tells whether it ever fires.
  // croner 10 throws rather than answering null for some such patterns (30 February): either way it never fires.
  let fires: boolean;
  try {
    fires = parsed.nextRun(new Date(Date.UTC(2000, 0, 1))) !== null;
  } catch {
    fires = false;
  }
  return fires ? undefined : `cron ${text} never fires: no date matches it (such as 30 February), so the window would never open`;
}
