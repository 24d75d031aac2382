import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hanoiDistricts } from './districts.ts';
import { districtCells } from './district-cells.ts';
import { METERS_PER_DEGREE } from './distance.ts';
import { UnknownGeoRefError } from './errors.ts';
import { boundaryDistanceMeters, polygonsContain, type LonLat, type PolygonRings } from './polygon.ts';
import { ZoneLocator } from './zone-locator.ts';
import type { Zone } from './zones.ts';

/** What the index must always agree with: the first zone containing the point, else the nearest boundary within the fallback. */
function bruteForceZoneOf(zones: readonly Zone[], lat: number, lon: number, fallbackMeters: number): string | undefined {
  for (const z of zones) if (polygonsContain(z.polygons, lon, lat)) return z.id;
  if (!(fallbackMeters > 0)) return undefined;
  let best: string | undefined;
  let bestM = Infinity;
  for (const z of zones) {
    const m = boundaryDistanceMeters(z.polygons, lat, lon);
    if (m < bestM) {
      bestM = m;
      best = z.id;
    }
  }
  return bestM <= fallbackMeters ? best : undefined;
}

const square = (x: number, y: number, size: number): LonLat[] => [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]];
const zone = (id: string, ...polygons: PolygonRings[]): Zone => ({ id, polygons, properties: {} });

/** Vertices, edge midpoints and points just off each vertex: where rounding would show. */
function boundaryPoints(zones: readonly Zone[]): [number, number][] {
  const out: [number, number][] = [];
  for (const z of zones) for (const rings of z.polygons) for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [ax, ay] = ring[i]!;
      const [bx, by] = ring[i + 1]!;
      out.push([ay, ax], [(ay + by) / 2, (ax + bx) / 2], [ay + 1e-9, ax - 1e-9], [ay - 1e-12, ax + 1e-12]);
    }
  }
  return out;
}

