// District areas when no surveyed boundaries are available: the Voronoi cell of
// each district's label point, clipped to the city outline. Pure geometry on
// [lon, lat] pairs, used only to generate hanoi-districts.geojson (build time:
// it needs d3-delaunay, a dev dependency, so the engine never imports it).

import { Delaunay } from 'd3-delaunay';
import type { LonLat } from './polygon.ts';

export interface CellSite {
  id: string;
  lon: number;
  lat: number;
}

export interface DistrictCell {
  id: string;
  /** Closed exterior ring, counter-clockwise (GeoJSON's right-hand rule). */
  ring: LonLat[];
}

/**
 * One cell per site, each clipped to `outline` (a simple polygon, any orientation).
 * Distances are measured with longitude scaled by cos(latitude), so cells are not
 * stretched east-west. A site whose cell misses the outline gets no entry.
 * @example districtCells([{ id: 'a', lon: 105.8, lat: 21 }, { id: 'b', lon: 105.9, lat: 21 }], outline)
 */
export function districtCells(sites: readonly CellSite[], outline: readonly LonLat[]): DistrictCell[] {
  const ring = openRing(outline);
  const meanLat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
  const k = Math.cos((meanLat * Math.PI) / 180);
  const project = ([lon, lat]: LonLat): LonLat => [lon * k, lat];
  const unproject = ([x, y]: LonLat): LonLat => [x / k, y];

  const projected = ring.map(project);
  const xs = projected.map((p) => p[0]);
  const ys = projected.map((p) => p[1]);
  const pad = 1;
  const bounds: [number, number, number, number] = [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad];
  const voronoi = Delaunay.from(sites, (s) => s.lon * k, (s) => s.lat).voronoi(bounds);

  const cells: DistrictCell[] = [];
  sites.forEach((site, i) => {
    const cell = voronoi.cellPolygon(i) as LonLat[] | null;
    if (!cell) return;
    const clipped = clipToConvex(projected, openRing(cell));
    if (clipped.length < 3) return;
    const closed = counterClockwise(clipped.map(unproject));
    closed.push(closed[0]!);
    cells.push({ id: site.id, ring: closed });
  });
  return cells;
}

/**
 * Sutherland–Hodgman: the part of `subject` (any simple polygon) inside `clip`
 * (a convex polygon). Exact for what this map needs; a non-convex subject can
 * yield zero-width bridges, which render as nothing.
 */
export function clipToConvex(subject: readonly LonLat[], clip: readonly LonLat[]): LonLat[] {
  const sign = signedArea(clip) >= 0 ? 1 : -1;
  let output: LonLat[] = [...subject];
  for (let i = 0; i < clip.length && output.length > 0; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const inside = (p: LonLat) => sign * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) >= 0;
    const input = output;
    output = [];
    for (let j = 0; j < input.length; j++) {
      const current = input[j]!;
      const previous = input[(j + input.length - 1) % input.length]!;
      if (inside(current)) {
        if (!inside(previous)) output.push(intersect(previous, current, a, b));
        output.push(current);
      } else if (inside(previous)) {
        output.push(intersect(previous, current, a, b));
      }
    }
  }
  return output;
}

/** Shoelace formula; positive for counter-clockwise rings (x east, y north). */
export function signedArea(ring: readonly LonLat[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

function intersect(p: LonLat, q: LonLat, a: LonLat, b: LonLat): LonLat {
  const d = (p[0] - q[0]) * (a[1] - b[1]) - (p[1] - q[1]) * (a[0] - b[0]);
  if (d === 0) return [q[0], q[1]]; // parallel: the segment runs along the clip edge
  const t = ((p[0] - a[0]) * (a[1] - b[1]) - (p[1] - a[1]) * (a[0] - b[0])) / d;
  return [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
}

/** The ring without its closing point and without repeated vertices (a zero-length edge has no direction to clip by). */
function openRing(ring: readonly LonLat[]): LonLat[] {
  const out: LonLat[] = [];
  for (const [x, y] of ring) {
    const prev = out.at(-1);
    if (prev === undefined || Math.abs(prev[0] - x) > 1e-12 || Math.abs(prev[1] - y) > 1e-12) out.push([x, y]);
  }
  const first = out[0];
  const last = out.at(-1);
  if (out.length > 1 && Math.abs(first![0] - last![0]) <= 1e-12 && Math.abs(first![1] - last![1]) <= 1e-12) out.pop();
  return out;
}

function counterClockwise(ring: LonLat[]): LonLat[] {
  return signedArea(ring) < 0 ? ring.reverse() : ring;
}
