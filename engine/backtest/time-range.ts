// The time range of a backtest as people write it on a command line: ISO
// times (`2026-03-01`, `2026-03-01T06:00:00+07:00`), epoch milliseconds, `now`,
// or offsets from now (`-24h`, `-7d`, `-1h30m`). Pure: the clock is passed in.
// Must never accept a range that is empty, reversed or not a real time.

import { InvalidArgumentError } from '../errors/index.ts';
import { parseDuration } from '../rules/index.ts';

/** A half-open event-time range [from, to), epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

/** Earliest time a backtest may start at: the engine refuses events before 2000. */
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * One time: `now`, `-<duration>` (before now), epoch ms, or ISO 8601 (a date
 * alone is midnight UTC; a time without an offset is read as UTC).
 *
 * @example parseTime('-24h', Date.UTC(2026, 0, 2)) === Date.UTC(2026, 0, 1)
 * @throws InvalidArgumentError naming the accepted forms.
 */
export function parseTime(text: string, now: number, what = 'time'): number {
  const s = text.trim();
  let t: number | undefined;
  if (s === 'now') t = now;
  else if (s.startsWith('-')) {
    const ms = parseDuration(s.slice(1));
    if (ms !== undefined) t = now - ms;
  } else if (/^\d{10,15}$/.test(s)) t = Number(s);
  else if (ISO_DATE.test(s)) {
    const iso = s.replace(' ', 'T');
    // A time without an offset is UTC, whatever the machine's time zone.
    t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) || !iso.includes('T') ? iso : iso + 'Z');
  }
  if (t === undefined || !Number.isFinite(t)) {
    throw new InvalidArgumentError(
      `${what} "${text}" is not a time: use ISO 8601 (2026-03-01, 2026-03-01T06:00:00+07:00), epoch milliseconds, now, or an offset like -24h, -7d, -1h30m`,
    );
  }
  if (t < MIN_TIME_MS) throw new InvalidArgumentError(`${what} "${text}" is before 2000; the engine holds no events that old`);
  return t;
}

/**
 * The range [from, to) from two texts.
 *
 * @example parseTimeRange('-24h', 'now', Date.now())
 * @throws InvalidArgumentError when either is not a time or from is not before to.
 */
export function parseTimeRange(from: string, to: string, now: number): TimeRange {
  const range = { from: parseTime(from, now, '--from'), to: parseTime(to, now, '--to') };
  checkTimeRange(range);
  return range;
}

/**
 * Refuses an empty or reversed range, or one with times that are not whole epoch milliseconds.
 * @throws InvalidArgumentError
 */
export function checkTimeRange(r: TimeRange): void {
  for (const [name, v] of [['from', r.from], ['to', r.to]] as const) {
    if (!Number.isSafeInteger(v) || v < MIN_TIME_MS) {
      throw new InvalidArgumentError(`${name} (${v}) must be epoch milliseconds after 2000`);
    }
  }
  if (r.from >= r.to) {
    throw new InvalidArgumentError(`from (${new Date(r.from).toISOString()}) must be before to (${new Date(r.to).toISOString()})`);
  }
}
