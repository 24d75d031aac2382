// Hanoi's districts (id, names, centroid) and the zone a point falls in.
// For now a point belongs to the nearest district centroid; district polygons
// replace this later without changing callers.

import { readFileSync } from 'node:fs';

export interface District {
  id: string;
  nameVi: string;
  nameEn: string;
  kind: string;
  lat: number;
  lon: number;
}

const CSV_URL = new URL('./hanoi-districts.csv', import.meta.url);

/** Parses the district table (`id,name_vi,name_en,kind,lat,lon`). */
export function parseDistrictsCsv(text: string): District[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (header?.trim() !== 'id,name_vi,name_en,kind,lat,lon') throw new Error(`unexpected districts header: ${header}`);
  return lines.map((line, i) => {
    const [id, nameVi, nameEn, kind, lat, lon] = line.split(',');
    const d = { id: id!, nameVi: nameVi!, nameEn: nameEn!, kind: kind!, lat: Number(lat), lon: Number(lon) };
    if (!d.id || !Number.isFinite(d.lat) || !Number.isFinite(d.lon)) throw new Error(`districts line ${i + 2} is malformed: ${line}`);
    return d;
  });
}

let cached: District[] | undefined;

/** The 30 districts of Hanoi, read once from the bundled CSV. */
export function hanoiDistricts(): District[] {
  cached ??= parseDistrictsCsv(readFileSync(CSV_URL, 'utf8'));
  return cached;
}

/** Great-circle distance in meters. */
export function distanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(a));
}

/** Finds the zone of a point: the nearest district centroid within `maxMeters`. */
export class ZoneLocator {
  private readonly lats: Float64Array;
  private readonly lons: Float64Array;
  private readonly ids: string[];
  private readonly cosLat: number;

  constructor(districts: readonly District[], private readonly maxMeters = 60_000) {
    this.lats = Float64Array.from(districts, (d) => d.lat);
    this.lons = Float64Array.from(districts, (d) => d.lon);
    this.ids = districts.map((d) => d.id);
    const meanLat = districts.reduce((s, d) => s + d.lat, 0) / Math.max(1, districts.length);
    this.cosLat = Math.cos((meanLat * Math.PI) / 180);
  }

  /**
   * @example new ZoneLocator(hanoiDistricts()).zoneOf(21.0288, 105.8525) // 'hoan-kiem'
   * @returns the district id, or undefined when the point is outside the city.
   */
  zoneOf(lat: number, lon: number): string | undefined {
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < this.ids.length; i++) {
      const dy = this.lats[i]! - lat;
      const dx = (this.lons[i]! - lon) * this.cosLat;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best < 0) return undefined;
    return distanceMeters(lat, lon, this.lats[best]!, this.lons[best]!) <= this.maxMeters ? this.ids[best] : undefined;
  }
}
