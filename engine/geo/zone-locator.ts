// The zone of a point: exact point-in-polygon over any set of zones (districts,
// wards, drawn areas), made fast by a uniform grid (zone-grid.ts). A point
// outside every zone takes the nearest zone within a fallback distance. The
// answer must always equal the brute-force test; the tests hold it to that.

import { METERS_PER_DEGREE } from './distance.ts';
import { UnknownGeoRefError } from './errors.ts';
import { crossesEastRay, metersPerDegreeLon, segmentDistanceSq } from './polygon.ts';
import { buildZoneGrid, FULL, MIXED, NEAR } from './zone-grid.ts';
import type { Zone } from './zones.ts';

export interface ZoneLocatorOptions {
  /**
   * A point outside every zone takes the zone whose boundary is nearest, if it
   * is at most this far (meters; default 2,000; 0 turns the fallback off). It
   * absorbs borders traced a little inside the real one, and GPS jitter.
   */
  fallbackMeters?: number;
  /** About how many grid cells the index uses (default: from the number of edges, 65,536 to 1,048,576): memory against boundary cells. */
  gridCells?: number;
}

/**
 * @example
 * const zones = new ZoneLocator(hanoiDistricts());
 * zones.zoneOf(21.0288, 105.8525)                    // 'hoan-kiem'
 * zones.zoneContains('hoan-kiem', 21.0288, 105.8525) // true
 */
export class ZoneLocator {
  private readonly zoneIds: string[];
  private readonly byId = new Map<string, number>();
  private readonly fallbackMeters: number;
  // The grid's arrays, copied to fields: the lookups read them on every event.
  private readonly x0: number;
  private readonly y0: number;
  private readonly invCw: number;
  private readonly invCh: number;
  private readonly cw: number;
  private readonly ch: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly cellState: Int32Array;
  private readonly candStart: Int32Array;
  private readonly candZone: Int32Array;
  private readonly candGroup: Int32Array;
  private readonly rowGroupStart: Int32Array;
  private readonly groupZone: Int32Array;
  private readonly groupEdgeStart: Int32Array;
  private readonly rowEdges: Float64Array;
  private readonly edges: Float64Array;
  private readonly edgeZone: Int32Array;
  private readonly cellEdgeStart: Int32Array;
  private readonly cellEdges: Int32Array;
  private readonly maxRing: number;

  /** Zones are tried in this order: where they overlap, the first one wins. */
  constructor(zones: readonly Zone[], options: ZoneLocatorOptions = {}) {
    this.fallbackMeters = Math.max(0, options.fallbackMeters ?? 2_000);
    this.zoneIds = zones.map((z) => z.id);
    zones.forEach((z, i) => {
      if (!this.byId.has(z.id)) this.byId.set(z.id, i);
    });
    const g = buildZoneGrid(zones, this.fallbackMeters, options.gridCells);
    this.x0 = g.x0;
    this.y0 = g.y0;
    this.cw = g.cw;
    this.ch = g.ch;
    this.invCw = 1 / g.cw;
    this.invCh = 1 / g.ch;
    this.nx = g.nx;
    this.ny = g.ny;
    this.cellState = g.cellState;
    this.candStart = g.candStart;
    this.candZone = g.candZone;
    this.candGroup = g.candGroup;
    this.rowGroupStart = g.rowGroupStart;
    this.groupZone = g.groupZone;
    this.groupEdgeStart = g.groupEdgeStart;
    this.rowEdges = g.rowEdges;
    this.edges = g.edges;
    this.edgeZone = g.edgeZone;
    this.cellEdgeStart = g.cellEdgeStart;
    this.cellEdges = g.cellEdges;
    this.maxRing = g.maxRing;
  }

  /**
   * The id of the first zone (in input order) whose polygons contain the point;
   * else the zone with the nearest boundary within the fallback distance; else
   * undefined (also for NaN coordinates).
   * @example new ZoneLocator(hanoiDistricts()).zoneOf(21.0288, 105.8525) // 'hoan-kiem'
   */
  zoneOf(lat: number, lon: number): string | undefined {
    const c = Math.floor((lon - this.x0) * this.invCw);
    const r = Math.floor((lat - this.y0) * this.invCh);
    if (!(c >= 0 && c < this.nx && r >= 0 && r < this.ny)) return undefined;
    const state = this.cellState[r * this.nx + c]!;
    if (state >= 0) return this.zoneIds[state];
    if (state <= MIXED) {
      const k = MIXED - state;
      for (let i = this.candStart[k]!, end = this.candStart[k + 1]!; i < end; i++) {
        const g = this.candGroup[i]!;
        if (g === FULL || this.groupContains(g, lon, lat)) return this.zoneIds[this.candZone[i]!];
      }
      return this.fallbackMeters > 0 ? this.nearest(lat, lon, c, r) : undefined;
    }
    return state === NEAR ? this.nearest(lat, lon, c, r) : undefined;
  }

