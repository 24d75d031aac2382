import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { checkSchedule, isActiveAt, nextChange, type RecurringWindow } from './recurring-window.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Hanoi wall-clock time (UTC+7 all year) as epoch ms: `hanoi('2025-03-10 01:30')`. */
const hanoi = (local: string) => Date.parse(`${local.replace(' ', 'T')}:00+07:00`);

describe('a nightly window, 01:00–03:00 Hanoi time', () => {
  const pumps: RecurringWindow = { cron: '0 1 * * *', durationMs: 2 * HOUR, timezone: 'Asia/Ho_Chi_Minh' };

  it('is open from 01:00 up to, not including, 03:00', () => {
    expect(isActiveAt(pumps, hanoi('2025-03-10 00:59'))).toBe(false);
    expect(isActiveAt(pumps, hanoi('2025-03-10 01:00'))).toBe(true);
    expect(isActiveAt(pumps, hanoi('2025-03-10 01:30'))).toBe(true);
    expect(isActiveAt(pumps, hanoi('2025-03-10 03:00') - 1)).toBe(true);
    expect(isActiveAt(pumps, hanoi('2025-03-10 03:00'))).toBe(false);
    expect(isActiveAt(pumps, hanoi('2025-03-10 12:00'))).toBe(false);
  });

  it('says when it next opens and closes; 01:00 in Hanoi is 18:00 UTC the day before', () => {
    expect(nextChange(pumps, hanoi('2025-03-10 00:00'))).toBe(Date.parse('2025-03-09T18:00:00Z'));
    expect(nextChange(pumps, hanoi('2025-03-10 01:30'))).toBe(hanoi('2025-03-10 03:00'));
    expect(nextChange(pumps, hanoi('2025-03-10 01:00'))).toBe(hanoi('2025-03-10 03:00'));
    expect(nextChange(pumps, hanoi('2025-03-10 03:00'))).toBe(hanoi('2025-03-11 01:00'));
  });

  it('reads the cron in Hanoi time when no time zone is given, and in the given zone otherwise', () => {
    const { timezone: _, ...noZone } = pumps;
    expect(isActiveAt(noZone, hanoi('2025-03-10 01:30'))).toBe(true);
    const utc = { ...pumps, timezone: 'UTC' };
    expect(isActiveAt(utc, hanoi('2025-03-10 01:30'))).toBe(false);
    expect(isActiveAt(utc, Date.parse('2025-03-10T01:30:00Z'))).toBe(true);
  });

  it('follows daylight saving time where the zone has it', () => {
    const berlin = { ...pumps, timezone: 'Europe/Berlin' };
    expect(nextChange(berlin, Date.parse('2025-01-15T12:00:00Z'))).toBe(Date.parse('2025-01-16T00:00:00Z')); // CET, UTC+1
    expect(nextChange(berlin, Date.parse('2025-07-15T12:00:00Z'))).toBe(Date.parse('2025-07-15T23:00:00Z')); // CEST, UTC+2
  });

  it('gives the same answers whatever order it is asked in', () => {
    const times = [hanoi('2025-03-12 02:00'), hanoi('2025-03-10 01:30'), hanoi('2025-03-11 00:30'), hanoi('2025-03-10 02:59'), hanoi('2025-03-12 02:00')];
    expect(times.map((t) => isActiveAt(pumps, t))).toEqual([true, true, false, true, true]);
    expect(times.map((t) => nextChange(pumps, t))).toEqual([
      hanoi('2025-03-12 03:00'), hanoi('2025-03-10 03:00'), hanoi('2025-03-11 01:00'), hanoi('2025-03-10 03:00'), hanoi('2025-03-12 03:00'),
    ]);
  });
});

describe('a weekday window, 08:00–18:00 Monday to Friday', () => {
  const office: RecurringWindow = { cron: '0 8 * * 1-5', durationMs: 10 * HOUR, timezone: 'Asia/Ho_Chi_Minh' };

  it('skips the weekend', () => {
    expect(isActiveAt(office, hanoi('2025-03-14 09:00'))).toBe(true); // Friday
    expect(isActiveAt(office, hanoi('2025-03-15 09:00'))).toBe(false); // Saturday
    expect(isActiveAt(office, hanoi('2025-03-16 09:00'))).toBe(false); // Sunday
    expect(isActiveAt(office, hanoi('2025-03-17 09:00'))).toBe(true); // Monday
    expect(nextChange(office, hanoi('2025-03-14 18:00'))).toBe(hanoi('2025-03-17 08:00'));
  });
});

describe('windows longer than the time between ticks', () => {
  it('merge into one: weekdays at 08:00 for 25 hours stay open from Monday 08:00 to Saturday 09:00', () => {
    const w: RecurringWindow = { cron: '0 8 * * 1-5', durationMs: 25 * HOUR, timezone: 'Asia/Ho_Chi_Minh' };
    expect(isActiveAt(w, hanoi('2025-03-11 07:59'))).toBe(true);
    expect(nextChange(w, hanoi('2025-03-10 09:00'))).toBe(hanoi('2025-03-15 09:00'));
    expect(nextChange(w, hanoi('2025-03-13 20:00'))).toBe(hanoi('2025-03-15 09:00'));
    expect(isActiveAt(w, hanoi('2025-03-15 09:00'))).toBe(false);
    expect(nextChange(w, hanoi('2025-03-15 09:00'))).toBe(hanoi('2025-03-17 08:00'));
  });

  it('that touch or always overlap never close', () => {
    for (const w of [
      { cron: '0 */2 * * *', durationMs: 2 * HOUR },
      { cron: '0 */6 * * *', durationMs: 7 * HOUR },
      { cron: '* * * * *', durationMs: HOUR },
    ]) {
      for (const t of [hanoi('2025-03-10 00:00'), hanoi('2025-03-10 13:17') + 123]) {
        expect(isActiveAt(w, t), w.cron).toBe(true);
        expect(nextChange(w, t), w.cron).toBeUndefined();
      }
    }
  });
});

