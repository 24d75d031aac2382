import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { distanceMeters, METERS_PER_DEGREE } from './distance.ts';
import { cellOf, gridCell, neighbours } from './grid-cells.ts';

const lat = fc.double({ min: -80, max: 80, noNaN: true });
const lon = fc.double({ min: -179, max: 179, noNaN: true });
const size = fc.constantFrom(10, 50, 250, 500, 1_000, 5_000);

describe('cellOf', () => {
  it('names a cell by a formula that never changes (ids live in checkpoints and alert keys)', () => {
    expect(cellOf(21.0288, 105.8525, 500)).toBe('500m@21.02839,105.85410');
    expect(cellOf(-33.9, -70.6, 250)).toBe('250m@-33.90105,-70.59903');
    expect(cellOf(0, 0, 1_000)).toBe('1000m@0.00450,0.00451');
    expect(cellOf(-1e-9, -1e-9, 12.5)).toBe('12.5m@-0.00006,-0.00006');
    expect(gridCell('500m@21.02839,105.85410')).toMatchObject({ meters: 500, row: 4676, col: 21334, lat: expect.closeTo(21.02839, 5), lon: expect.closeTo(105.8541, 5) });
  });

  it('gives a cell that contains the point, about `meters` on a side and never narrower', () => {
    fc.assert(fc.property(lat, lon, size, (la, lo, m) => {
      const cell = gridCell(cellOf(la, lo, m)!);
      expect(la).toBeGreaterThanOrEqual(cell.south);
      expect(la).toBeLessThan(cell.north);
      expect(lo).toBeGreaterThanOrEqual(cell.west);
      expect(lo).toBeLessThan(cell.east);
      expect((cell.north - cell.south) * METERS_PER_DEGREE).toBeCloseTo(m, 6);
      const widest = Math.cos((Math.min(Math.abs(cell.south), Math.abs(cell.north)) * Math.PI) / 180);
      const narrowest = Math.cos((Math.max(Math.abs(cell.south), Math.abs(cell.north)) * Math.PI) / 180);
      expect((cell.east - cell.west) * METERS_PER_DEGREE * narrowest).toBeGreaterThanOrEqual(m * (1 - 1e-9));
      if (Math.abs(la) < 45) expect((cell.east - cell.west) * METERS_PER_DEGREE * widest).toBeLessThan(m * 1.09);
    }));
  });

  it('is undefined for coordinates that are not numbers, and refuses a size that is not', () => {
    expect(cellOf(NaN, 105, 500)).toBeUndefined();
    expect(cellOf(21, Infinity, 500)).toBeUndefined();
    expect(() => cellOf(21, 105, 0)).toThrow(InvalidArgumentError);
    expect(() => cellOf(21, 105, 9)).toThrow(/at least 10/);
    expect(() => cellOf(21, 105, NaN)).toThrow(/number of meters/);
    expect(() => gridCell('21.02839,105.85410')).toThrow(InvalidArgumentError);
    expect(() => gridCell('5m@21.02839,105.85410')).toThrow(/not a grid cell id/);
    expect(() => gridCell('500m@21.02800,105.85410')).toThrow(/not the centre of a 500 m grid cell/);
  });
});

describe('neighbours', () => {
  it('are the 3 × 3 block around a cell inside a band', () => {
    expect(neighbours('500m@21.02839,105.85410')).toEqual([
      '500m@21.02389,105.84914', '500m@21.02389,105.85410', '500m@21.02389,105.85906',
      '500m@21.02839,105.84914', '500m@21.02839,105.85906',
      '500m@21.03288,105.84914', '500m@21.03288,105.85410', '500m@21.03288,105.85906',
    ]);
  });

  it('cover every point within `meters` of any point of the cell, across band edges too', () => {
    // Points near 5° band edges are where adjacent rows have columns of different widths.
    const nearBandEdge = fc.tuple(fc.integer({ min: -15, max: 15 }), fc.double({ min: -0.02, max: 0.02, noNaN: true })).map(([b, d]) => b * 5 + d);
    fc.assert(fc.property(fc.oneof(lat, nearBandEdge), lon, size, fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), (la, lo, m, bearing, f) => {
      // A point f × m away in some direction (small-distance approximation, then checked exactly).
      const dLat = (f * m * Math.cos(bearing)) / METERS_PER_DEGREE;
      const dLon = (f * m * Math.sin(bearing)) / (METERS_PER_DEGREE * Math.cos(((la + dLat) * Math.PI) / 180));
      const la2 = la + dLat;
      const lo2 = lo + dLon;
      if (distanceMeters(la, lo, la2, lo2) > m) return;
      const a = cellOf(la, lo, m)!;
      const b = cellOf(la2, lo2, m)!;
      expect([a, ...neighbours(a)], `${la},${lo} → ${la2},${lo2}`).toContain(b);
    }), { numRuns: 2_000 });
  });

  it('are symmetric and never include the cell itself', () => {
    fc.assert(fc.property(fc.oneof(lat, fc.integer({ min: -15, max: 15 }).map((b) => b * 5 + 1e-4)), lon, size, (la, lo, m) => {
      const a = cellOf(la, lo, m)!;
      const around = neighbours(a);
      expect(around).not.toContain(a);
      expect(around.length).toBeGreaterThanOrEqual(8);
      if (Math.abs(la) <= 60) expect(around.length).toBeLessThanOrEqual(10);
      for (const b of around) expect(neighbours(b), `${b} of ${a}`).toContain(a);
    }));
  });
});
