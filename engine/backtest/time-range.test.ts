import { describe, expect, it } from 'vitest';
import { parseTime, parseTimeRange } from './time-range.ts';

const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);

describe('parseTime', () => {
  it('reads offsets from now, now, ISO times and epoch milliseconds', () => {
    expect(parseTime('-24h', NOW)).toBe(NOW - 86_400_000);
    expect(parseTime('-1h30m', NOW)).toBe(NOW - 5_400_000);
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('2026-03-01', NOW)).toBe(Date.UTC(2026, 2, 1));
    expect(parseTime('2026-03-01T06:00:00+07:00', NOW)).toBe(Date.UTC(2026, 2, 0, 23));
    expect(parseTime('2026-03-01 06:00', NOW)).toBe(Date.UTC(2026, 2, 1, 6));
    expect(parseTime('2026-03-01T06:00:00.250Z', NOW)).toBe(Date.UTC(2026, 2, 1, 6, 0, 0, 250));
    expect(parseTime(String(NOW), NOW)).toBe(NOW);
  });

  it('refuses what is not a time, and says which forms work', () => {
    expect(() => parseTime('yesterday', NOW, '--from')).toThrow(/--from "yesterday" is not a time: use ISO 8601/);
    expect(() => parseTime('-24x', NOW)).toThrow(/not a time/);
    expect(() => parseTime('2026-13-45', NOW)).toThrow(/not a time/);
    expect(() => parseTime('1999-12-31', NOW)).toThrow(/before 2000/);
  });
});

describe('parseTimeRange', () => {
  it('refuses an empty or reversed range', () => {
    expect(parseTimeRange('-24h', 'now', NOW)).toEqual({ from: NOW - 86_400_000, to: NOW });
    expect(() => parseTimeRange('now', 'now', NOW)).toThrow(/must be before to/);
    expect(() => parseTimeRange('now', '-1h', NOW)).toThrow(/must be before to/);
  });
});