describe('ZoneLocator', () => {
  // A 0.1° square with a hole; the hole holds an island of another zone; a two-part zone to the east.
  const donut = zone('donut', [square(105.8, 21.0, 0.1), square(105.83, 21.03, 0.04)]);
  const island = zone('island', [square(105.84, 21.04, 0.02)]);
  const twoParts = zone('two-parts', [square(106.0, 21.0, 0.02)], [square(106.05, 21.0, 0.02)]);
  const locator = new ZoneLocator([donut, island, twoParts]);

  it('handles holes, islands in holes and multipolygons', () => {
    expect(locator.zoneOf(21.01, 105.81)).toBe('donut');
    expect(locator.zoneOf(21.05, 105.85)).toBe('island');
    // In the hole but not on the island: in no zone; the fallback then takes the nearest boundary, the hole's edge 519 m west.
    expect(new ZoneLocator([donut, island, twoParts], { fallbackMeters: 0 }).zoneOf(21.035, 105.835)).toBeUndefined();
    expect(locator.zoneOf(21.035, 105.835)).toBe('donut');
    expect(new ZoneLocator([donut, island, twoParts], { fallbackMeters: 500 }).zoneOf(21.035, 105.835)).toBeUndefined();
    expect(locator.zoneOf(21.01, 106.01)).toBe('two-parts');
    expect(locator.zoneOf(21.01, 106.06)).toBe('two-parts');
    expect(locator.zoneContains('donut', 21.05, 105.85)).toBe(false);
    expect(locator.zoneContains('island', 21.05, 105.85)).toBe(true);
  });

  it('falls back to the nearest zone within the distance, and only then', () => {
    const oneKmEast = 105.9 + 1_000 / (METERS_PER_DEGREE * Math.cos((21.05 * Math.PI) / 180));
    expect(locator.zoneOf(21.05, oneKmEast)).toBe('donut');
    expect(locator.zoneContains('donut', 21.05, oneKmEast)).toBe(false);
    expect(new ZoneLocator([donut], { fallbackMeters: 900 }).zoneOf(21.05, oneKmEast)).toBeUndefined();
    expect(new ZoneLocator([donut], { fallbackMeters: 0 }).zoneOf(21.05, oneKmEast)).toBeUndefined();
    expect(locator.zoneOf(21.05, 105.95)).toBeUndefined(); // 5 km out
    expect(locator.zoneOf(30, 105)).toBeUndefined();
  });

  it('answers undefined or false for NaN, and nothing for no zones', () => {
    expect(locator.zoneOf(NaN, 105.81)).toBeUndefined();
    expect(locator.zoneOf(21.01, NaN)).toBeUndefined();
    expect(locator.zoneContains('donut', NaN, 105.81)).toBe(false);
    expect(locator.zoneContains('donut', 21.01, NaN)).toBe(false);
    expect(new ZoneLocator([]).zoneOf(21, 105)).toBeUndefined();
  });

  it('names an unknown zone id in a typed error', () => {
    const err = (() => {
      try {
        locator.zoneContains('hoan-kiem', 21, 105);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownGeoRefError);
    expect(err).toMatchObject({ code: 'not_found', refKind: 'zone', ref: 'hoan-kiem' });
    expect((err as Error).message).toBe('unknown zone "hoan-kiem" (known: donut, island, two-parts)');
    expect(locator.has('island')).toBe(true);
    expect(locator.ids()).toEqual(['donut', 'island', 'two-parts']);
  });

  it('gives overlapping zones to the first one listed', () => {
    const a = zone('a', [square(105.8, 21.0, 0.1)]);
    const b = zone('b', [square(105.85, 21.0, 0.1)]);
    expect(new ZoneLocator([a, b]).zoneOf(21.05, 105.87)).toBe('a');
    expect(new ZoneLocator([b, a]).zoneOf(21.05, 105.87)).toBe('b');
    expect(new ZoneLocator([b, a]).zoneContains('a', 21.05, 105.87)).toBe(true);
  });
});

describe('ZoneLocator agrees with the brute-force test', () => {
  // Star-shaped polygons (simple by construction), some with a hole, some zones in two parts; zones may overlap.
  const star = fc.record({
    cx: fc.double({ min: 105.75, max: 105.95, noNaN: true }),
    cy: fc.double({ min: 20.95, max: 21.15, noNaN: true }),
    radii: fc.array(fc.double({ min: 0.002, max: 0.06, noNaN: true }), { minLength: 3, maxLength: 9 }),
    phase: fc.double({ min: 0, max: 6.2, noNaN: true }),
    hole: fc.boolean(),
  });
  const starRings = (s: { cx: number; cy: number; radii: number[]; phase: number; hole: boolean }): PolygonRings => {
    const ring = (scale: number): LonLat[] => {
      const pts = s.radii.map((r, i): LonLat => {
        const a = s.phase + (i / s.radii.length) * 2 * Math.PI;
        return [s.cx + r * scale * Math.cos(a), s.cy + r * scale * Math.sin(a)];
      });
      return [...pts, pts[0]!];
    };
    return s.hole ? [ring(1), ring(0.4).reverse()] : [ring(1)];
  };
  const starZones = fc.array(fc.array(star, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 6 })
    .map((zs) => zs.map((parts, i) => zone(`z${i}`, ...parts.map(starRings))));
  // Partitions with shared edges, like real districts: Voronoi cells of random sites in a square.
  const site = fc.record({ lon: fc.double({ min: 105.8, max: 105.9, noNaN: true }), lat: fc.double({ min: 21.0, max: 21.1, noNaN: true }) });
  const partition = fc.uniqueArray(site, { minLength: 2, maxLength: 12, selector: (s) => `${s.lon.toFixed(4)},${s.lat.toFixed(4)}` })
    .map((sites) => districtCells(sites.map((s, i) => ({ id: `c${i}`, ...s })), square(105.8, 21.0, 0.1)).map((c) => zone(c.id, [c.ring])));
  const point = fc.tuple(fc.double({ min: 20.85, max: 21.25, noNaN: true }), fc.double({ min: 105.65, max: 106.05, noNaN: true }));
  const options = fc.record({ fallbackMeters: fc.constantFrom(0, 500, 2_000), gridCells: fc.constantFrom(1, 16, 300, 5_000) });

  const agree = (zones: Zone[], points: [number, number][], opts: { fallbackMeters: number; gridCells: number }) => {
    const locator = new ZoneLocator(zones, opts);
    for (const [lat, lon] of [...points, ...boundaryPoints(zones)]) {
      expect(locator.zoneOf(lat, lon), `${lat}, ${lon}`).toBe(bruteForceZoneOf(zones, lat, lon, opts.fallbackMeters));
      for (const z of zones) expect(locator.zoneContains(z.id, lat, lon), `${z.id} ${lat}, ${lon}`).toBe(polygonsContain(z.polygons, lon, lat));
    }
  };

  it('for overlapping star-shaped zones with holes and several parts', () => {
    fc.assert(fc.property(starZones, fc.array(point, { maxLength: 40 }), options, agree), { numRuns: 150 });
  });

  it('for partitions with shared edges', () => {
    fc.assert(fc.property(partition, fc.array(point, { maxLength: 40 }), options, agree), { numRuns: 150 });
  });

  it('for Hanoi with the default grid, inside, near and far outside the city', () => {
    const districts = hanoiDistricts();
    const locator = new ZoneLocator(districts);
    const hanoiPoint = fc.tuple(fc.double({ min: 20.45, max: 21.5, noNaN: true }), fc.double({ min: 105.2, max: 106.1, noNaN: true }));
    fc.assert(fc.property(hanoiPoint, ([lat, lon]) => {
      expect(locator.zoneOf(lat, lon)).toBe(bruteForceZoneOf(districts, lat, lon, 2_000));
    }), { numRuns: 3_000 });
    for (const [lat, lon] of boundaryPoints(districts)) expect(locator.zoneOf(lat, lon), `${lat}, ${lon}`).toBe(bruteForceZoneOf(districts, lat, lon, 2_000));
  });
});
