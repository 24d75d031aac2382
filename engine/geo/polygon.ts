// Plane geometry on [lon, lat] rings: the crossing rule that decides whether a
// point is inside, and the distance from a point to a boundary. The spatial
// index and the brute-force reference both use these, so they agree exactly;
// nothing here may allocate per call.

import { METERS_PER_DEGREE } from './distance.ts';

/** A position as GeoJSON writes it: longitude first. */
export type LonLat = readonly [lon: number, lat: number];

/** A closed ring: the first position is repeated at the end. */
export type Ring = readonly LonLat[];

/** GeoJSON polygon rings: the exterior, then holes. */
export type PolygonRings = readonly Ring[];

/**
 * Whether the edge a→b crosses the ray going east from (x, y). An edge counts
 * when one end is above y and the other is not (so a vertex on the ray counts
 * once), and the crossing is strictly east of x. Points exactly on an edge
 * are decided by this rule alone, consistently everywhere it is used.
 */
export function crossesEastRay(ax: number, ay: number, bx: number, by: number, x: number, y: number): boolean {
  return (ay > y) !== (by > y) && x < ax + ((y - ay) * (bx - ax)) / (by - ay);
}

/**
 * Even-odd containment over every ring of every polygon: inside an exterior
 * and outside its holes, for polygons that do not overlap (valid GeoJSON).
 * Longitudes and latitudes are taken as plane coordinates, as GeoJSON does.
 * @example polygonsContain([[[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]], 1, 1) // true
 */
export function polygonsContain(polygons: readonly PolygonRings[], lon: number, lat: number): boolean {
  let inside = false;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = ring[i]!;
        const b = ring[i + 1]!;
        if (crossesEastRay(a[0], a[1], b[0], b[1], lon, lat)) inside = !inside;
      }
    }
  }
  return inside;
}

/**
 * Squared distance in square meters from (lat, lon) to the segment a→b, in a
 * plane tangent at the point (`kx` = meters per degree of longitude there).
 * Exact enough within tens of kilometers, which is all the fallback needs.
 */
export function segmentDistanceSq(ax: number, ay: number, bx: number, by: number, lon: number, lat: number, kx: number): number {
  const ux = (ax - lon) * kx;
  const uy = (ay - lat) * METERS_PER_DEGREE;
  const vx = (bx - lon) * kx;
  const vy = (by - lat) * METERS_PER_DEGREE;
  const dx = vx - ux;
  const dy = vy - uy;
  const len = dx * dx + dy * dy;
  // Projection of the point (the origin) on the segment, clamped to its ends.
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, -(ux * dx + uy * dy) / len));
  const px = ux + t * dx;
  const py = uy + t * dy;
  return px * px + py * py;
}

/** Meters per degree of longitude at a latitude. */
export function metersPerDegreeLon(lat: number): number {
  return Math.cos((lat * Math.PI) / 180) * METERS_PER_DEGREE;
}

/**
 * Distance in meters from a point to the nearest edge of any ring.
 * @example boundaryDistanceMeters(zone.polygons, 21.03, 105.85)
 */
export function boundaryDistanceMeters(polygons: readonly PolygonRings[], lat: number, lon: number): number {
  const kx = metersPerDegreeLon(lat);
  let best = Infinity;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const a = ring[i]!;
        const b = ring[i + 1]!;
        const d = segmentDistanceSq(a[0], a[1], b[0], b[1], lon, lat, kx);
        if (d < best) best = d;
      }
    }
  }
  return Math.sqrt(best);
}
