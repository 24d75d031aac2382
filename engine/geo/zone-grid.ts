// Builds the uniform grid behind ZoneLocator. Each cell is classified once:
// wholly inside a zone (its answer is stored), outside every zone (far from any
// boundary, or within the fallback distance of one), or crossed by boundaries
// (its candidate zones are stored, to be tested against the edges of its row
// band). The build may be slow-ish and allocate; it must never classify a cell
// in a way that could change an answer of the brute-force test.

import { METERS_PER_DEGREE } from './distance.ts';
import { metersPerDegreeLon } from './polygon.ts';
import type { Zone } from './zones.ts';

/** Cell state: outside every zone and farther than the fallback distance from any boundary. */
export const FAR = -1;
/** Cell state: outside every zone, a boundary within the fallback distance. */
export const NEAR = -2;
/** Cell states at or below this are boundary cells: `MIXED - state` indexes their candidates. */
export const MIXED = -3;
/** Candidate group marker: the zone covers the whole cell. */
export const FULL = -1;

export interface ZoneGrid {
  /** Every edge, zone after zone: ax, ay, bx, by (lon, lat). */
  edges: Float64Array;
  edgeZone: Int32Array;
  x0: number;
  y0: number;
  cw: number;
  ch: number;
  nx: number;
  ny: number;
  /** Zone index (≥ 0), FAR, NEAR, or MIXED - k. */
  cellState: Int32Array;
  /** Boundary cell k's candidates are `candStart[k]..candStart[k+1]`: zone, and its row group or FULL. */
  candStart: Int32Array;
  candZone: Int32Array;
  candGroup: Int32Array;
  /** Row r's groups are `rowGroupStart[r]..rowGroupStart[r+1]`; a group is one zone's edges meeting the row band. */
  rowGroupStart: Int32Array;
  groupZone: Int32Array;
  /** Group g's edges are `groupEdgeStart[g]..groupEdgeStart[g+1]` in `rowEdges` (ax, ay, bx, by each). */
  groupEdgeStart: Int32Array;
  rowEdges: Float64Array;
  /** Edge ids touching each cell (for the fallback's ring search). */
  cellEdgeStart: Int32Array;
  cellEdges: Int32Array;
  /** Rings of cells the fallback search may need to visit to cover the fallback distance. */
  maxRing: number;
}

/** Grid cells by default: from the number of edges, clamped so memory stays within a few tens of MB. */
function defaultCells(edgeCount: number): number {
  return Math.min(1 << 20, Math.max(1 << 16, edgeCount * 256));
}

