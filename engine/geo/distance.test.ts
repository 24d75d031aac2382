import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distanceMeters, METERS_PER_DEGREE } from './distance.ts';

describe('distanceMeters', () => {
  it('measures a degree of latitude and a known city distance', () => {
    expect(distanceMeters(21, 105.8, 22, 105.8)).toBeCloseTo(METERS_PER_DEGREE, 6);
    expect(METERS_PER_DEGREE).toBeCloseTo(111_195, 0);
    // Hoàn Kiếm to Ba Đình label points: 0.0052° north, 0.0385° west at 21° N.
    expect(distanceMeters(21.0288, 105.8525, 21.034, 105.814)).toBeCloseTo(4_037, -1);
  });

  it('is zero for the same point, symmetric, and NaN for NaN', () => {
    expect(distanceMeters(21.03, 105.85, 21.03, 105.85)).toBe(0);
    expect(Number.isNaN(distanceMeters(NaN, 105.85, 21.03, 105.85))).toBe(true);
    const lat = fc.double({ min: -89, max: 89, noNaN: true });
    const lon = fc.double({ min: -180, max: 180, noNaN: true });
    fc.assert(fc.property(lat, lon, lat, lon, (a, b, c, d) => {
      expect(distanceMeters(a, b, c, d)).toBeCloseTo(distanceMeters(c, d, a, b), 6);
      expect(distanceMeters(a, b, c, d)).toBeLessThanOrEqual(Math.PI * 6_371_000 + 1e-6);
    }));
  });
});
