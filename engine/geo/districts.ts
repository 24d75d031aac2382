// Hanoi's 30 districts: the table (id, names, kind, label point) joined with
// their areas from the generated GeoJSON, so a District is also a Zone. The
// CSV is the source; `hanoi-districts.geojson` is derived from it by
// scripts/build-hanoi-districts.ts and must never be edited by hand.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GeoDataError } from './errors.ts';
import { parseZones, type Zone } from './zones.ts';

/** A row of `hanoi-districts.csv`. */
export interface DistrictRow {
  readonly id: string;
  readonly nameVi: string;
  readonly nameEn: string;
  /** `urban` (quận), `town` (thị xã) or `rural` (huyện). */
  readonly kind: string;
  /** Label point: where the district's name is drawn and its sensors cluster. */
  readonly lat: number;
  readonly lon: number;
}

/** A district with its area: usable wherever a Zone is. */
export interface District extends DistrictRow, Zone {}

/** The district table, the source the GeoJSON is generated from. */
export const HANOI_DISTRICTS_CSV = fileURLToPath(new URL('./hanoi-districts.csv', import.meta.url));
/** District areas generated from the table (Voronoi cells of the label points clipped to the city outline). */
export const HANOI_DISTRICTS_GEOJSON = fileURLToPath(new URL('./hanoi-districts.geojson', import.meta.url));

const HEADER = 'id,name_vi,name_en,kind,lat,lon';

/**
 * Parses the district table (`id,name_vi,name_en,kind,lat,lon`).
 * @example parseDistrictsCsv('id,name_vi,name_en,kind,lat,lon\nhoan-kiem,Hoàn Kiếm,Hoan Kiem,urban,21.0288,105.8525')
 */
export function parseDistrictsCsv(text: string, source = 'districts.csv'): DistrictRow[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim();
  if (header !== HEADER) throw new GeoDataError(source, [{ line: 1, column: 1, path: '', message: `expected the header ${HEADER}, found ${JSON.stringify(header)}` }]);
  const rows: DistrictRow[] = [];
  lines.forEach((line, i) => {
    if (i === 0 || line.trim() === '') return;
    const [id, nameVi, nameEn, kind, lat, lon] = line.split(',');
    const d = { id: id ?? '', nameVi: nameVi ?? '', nameEn: nameEn ?? '', kind: kind ?? '', lat: Number(lat), lon: Number(lon) };
    if (!d.id || !d.nameVi || !d.nameEn || !d.kind || !Number.isFinite(d.lat) || !Number.isFinite(d.lon)) {
      throw new GeoDataError(source, [{ line: i + 1, column: 1, path: '', message: `malformed district row: ${line}` }]);
    }
    rows.push(d);
  });
  return rows;
}

/** Joins table rows with their areas by id; every row must have one. */
export function joinDistricts(rows: readonly DistrictRow[], zones: readonly Zone[], source = 'districts'): District[] {
  const areas = new Map(zones.map((z) => [z.id, z]));
  const missing = rows.filter((r) => !areas.has(r.id)).map((r) => r.id);
  if (missing.length > 0) {
    throw new GeoDataError(source, [{ line: 0, column: 0, path: '', message: `no area for ${missing.join(', ')}: regenerate with npx tsx engine/geo/scripts/build-hanoi-districts.ts` }]);
  }
  return rows.map((r) => {
    const z = areas.get(r.id)!;
    return { ...r, polygons: z.polygons, properties: z.properties };
  });
}

let cached: District[] | undefined;

/**
 * The 30 districts of Hanoi with their areas, read once from the bundled files.
 * @example new ZoneLocator(hanoiDistricts()).zoneOf(21.0288, 105.8525) // 'hoan-kiem'
 */
export function hanoiDistricts(): District[] {
  cached ??= joinDistricts(
    parseDistrictsCsv(readFileSync(HANOI_DISTRICTS_CSV, 'utf8'), HANOI_DISTRICTS_CSV),
    parseZones(readFileSync(HANOI_DISTRICTS_GEOJSON, 'utf8'), { source: HANOI_DISTRICTS_GEOJSON }),
    HANOI_DISTRICTS_GEOJSON,
  );
  return cached;
}