export function buildZoneGrid(zones: readonly Zone[], fallbackMeters: number, gridCells?: number): ZoneGrid {
  // Edges, flat, zone after zone.
  let edgeCount = 0;
  for (const z of zones) for (const rings of z.polygons) for (const ring of rings) edgeCount += Math.max(0, ring.length - 1);
  const edges = new Float64Array(edgeCount * 4);
  const edgeZone = new Int32Array(edgeCount);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let e = 0;
  zones.forEach((z, zi) => {
    for (const rings of z.polygons) {
      for (const ring of rings) {
        for (let i = 0; i < ring.length; i++) {
          const [x, y] = ring[i]!;
          minX = Math.min(minX, x);
          minY = Math.min(minY, y);
          maxX = Math.max(maxX, x);
          maxY = Math.max(maxY, y);
          if (i + 1 === ring.length) continue;
          const b = ring[i + 1]!;
          edges.set([x, y, b[0], b[1]], 4 * e);
          edgeZone[e++] = zi;
        }
      }
    }
  });
  if (edgeCount === 0) {
    // No area at all: every point is outside. One cell keeps the query code free of special cases.
    minX = minY = 0;
    maxX = maxY = 1;
  }

  // The extent: the zones' box widened by the fallback distance (with the
  // narrowest degree of longitude, so it is wide enough everywhere).
  const poleward = Math.min(89.9, Math.max(Math.abs(minY), Math.abs(maxY)) + fallbackMeters / METERS_PER_DEGREE);
  const kxMin = Math.max(1e-9, metersPerDegreeLon(poleward));
  const mLat = fallbackMeters / METERS_PER_DEGREE;
  const mLon = fallbackMeters / kxMin;
  const x0 = minX - mLon;
  const y0 = minY - mLat;
  const width = Math.max(maxX + mLon - x0, 1e-9);
  const height = Math.max(maxY + mLat - y0, 1e-9);
  const wm = width * metersPerDegreeLon((minY + maxY) / 2);
  const hm = height * METERS_PER_DEGREE;
  const side = Math.sqrt((wm * hm) / Math.max(1, gridCells ?? defaultCells(edgeCount))) || 1;
  const nx = Math.max(1, Math.min(1 << 14, Math.ceil(wm / side)));
  const ny = Math.max(1, Math.min(1 << 14, Math.ceil(hm / side)));
  const cw = width / nx;
  const ch = height / ny;
  // Bands and cells are widened by this much, so rounding at a cell border never loses an edge.
  const epsX = cw * 1e-6;
  const epsY = ch * 1e-6;
  const rowOf = (y: number) => Math.min(ny - 1, Math.max(0, Math.floor((y - y0) / ch)));
  const colOf = (x: number) => Math.min(nx - 1, Math.max(0, Math.floor((x - x0) / cw)));
  const rowsOf = (i: number): [number, number] => {
    const ay = edges[4 * i + 1]!;
    const by = edges[4 * i + 3]!;
    return [rowOf(Math.min(ay, by) - epsY), rowOf(Math.max(ay, by) + epsY)];
  };

  // Row bands: each row's edges in edge order, hence grouped by zone in zone order.
  const rowStart = new Int32Array(ny + 1);
  for (let i = 0; i < edgeCount; i++) {
    const [r0, r1] = rowsOf(i);
    for (let r = r0; r <= r1; r++) rowStart[r + 1]!++;
  }
  prefixSum(rowStart);
  const rowEdgeIds = new Int32Array(rowStart[ny]!);
  const rowFill = rowStart.slice(0, ny);
  for (let i = 0; i < edgeCount; i++) {
    const [r0, r1] = rowsOf(i);
    for (let r = r0; r <= r1; r++) rowEdgeIds[rowFill[r]!++] = i;
  }
  const rowEdges = new Float64Array(rowEdgeIds.length * 4);
  rowEdgeIds.forEach((id, k) => rowEdges.set(edges.subarray(4 * id, 4 * id + 4), 4 * k));
  const rowGroupStart = new Int32Array(ny + 1);
  const groupZone: number[] = [];
  const groupEdgeStart: number[] = [];
  for (let r = 0; r < ny; r++) {
    rowGroupStart[r] = groupZone.length;
    for (let k = rowStart[r]!; k < rowStart[r + 1]!; k++) {
      const zi = edgeZone[rowEdgeIds[k]!]!;
      if (k === rowStart[r] || zi !== groupZone.at(-1)) {
        groupZone.push(zi);
        groupEdgeStart.push(k);
      }
    }
  }
  rowGroupStart[ny] = groupZone.length;
  groupEdgeStart.push(rowEdgeIds.length);

  // The edges touching each cell: per row band, the x range of the edge's part inside it.
  const cellCount = nx * ny;
  const rasterize = (visit: (cell: number, edge: number) => void) => {
    for (let i = 0; i < edgeCount; i++) {
      const ax = edges[4 * i]!;
      const ay = edges[4 * i + 1]!;
      const bx = edges[4 * i + 2]!;
      const by = edges[4 * i + 3]!;
      const [r0, r1] = rowsOf(i);
      for (let r = r0; r <= r1; r++) {
        let xa = Math.min(ax, bx);
        let xb = Math.max(ax, bx);
        if (ay !== by) {
          const t0 = Math.max(0, Math.min(1, (y0 + r * ch - epsY - ay) / (by - ay)));
          const t1 = Math.max(0, Math.min(1, (y0 + (r + 1) * ch + epsY - ay) / (by - ay)));
          xa = Math.min(ax + t0 * (bx - ax), ax + t1 * (bx - ax));
          xb = Math.max(ax + t0 * (bx - ax), ax + t1 * (bx - ax));
        }
        const c1 = colOf(xb + epsX);
        for (let c = colOf(xa - epsX); c <= c1; c++) visit(r * nx + c, i);
      }
    }
  };
  const cellEdgeStart = new Int32Array(cellCount + 1);
  rasterize((cell) => cellEdgeStart[cell + 1]!++);
  prefixSum(cellEdgeStart);
  const cellEdges = new Int32Array(cellEdgeStart[cellCount]!);
  const cellFill = cellEdgeStart.slice(0, cellCount);
  rasterize((cell, edge) => {
    cellEdges[cellFill[cell]!++] = edge;
  });

  // Which cells lie within the fallback distance of a boundary: a square
  // dilation of the boundary cells by as many cells as the distance spans.
  const cellMeters = Math.min(cw * kxMin, ch * METERS_PER_DEGREE);
  const maxRing = fallbackMeters > 0 ? Math.ceil(fallbackMeters / cellMeters) + 1 : 0;
  const near = dilate(cellEdgeStart, nx, ny, maxRing);

  // Sweep each row along its centre line from east to west: the crossings
  // east of a cell's centre tell which zones contain that centre.
  const cellState = new Int32Array(cellCount);
  const candStart: number[] = [];
  const candZone: number[] = [];
  const candGroup: number[] = [];
  const odd = new Uint8Array(zones.length);
  const oddZones: number[] = [];
  const cross: { x: number; zone: number }[] = [];
  const touched: number[] = [];
  for (let r = 0; r < ny; r++) {
    const yc = y0 + (r + 0.5) * ch;
    cross.length = 0;
    for (let g = rowGroupStart[r]!; g < rowGroupStart[r + 1]!; g++) {
      for (let k = groupEdgeStart[g]!; k < groupEdgeStart[g + 1]!; k++) {
        const ax = rowEdges[4 * k]!;
        const ay = rowEdges[4 * k + 1]!;
        const bx = rowEdges[4 * k + 2]!;
        const by = rowEdges[4 * k + 3]!;
        // The same expression as crossesEastRay, so the sweep agrees with the point test.
        if ((ay > yc) !== (by > yc)) cross.push({ x: ax + ((yc - ay) * (bx - ax)) / (by - ay), zone: groupZone[g]! });
      }
    }
    cross.sort((a, b) => b.x - a.x);
    odd.fill(0);
    oddZones.length = 0;
    let next = 0;
    for (let c = nx - 1; c >= 0; c--) {
      const xc = x0 + (c + 0.5) * cw;
      for (; next < cross.length && xc < cross[next]!.x; next++) {
        const zi = cross[next]!.zone;
        odd[zi] = odd[zi]! ^ 1;
        if (odd[zi]) oddZones.push(zi);
        else oddZones.splice(oddZones.indexOf(zi), 1);
      }
      const cell = r * nx + c;
      if (cellEdgeStart[cell] === cellEdgeStart[cell + 1]) {
        // No boundary in the cell: every point of it is where its centre is.
        cellState[cell] = oddZones.length > 0 ? Math.min(...oddZones) : near[cell] ? NEAR : FAR;
        continue;
      }
      // A boundary cell: zones whose edges touch it (edge order is zone order), and zones covering it whole.
      touched.length = 0;
      for (let k = cellEdgeStart[cell]!; k < cellEdgeStart[cell + 1]!; k++) {
        const zi = edgeZone[cellEdges[k]!]!;
        if (zi !== touched.at(-1)) touched.push(zi);
      }
      const candidates = [
        ...touched.map((zi) => ({ zi, group: groupOf(rowGroupStart, groupZone, r, zi) })),
        ...oddZones.filter((zi) => !touched.includes(zi)).map((zi) => ({ zi, group: FULL })),
      ].sort((a, b) => a.zi - b.zi);
      cellState[cell] = MIXED - candStart.length;
      candStart.push(candZone.length);
      for (const { zi, group } of candidates) {
        candZone.push(zi);
        candGroup.push(group);
      }
    }
  }
  candStart.push(candZone.length);

  return {
    edges, edgeZone, x0, y0, cw, ch, nx, ny, cellState,
    candStart: Int32Array.from(candStart), candZone: Int32Array.from(candZone), candGroup: Int32Array.from(candGroup),
    rowGroupStart, groupZone: Int32Array.from(groupZone), groupEdgeStart: Int32Array.from(groupEdgeStart), rowEdges,
    cellEdgeStart, cellEdges, maxRing,
  };
}

