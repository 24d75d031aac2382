import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOffset, parseDuration, parseOffset } from './duration.ts';

describe('durations', () => {
  it('parses what authors write', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration('5 m')).toBeUndefined();
    expect(parseDuration('-5m')).toBeUndefined();
    expect(parseOffset('+5m')).toBe(300_000);
    expect(parseOffset('-30s')).toBe(-30_000);
    expect(parseOffset('+0')).toBe(0);
    expect(parseOffset('5m')).toBeUndefined();
  });

  it('prints offsets that parse back to the same value', () => {
    expect(formatOffset(5_400_000)).toBe('+1h30m');
    expect(formatOffset(0)).toBe('+0s');
    expect(formatOffset(-1_500)).toBe('-1s500ms');
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (ms) => parseOffset(formatOffset(ms)) === ms));
  });
});
