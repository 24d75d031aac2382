import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { checkInstant, checkName, checkNames, checkRange, checkStep, checkTimeZone, checkTopLimit, MAX_RANGE_MS } from './checks.ts';

describe('query input checks', () => {
  it('accepts a range with from < to of at most 400 days', () => {
    expect(() => checkRange(0, 1)).not.toThrow();
    expect(() => checkRange(5, MAX_RANGE_MS + 5)).not.toThrow();
  });

  it.each([
    [10, 10, /from \(10\) must be before to \(10\)/],
    [11, 10, /must be before/],
    [-1, 10, /from is -1/],
    [0, 1.5, /to is 1.5/],
    [0, Number.NaN, /to is NaN/],
    [0, MAX_RANGE_MS + 1, /400.0 days; the most is 400: split it/],
  ])('refuses the range [%s, %s)', (from, to, message) => {
    expect(() => checkRange(from, to)).toThrow(InvalidArgumentError);
    expect(() => checkRange(from, to)).toThrow(message);
  });

  it('takes steps of 0 (choose) or at least 1 s', () => {
    expect(checkStep(0)).toBe(0);
    expect(checkStep(1000)).toBe(1000);
    expect(() => checkStep(999)).toThrow(/smallest step is 1000/);
    expect(() => checkStep(-1000)).toThrow(InvalidArgumentError);
    expect(() => checkStep(MAX_RANGE_MS + 1)).toThrow(/largest step/);
  });

  it('takes 1 to 1000 top entries, 0 meaning 10', () => {
    expect(checkTopLimit(0)).toBe(10);
    expect(checkTopLimit(1000)).toBe(1000);
    expect(() => checkTopLimit(1001)).toThrow(/the most is 1000/);
  });

  it('takes any name that is not blank or huge (quotes included: they are escaped, not refused)', () => {
    expect(checkName("o'brien \\ ; DROP", 'zone', 'zone')).toBe("o'brien \\ ; DROP");
    expect(() => checkName('  ', 'zone', 'zone')).toThrow(/zone is empty: name the zone/);
    expect(() => checkName('x'.repeat(257), 'source', 'source')).toThrow(/257 characters/);
  });

  it('checks lists entry by entry, drops duplicates and caps them at 1000', () => {
    expect(checkNames(['a', 'b', 'a'], 'zones')).toEqual(['a', 'b']);
    expect(checkNames(undefined, 'zones')).toEqual([]);
    expect(() => checkNames(['a', ''], 'zones')).toThrow(/zones\[1\] is empty/);
    expect(() => checkNames(Array.from({ length: 1001 }, (_, i) => `z${i}`), 'zones')).toThrow(/1001 entries; the most is 1000/);
  });

  it('takes IANA time zones only, empty meaning UTC', () => {
    expect(checkTimeZone('')).toBe('UTC');
    expect(checkTimeZone('Asia/Ho_Chi_Minh')).toBe('Asia/Ho_Chi_Minh');
    expect(() => checkTimeZone('Mars/Olympus')).toThrow(/not an IANA time zone/);
    expect(() => checkTimeZone("UTC'); DROP")).toThrow(InvalidArgumentError);
  });

  it('reads an instant of 0 as now', () => {
    expect(checkInstant(0, 'at', () => 42)).toBe(42);
    expect(checkInstant(7, 'at', () => 42)).toBe(7);
    expect(() => checkInstant(-7, 'at', () => 42)).toThrow(/at is -7/);
  });
});