function prefixSum(a: Int32Array): void {
  for (let i = 1; i < a.length; i++) a[i]! += a[i - 1]!;
}

function groupOf(rowGroupStart: Int32Array, groupZone: readonly number[], row: number, zi: number): number {
  for (let g = rowGroupStart[row]!; g < rowGroupStart[row + 1]!; g++) if (groupZone[g] === zi) return g;
  throw new Error(`zone index ${zi} touches row ${row} but has no edges there`); // a bug in this build, never bad input
}

/** Cells within `radius` cells (square) of a cell that has edges, by two passes of sliding-window counts. */
function dilate(cellEdgeStart: Int32Array, nx: number, ny: number, radius: number): Uint8Array {
  const hasEdge = (cell: number) => (cellEdgeStart[cell + 1]! > cellEdgeStart[cell]! ? 1 : 0);
  const across = new Uint8Array(nx * ny);
  for (let r = 0; r < ny; r++) {
    let count = 0;
    for (let c = 0; c < Math.min(nx, radius); c++) count += hasEdge(r * nx + c);
    for (let c = 0; c < nx; c++) {
      if (c + radius < nx) count += hasEdge(r * nx + c + radius);
      if (c - radius - 1 >= 0) count -= hasEdge(r * nx + c - radius - 1);
      across[r * nx + c] = count > 0 ? 1 : 0;
    }
  }
  const near = new Uint8Array(nx * ny);
  for (let c = 0; c < nx; c++) {
    let count = 0;
    for (let r = 0; r < Math.min(ny, radius); r++) count += across[r * nx + c]!;
    for (let r = 0; r < ny; r++) {
      if (r + radius < ny) count += across[(r + radius) * nx + c]!;
      if (r - radius - 1 >= 0) count -= across[(r - radius - 1) * nx + c]!;
      near[r * nx + c] = count > 0 ? 1 : 0;
    }
  }
  return near;
}
