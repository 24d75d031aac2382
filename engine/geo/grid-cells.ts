// Square grid cells of about a given size, named by a stable string id, for
// rules that count events "within 500 m of each other": group by cell, and
// look at a cell's neighbours. The id depends only on the point and the size,
// never on data or load order, so it can live in checkpoints and alert keys;
// its formula must never change once released.

import { InvalidArgumentError } from '../errors/index.ts';
import { METERS_PER_DEGREE } from './distance.ts';

/** A parsed cell id and its bounds in degrees. */
export interface GridCell {
  readonly id: string;
  /** Side of the cell in meters, as asked. */
  readonly meters: number;
  readonly row: number;
  readonly col: number;
  readonly south: number;
  readonly north: number;
  readonly west: number;
  readonly east: number;
  /** The centre, which names the cell. */
  readonly lat: number;
  readonly lon: number;
}

/** Smallest cell: the id rounds the centre to 5 decimals (about a meter), which must stay inside the cell. */
export const MIN_CELL_METERS = 10;
/** Near the poles a degree of longitude shrinks to nothing: cells stop narrowing here. */
const MIN_COS = 1e-6;
/** Rows in the same band of latitude share their column width, so there the grid is a plain rectangle. */
const BAND_DEGREES = 5;
const CELL_ID = /^(\d+(?:\.\d+)?)m@(-?\d+\.\d{5}),(-?\d+\.\d{5})$/;

/**
 * Rows are `meters` tall, counted from the equator. Columns are counted from
 * the prime meridian and are `meters` wide at the poleward edge of the row's
 * 5° band of latitude, so cells are never narrower than `meters` (and at most
 * 4 % wider below 25°, 9 % below 45°). The id names the size and the centre,
 * `<meters>m@<lat>,<lon>` with 5 decimals, so an operator reading an alert key
 * sees where the cell is. Undefined for NaN or infinite coordinates.
 * @throws InvalidArgumentError when `meters` is not a number ≥ 10.
 * @example cellOf(21.0288, 105.8525, 500) // '500m@21.02839,105.85410'
 */
export function cellOf(lat: number, lon: number, meters: number): string | undefined {
  checkMeters(meters);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
  const dLat = meters / METERS_PER_DEGREE;
  const row = Math.floor(lat / dLat);
  const dLon = lonStep(row, dLat, meters);
  return idOf(meters, row, Math.floor(lon / dLon), dLat, dLon);
}

/**
 * The cell of an id, with its bounds.
 * @throws InvalidArgumentError for a string that is not an id `cellOf` returns.
 * @example gridCell('500m@21.02839,105.85410').north // 21.03063...
 */
export function gridCell(cellId: string): GridCell {
  const m = CELL_ID.exec(cellId);
  const meters = m ? Number(m[1]) : NaN;
  if (!m || !(meters >= MIN_CELL_METERS)) throw new InvalidArgumentError(`"${cellId}" is not a grid cell id (expected <meters>m@<lat>,<lon> as cellOf returns it)`);
  const dLat = meters / METERS_PER_DEGREE;
  const row = Math.floor(Number(m[2]) / dLat);
  const dLon = lonStep(row, dLat, meters);
  const col = Math.floor(Number(m[3]) / dLon);
  if (idOf(meters, row, col, dLat, dLon) !== cellId) throw new InvalidArgumentError(`"${cellId}" is not the centre of a ${meters} m grid cell`);
  return {
    id: cellId, meters, row, col,
    south: row * dLat, north: (row + 1) * dLat, west: col * dLon, east: (col + 1) * dLon,
    lat: (row + 0.5) * dLat, lon: (col + 0.5) * dLon,
  };
}

/**
 * The cells around a cell: the 8 of the 3 × 3 block; where a neighbouring row
 * lies in the next 5° band (columns of another width), the cells of that row
 * that overlap the block: 3 to 5 below 60° of latitude, more nearer the poles.
 * Every point within `meters` of a point of the cell lies in the cell or one of these.
 * @example neighbours('500m@21.02839,105.85410').length // 8
 */
export function neighbours(cellId: string): string[] {
  const cell = gridCell(cellId);
  const dLat = cell.meters / METERS_PER_DEGREE;
  const own = lonStep(cell.row, dLat, cell.meters);
  const out: string[] = [];
  for (let row = cell.row - 1; row <= cell.row + 1; row++) {
    const dLon = lonStep(row, dLat, cell.meters);
    let first = cell.col - 1;
    let last = cell.col + 1;
    if (dLon !== own) {
      // Another band: the columns overlapping the cell's span widened by the wider of the two cell widths.
      const pad = Math.max(own, dLon);
      const west = cell.west - pad;
      const east = cell.east + pad;
      first = Math.floor(west / dLon);
      last = Math.ceil(east / dLon) - 1;
      if ((first + 1) * dLon - west < dLon * 1e-9) first++;
      if (east - last * dLon < dLon * 1e-9) last--;
    }
    for (let col = first; col <= last; col++) if (row !== cell.row || col !== cell.col) out.push(idOf(cell.meters, row, col, dLat, dLon));
  }
  return out;
}

function idOf(meters: number, row: number, col: number, dLat: number, dLon: number): string {
  return `${meters}m@${((row + 0.5) * dLat).toFixed(5)},${((col + 0.5) * dLon).toFixed(5)}`;
}

/** Width in degrees of longitude of the cells of a row: `meters` just beyond the poleward edge of its band. */
function lonStep(row: number, dLat: number, meters: number): number {
  const band = Math.floor(((row + 0.5) * dLat) / BAND_DEGREES);
  // A row whose middle is in the band may reach half a row past its edge: measure one row beyond.
  const poleward = Math.min(90, Math.max(Math.abs(band * BAND_DEGREES), Math.abs((band + 1) * BAND_DEGREES)) + dLat);
  return meters / (METERS_PER_DEGREE * Math.max(MIN_COS, Math.cos((poleward * Math.PI) / 180)));
}

function checkMeters(meters: number): void {
  if (!(meters >= MIN_CELL_METERS) || !Number.isFinite(meters)) throw new InvalidArgumentError(`a grid cell size must be a number of meters, at least ${MIN_CELL_METERS} (got ${meters})`);
}