  /**
   * Whether the zone's polygons contain the point. No fallback distance: a
   * point just outside the traced border is outside, even if `zoneOf` gives
   * this zone for it.
   * @throws UnknownGeoRefError when no zone has this id.
   * @example zones.zoneContains('hoang-mai', 20.975, 105.86) // true
   */
  zoneContains(zoneId: string, lat: number, lon: number): boolean {
    const zi = this.byId.get(zoneId);
    if (zi === undefined) throw new UnknownGeoRefError('zone', zoneId, this.zoneIds);
    const r = Math.floor((lat - this.y0) * this.invCh);
    if (!(r >= 0 && r < this.ny) || Number.isNaN(lon)) return false;
    // A row's groups are in zone order: binary search for this zone's.
    let lo = this.rowGroupStart[r]!;
    let hi = this.rowGroupStart[r + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const z = this.groupZone[mid]!;
      if (z === zi) return this.groupContains(mid, lon, lat);
      if (z < zi) lo = mid + 1;
      else hi = mid - 1;
    }
    return false; // no edge of the zone in this band: no crossing, so outside
  }

  /** Whether a zone with this id is loaded (for checking ids when rules load). */
  has(zoneId: string): boolean {
    return this.byId.has(zoneId);
  }

  /** Zone ids in input order. */
  ids(): readonly string[] {
    return this.zoneIds;
  }

  private groupContains(g: number, lon: number, lat: number): boolean {
    const e = this.rowEdges;
    let inside = false;
    for (let k = this.groupEdgeStart[g]!, end = this.groupEdgeStart[g + 1]!; k < end; k++) {
      if (crossesEastRay(e[4 * k]!, e[4 * k + 1]!, e[4 * k + 2]!, e[4 * k + 3]!, lon, lat)) inside = !inside;
    }
    return inside;
  }

  /**
   * The zone with the nearest edge within the fallback distance (the first zone
   * on a tie), searching rings of cells outwards from the point's cell and
   * stopping once a ring cannot hold anything nearer.
   */
  private nearest(lat: number, lon: number, c0: number, r0: number): string | undefined {
    const kx = metersPerDegreeLon(lat);
    const limit = this.fallbackMeters;
    // Every point of ring k is at least k - 1 whole cells away along x or y.
    const cellMeters = Math.min(this.cw * kx, this.ch * METERS_PER_DEGREE) * (1 - 1e-9);
    const e = this.edges;
    let bestSq = Infinity;
    let bestZone = -1;
    for (let k = 0; k <= this.maxRing; k++) {
      const rLo = Math.max(0, r0 - k);
      const rHi = Math.min(this.ny - 1, r0 + k);
      for (let r = rLo; r <= rHi; r++) {
        const onEdgeRow = r === r0 - k || r === r0 + k;
        const step = onEdgeRow ? 1 : 2 * k;
        for (let c = c0 - k; c <= c0 + k; c += Math.max(1, step)) {
          if (c < 0 || c >= this.nx) continue;
          const cell = r * this.nx + c;
          for (let i = this.cellEdgeStart[cell]!, end = this.cellEdgeStart[cell + 1]!; i < end; i++) {
            const id = this.cellEdges[i]!;
            const d = segmentDistanceSq(e[4 * id]!, e[4 * id + 1]!, e[4 * id + 2]!, e[4 * id + 3]!, lon, lat, kx);
            const zi = this.edgeZone[id]!;
            if (d < bestSq || (d === bestSq && zi < bestZone)) {
              bestSq = d;
              bestZone = zi;
            }
          }
        }
      }
      if (k * cellMeters > Math.min(Math.sqrt(bestSq), limit)) break;
    }
    return bestZone >= 0 && Math.sqrt(bestSq) <= limit ? this.zoneIds[bestZone] : undefined;
  }
}
