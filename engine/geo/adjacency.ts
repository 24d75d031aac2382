// Which zones touch, computed from their polygons, for correlation policies
// ("alerts in the same or neighbouring zones are one incident"). Computed once
// per zone set when policies load; never per event. The shapes are simplified
// (neighbours need not share vertices), hence a distance tolerance, not exact
// shared edges.

import { InvalidArgumentError } from '../errors/index.ts';
import { METERS_PER_DEGREE } from './distance.ts';
import { metersPerDegreeLon, segmentDistanceSq } from './polygon.ts';
import type { Zone } from './zones.ts';

/** Default tolerance: boundaries within this many meters touch (the simplified shapes are off by tens of meters). */
export const NEIGHBOUR_TOLERANCE_METERS = 100;

/** A zone's boundary as flat edges [ax, ay, bx, by, ...] in degrees (all rings of all polygons) and their bounding box. */
interface Outline {
  readonly id: string;
  readonly edges: Float64Array;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/**
 * Zones whose boundaries come within `toleranceMeters` (default 100) of each
 * other. Symmetric, irreflexive; every zone has an entry, empty when nothing is
 * near it. Zones that overlap count as neighbours; one drawn wholly inside
 * another without a matching hole does not (their boundaries are apart).
 *
 * Cost: a sweep over bounding boxes sorted by west edge finds candidate pairs
 * (O(Z log Z) plus the pairs whose boxes overlap); each candidate pair then
 * tests only the edges lying inside the other zone's (widened) box, edge
 * against edge, stopping at the first close pair. Measured here: Hanoi's 30
 * districts (~6 edges each) ~0.5 ms; a synthetic 576-ward grid (~60 edges a
 * ward, ~8 neighbours each, no shared vertices) ~15 ms.
 * @example zoneNeighbours(hanoiDistricts()).get('hoan-kiem')?.has('ba-dinh') // true
 */
export function zoneNeighbours(zones: readonly Zone[], toleranceMeters = NEIGHBOUR_TOLERANCE_METERS): ReadonlyMap<string, ReadonlySet<string>> {
  if (!(toleranceMeters >= 0 && Number.isFinite(toleranceMeters))) {
    throw new InvalidArgumentError(`toleranceMeters must be a distance in meters, 0 or more (found ${toleranceMeters})`);
  }
  const result = new Map<string, Set<string>>();
  for (const z of zones) if (!result.has(z.id)) result.set(z.id, new Set());
  const outlines = zones.map(outlineOf).filter((o) => o.edges.length > 0).sort((a, b) => a.minX - b.minX);
  if (outlines.length === 0) return result;

  // Widen boxes by the tolerance in degrees; a degree of longitude is shortest at the highest latitude.
  const maxAbsLat = Math.max(...outlines.map((o) => Math.max(Math.abs(o.minY), Math.abs(o.maxY))));
  const dy = toleranceMeters / METERS_PER_DEGREE;
  const dx = toleranceMeters / Math.max(metersPerDegreeLon(Math.min(maxAbsLat, 89)), 1);
  const tolSq = toleranceMeters * toleranceMeters;

  for (let i = 0; i < outlines.length; i++) {
    const a = outlines[i]!;
    for (let j = i + 1; j < outlines.length; j++) {
      const b = outlines[j]!;
      if (b.minX > a.maxX + 2 * dx) break; // sorted by minX: no later zone can be near a
      if (a.id === b.id || b.minY > a.maxY + 2 * dy || a.minY > b.maxY + 2 * dy) continue;
      if (boundariesNear(a, b, dx, dy, tolSq)) {
        result.get(a.id)!.add(b.id);
        result.get(b.id)!.add(a.id);
      }
    }
  }
  return result;
}

function outlineOf(zone: Zone): Outline {
  const flat: number[] = [];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const rings of zone.polygons) {
    for (const ring of rings) {
      for (let k = 0; k + 1 < ring.length; k++) {
        const p = ring[k]!;
        const q = ring[k + 1]!;
        flat.push(p[0], p[1], q[0], q[1]);
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
    }
  }
  return { id: zone.id, edges: Float64Array.from(flat), minX, minY, maxX, maxY };
}

/** Whether any edge of `a` comes within the tolerance of any edge of `b`. */
function boundariesNear(a: Outline, b: Outline, dx: number, dy: number, tolSq: number): boolean {
  // Only edges that reach into the other zone's box widened by the tolerance can be near it.
  const ea = edgesNearBox(a.edges, b, dx, dy);
  const eb = edgesNearBox(b.edges, a, dx, dy);
  if (ea.length === 0 || eb.length === 0) return false;
  // A plane tangent at the middle of the pair: at city scale the scale error is far below the tolerance.
  const kx = metersPerDegreeLon((Math.max(a.minY, b.minY) + Math.min(a.maxY, b.maxY)) / 2);
  for (let i = 0; i < ea.length; i += 4) {
    const ax = ea[i]!, ay = ea[i + 1]!, bx = ea[i + 2]!, by = ea[i + 3]!;
    for (let j = 0; j < eb.length; j += 4) {
      const cx = eb[j]!, cy = eb[j + 1]!, ex = eb[j + 2]!, ey = eb[j + 3]!;
      if (Math.min(ax, bx) > Math.max(cx, ex) + dx || Math.min(cx, ex) > Math.max(ax, bx) + dx) continue;
      if (Math.min(ay, by) > Math.max(cy, ey) + dy || Math.min(cy, ey) > Math.max(ay, by) + dy) continue;
      // Edges that cross are at distance 0 though every end may be far from the other edge; otherwise the
      // distance between two edges is the least of their four end-to-edge distances.
      if (cross(ax, ay, bx, by, cx, cy, ex, ey)) return true;
      if (segmentDistanceSq(cx, cy, ex, ey, ax, ay, kx) <= tolSq || segmentDistanceSq(cx, cy, ex, ey, bx, by, kx) <= tolSq) return true;
      if (segmentDistanceSq(ax, ay, bx, by, cx, cy, kx) <= tolSq || segmentDistanceSq(ax, ay, bx, by, ex, ey, kx) <= tolSq) return true;
    }
  }
  return false;
}

function edgesNearBox(edges: Float64Array, box: Outline, dx: number, dy: number): number[] {
  const near: number[] = [];
  for (let i = 0; i < edges.length; i += 4) {
    const ax = edges[i]!, ay = edges[i + 1]!, bx = edges[i + 2]!, by = edges[i + 3]!;
    if (Math.max(ax, bx) < box.minX - dx || Math.min(ax, bx) > box.maxX + dx) continue;
    if (Math.max(ay, by) < box.minY - dy || Math.min(ay, by) > box.maxY + dy) continue;
    near.push(ax, ay, bx, by);
  }
  return near;
}

/** Whether edges a→b and c→e cross at a point inside both (touching and collinear cases are left to the distances). */
function cross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, ex: number, ey: number): boolean {
  const d1 = orient(ax, ay, bx, by, cx, cy);
  const d2 = orient(ax, ay, bx, by, ex, ey);
  const d3 = orient(cx, cy, ex, ey, ax, ay);
  const d4 = orient(cx, cy, ex, ey, bx, by);
  return d1 * d2 < 0 && d3 * d4 < 0;
}

function orient(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}
