import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipToConvex, districtCells, signedArea } from './district-cells.ts';
import type { LonLat } from './polygon.ts';

const square: LonLat[] = [[0, 0], [10, 0], [10, 10], [0, 10]];

describe('clipToConvex', () => {
  it('keeps the overlap of two squares', () => {
    const clipped = clipToConvex(square, [[5, 5], [15, 5], [15, 15], [5, 15]]);
    expect(Math.abs(signedArea(clipped))).toBeCloseTo(25);
  });

  it('does not depend on the orientation of the clip polygon', () => {
    const clip: LonLat[] = [[5, -5], [15, -5], [15, 5], [5, 5]];
    expect(Math.abs(signedArea(clipToConvex(square, clip)))).toBeCloseTo(Math.abs(signedArea(clipToConvex(square, [...clip].reverse()))));
  });

  it('returns nothing when they do not meet', () => {
    expect(clipToConvex(square, [[20, 20], [30, 20], [30, 30]])).toEqual([]);
  });
});

describe('districtCells', () => {
  it('tiles the outline: the cells cover it exactly once', () => {
    // Whatever the sites, the clipped Voronoi cells partition the outline (a convex one here).
    const site = fc.record({ lon: fc.double({ min: 0.5, max: 9.5, noNaN: true }), lat: fc.double({ min: 0.5, max: 9.5, noNaN: true }) });
    fc.assert(
      fc.property(fc.uniqueArray(site, { minLength: 2, maxLength: 12, selector: (s) => `${s.lon.toFixed(3)},${s.lat.toFixed(3)}` }), (points) => {
        const cells = districtCells(points.map((p, i) => ({ id: `d${i}`, ...p })), square);
        const total = cells.reduce((s, c) => s + signedArea(c.ring), 0);
        expect(total).toBeCloseTo(100, 6);
        for (const c of cells) {
          expect(signedArea(c.ring)).toBeGreaterThan(0);
          expect(c.ring[0]).toEqual(c.ring.at(-1));
        }
      }),
    );
  });

  it('tiles the outline when a cell has repeated vertices (a case fast-check found)', () => {
    const cells = districtCells([{ id: 'a', lon: 9.45343460314671, lat: 0.5000000000000012 }, { id: 'b', lon: 4.93510396572971, lat: 3.0461322797618022 }], square);
    expect(cells.reduce((s, c) => s + signedArea(c.ring), 0)).toBeCloseTo(100, 6);
  });

  it('gives each site the part of the outline nearest to it', () => {
    const cells = districtCells([{ id: 'west', lon: 2, lat: 5 }, { id: 'east', lon: 8, lat: 5 }], square);
    const west = cells.find((c) => c.id === 'west')!;
    expect(Math.max(...west.ring.map((p) => p[0]))).toBeCloseTo(5);
  });
});