describe('agrees with a brute-force reference', () => {
  it('on random windows and times', () => {
    const crons = ['0 1 * * *', '30 8 * * 1-5', '0 */4 * * *', '15 9,17 * * *', '0 0 * * 0', '0 22 * * 5,6'];
    const durations = [60_000, 30 * 60_000, HOUR, 5 * HOUR + 1, 9 * HOUR, DAY, 2 * DAY + 7];
    const from = hanoi('2025-03-01 00:00');
    const refs = new Map<string, ReturnType<typeof reference>>();
    const refOf = (cron: string, durationMs: number) => {
      const key = `${cron} ${durationMs}`;
      if (!refs.has(key)) refs.set(key, reference(cron, durationMs, from - 3 * DAY, from + 40 * DAY));
      return refs.get(key)!;
    };
    fc.assert(fc.property(
      fc.constantFrom(...crons), fc.constantFrom(...durations), fc.integer({ min: 0, max: 20 * DAY }),
      (cron, durationMs, offset) => {
        const t = from + offset;
        const ref = refOf(cron, durationMs);
        expect(isActiveAt({ cron, durationMs }, t)).toBe(ref.activeAt(t));
        expect(nextChange({ cron, durationMs }, t)).toBe(ref.nextChange(t));
      },
    ), { numRuns: 200 });
  }, 60_000); // windows that never close are followed MAX_MERGED_WINDOWS times per question: slow, not timed
});

describe('checkSchedule', () => {
  it('accepts a valid window', () => {
    expect(checkSchedule({ cron: '0 1 * * *', durationMs: 2 * HOUR, timezone: 'Asia/Ho_Chi_Minh' })).toBeUndefined();
    expect(checkSchedule({ cron: '@daily', durationMs: 31 * DAY })).toBeUndefined();
    expect(checkSchedule({ cron: '0 0 29 2 *', durationMs: HOUR })).toBeUndefined();
  });

  it('says what is wrong and why', () => {
    const msg = (w: Partial<RecurringWindow>) => checkSchedule({ cron: '0 1 * * *', durationMs: HOUR, ...w });
    expect(msg({ cron: '0 25 * * *' })).toMatch(/^cron "0 25 \* \* \*" is not valid: invalid value for hour: 25 \(five fields: minute hour/);
    expect(msg({ cron: 'nightly' })).toMatch(/^cron "nightly" has 1 field; it needs five fields/);
    expect(msg({ cron: '0 0 1 * * *' })).toMatch(/has 6 fields.*no seconds or years/);
    expect(msg({ cron: '' })).toMatch(/^cron must be a cron expression/);
    expect(msg({ cron: '0 0 30 2 *' })).toBe('cron "0 0 30 2 *" never fires: no date matches it (such as 30 February), so the window would never open');
    expect(msg({ timezone: 'Mars/Olympus' })).toMatch(/^timezone "Mars\/Olympus" is not an IANA time zone name/);
    expect(msg({ timezone: '+07:00' })).toMatch(/^timezone "\+07:00" is not an IANA time zone name/);
    expect(msg({ durationMs: 0 })).toMatch(/^durationMs must be a whole number of milliseconds above 0 \(found 0\)/);
    expect(msg({ durationMs: -HOUR })).toMatch(/above 0 \(found -3600000\)/);
    expect(msg({ durationMs: 1.5 })).toMatch(/whole number/);
    expect(msg({ durationMs: 31 * DAY + 1 })).toMatch(/longer than 31 days .* one-off silence/);
    expect(msg({ cron: '0 25 * * *', durationMs: 0 })!.split('; ')).toHaveLength(2);
  });

  it('is what isActiveAt and nextChange throw for an invalid window', () => {
    const bad = { cron: '0 1 * * *', durationMs: 0 };
    expect(() => isActiveAt(bad, 0)).toThrow(InvalidArgumentError);
    expect(() => nextChange(bad, 0)).toThrow(checkSchedule(bad)!);
    expect(() => isActiveAt({ cron: '0 1 * * *', durationMs: HOUR }, Number.NaN)).toThrow(/epoch milliseconds/);
  });
});

/** Every tick from `start` to `end` listed one by one, windows merged by hand; no answer past `end`, where it cannot see. */
function reference(cron: string, durationMs: number, start: number, end: number) {
  const c = new Cron(cron, { timezone: 'Asia/Ho_Chi_Minh', mode: '5-part' });
  const runs: Array<[number, number]> = [];
  for (let tick = c.nextRun(new Date(start)); tick && tick.getTime() < end; tick = c.nextRun(tick)) {
    const s = tick.getTime();
    const last = runs.at(-1);
    if (last && s <= last[1]) last[1] = s + durationMs;
    else runs.push([s, s + durationMs]);
  }
  return {
    activeAt: (t: number) => runs.some(([s, e]) => s <= t && t < e),
    nextChange: (t: number) => {
      const x = runs.flat().find((x) => x > t);
      return x !== undefined && x < end ? x : undefined;
    },
  };
}
