import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANOI_DISTRICTS_CSV, HANOI_DISTRICTS_GEOJSON, hanoiDistricts, joinDistricts, parseDistrictsCsv } from './districts.ts';
import { GeoDataError } from './errors.ts';
import { hanoiDistrictsGeoJson } from './hanoi-district-areas.ts';
import { ZoneLocator } from './zone-locator.ts';
import { parseZones } from './zones.ts';

const CONSOLE_COPY = fileURLToPath(new URL('../../console/public/geo/hanoi-districts.geojson', import.meta.url));
const rows = parseDistrictsCsv(readFileSync(HANOI_DISTRICTS_CSV, 'utf8'));
const geojson = readFileSync(HANOI_DISTRICTS_GEOJSON, 'utf8');

describe('Hanoi districts', () => {
  it('has the 30 districts of the table, each with an area', () => {
    const districts = hanoiDistricts();
    expect(districts.map((d) => d.id)).toEqual(rows.map((r) => r.id));
    expect(districts).toHaveLength(30);
    for (const d of districts) expect(d.polygons.length, d.id).toBeGreaterThan(0);
    expect(districts.find((d) => d.id === 'hoan-kiem')).toMatchObject({ nameVi: 'Hoàn Kiếm', nameEn: 'Hoan Kiem', kind: 'urban' });
  });

  it('puts each label point in its own district', () => {
    const zones = new ZoneLocator(hanoiDistricts());
    for (const d of hanoiDistricts()) {
      expect(zones.zoneContains(d.id, d.lat, d.lon), d.id).toBe(true);
      expect(zones.zoneOf(d.lat, d.lon), d.id).toBe(d.id);
    }
  });

  it('reads GeoJSON generated from the current table (rerun engine/geo/scripts/build-hanoi-districts.ts if not)', () => {
    expect(geojson).toBe(hanoiDistrictsGeoJson(rows));
  });

  it('gives the console the same file, with what its map reads', () => {
    expect(readFileSync(CONSOLE_COPY, 'utf8')).toBe(geojson);
    const features = (JSON.parse(geojson) as { features: { id?: string; properties: Record<string, unknown>; geometry: { type: string } }[] }).features;
    const polygons = features.filter((f) => f.geometry.type === 'Polygon');
    const labels = features.filter((f) => f.geometry.type === 'Point');
    expect(polygons.map((f) => f.id)).toEqual(rows.map((r) => r.id));
    for (const f of [...polygons, ...labels]) expect(Object.keys(f.properties).sort()).toEqual(['id', 'kind', 'name_en', 'name_vi']);
    expect(labels.map((f) => f.properties.id)).toEqual(rows.map((r) => r.id));
  });

  it('refuses a malformed table and a district without an area', () => {
    expect(() => parseDistrictsCsv('id,name\nx,y')).toThrow(GeoDataError);
    expect(() => parseDistrictsCsv('id,name_vi,name_en,kind,lat,lon\nx,X,X,urban,north,105')).toThrow(/:2:1: malformed district row/);
    expect(() => joinDistricts([...rows, { ...rows[0]!, id: 'new-district' }], parseZones(geojson))).toThrow(/no area for new-district/);
  });
});
