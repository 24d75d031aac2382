import { describe, expect, it } from 'vitest';
import { METERS_PER_DEGREE } from './distance.ts';
import { boundaryDistanceMeters, crossesEastRay, metersPerDegreeLon, polygonsContain, type PolygonRings } from './polygon.ts';

const square = (x: number, y: number, size: number) => [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]] as const;
/** A 10 × 10 square with a 4 × 4 hole in the middle. */
const donut: PolygonRings = [square(0, 0, 10), square(3, 3, 4)];

describe('polygonsContain', () => {
  it('is inside the exterior and outside the hole', () => {
    expect(polygonsContain([donut], 1, 1)).toBe(true);
    expect(polygonsContain([donut], 5, 5)).toBe(false);
    expect(polygonsContain([donut], 8, 5)).toBe(true);
    expect(polygonsContain([donut], 11, 5)).toBe(false);
  });

  it('takes every part of a multipolygon, including an island inside a hole', () => {
    const island: PolygonRings = [square(4, 4, 2)];
    const far: PolygonRings = [square(20, 20, 1)];
    expect(polygonsContain([donut, island, far], 5, 5)).toBe(true);
    expect(polygonsContain([donut, island, far], 3.5, 3.5)).toBe(false);
    expect(polygonsContain([donut, island, far], 20.5, 20.5)).toBe(true);
  });

  it('does not depend on ring orientation', () => {
    const reversed: PolygonRings = [[...square(0, 0, 10)].reverse(), [...square(3, 3, 4)].reverse()];
    for (const [x, y] of [[1, 1], [5, 5], [8, 5], [11, 5]] as const) expect(polygonsContain([reversed], x, y)).toBe(polygonsContain([donut], x, y));
  });

  it('counts a vertex on the ray once (half-open rule)', () => {
    // The ray from (0, 5) east passes exactly through the diamond's right and left vertices.
    const diamond: PolygonRings = [[[2, 5], [4, 3], [6, 5], [4, 7], [2, 5]]];
    expect(polygonsContain([diamond], 0, 5)).toBe(false);
    expect(polygonsContain([diamond], 4, 5)).toBe(true);
    expect(crossesEastRay(0, 0, 0, 10, -1, 10)).toBe(false);
    expect(crossesEastRay(0, 0, 0, 10, -1, 0)).toBe(true);
  });
});

describe('boundaryDistanceMeters', () => {
  it('measures to the nearest edge, hole edges included', () => {
    const atEquator = metersPerDegreeLon(0);
    expect(atEquator).toBeCloseTo(METERS_PER_DEGREE, 6);
    const d = (lat: number, lon: number) => boundaryDistanceMeters([[square(0, 0, 0.1), square(0.04, 0.04, 0.02)]], lat, lon);
    expect(d(0.05, 0.12)).toBeCloseTo(0.02 * METERS_PER_DEGREE, 0); // east of the square
    expect(d(0.05, 0.05)).toBeCloseTo(0.01 * METERS_PER_DEGREE, 0); // centre of the hole
    expect(d(0.13, 0.14)).toBeCloseTo(Math.hypot(0.03, 0.04) * METERS_PER_DEGREE, -1); // off the corner
  });
});
