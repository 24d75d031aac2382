import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hanoiDistricts } from './districts.ts';
import { distanceMeters } from './distance.ts';
import { GeoDataError, UnknownGeoRefError } from './errors.ts';
import { hanoiPois, loadPois, parsePois, PoiIndex, type Poi } from './pois.ts';
import { ZoneLocator } from './zone-locator.ts';

const YAML = `# two POIs
pois:
  - { id: pump-yen-so, kind: pump-station, name_vi: "Trạm bơm Yên Sở", name_en: "Yen So pumping station", lat: 20.9630, lon: 105.8755 }
  - id: underpass-kim-lien
    kind: underpass
    name_vi: Hầm chui Kim Liên
    name_en: Kim Lien underpass
    lat: 21.0085
    lon: 105.8412
`;
const CSV = `id,name_vi,name_en,kind,lat,lon
pump-yen-so,Trạm bơm Yên Sở,Yen So pumping station,pump-station,20.9630,105.8755
underpass-kim-lien,Hầm chui Kim Liên,Kim Lien underpass,underpass,21.0085,105.8412
`;

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof GeoDataError) return err.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    throw err;
  }
  throw new Error('expected a GeoDataError');
}

describe('parsePois', () => {
  it('reads the same POIs from YAML and CSV', () => {
    const fromYaml = parsePois(YAML, 'yaml');
    expect(fromYaml).toEqual(parsePois(CSV, 'csv'));
    expect(fromYaml[1]).toEqual({ id: 'underpass-kim-lien', nameVi: 'Hầm chui Kim Liên', nameEn: 'Kim Lien underpass', kind: 'underpass', lat: 21.0085, lon: 105.8412 });
  });

  it('reports every YAML problem at its line and column', () => {
    expect(problemsOf(() => parsePois(`pois:
  - { id: a, kind: Pump Station, name_vi: A, name_en: A, lat: 21, lon: 105.8 }
  - { id: b, kind: school, name_vi: B, name_en: B, lat: 105.8, lon: 21, colour: red }
  - { id: a, kind: school, name_vi: "", name_en: C, lon: 105.8 }
`, 'yaml'))).toEqual([
      '2:20 kind "Pump Station" must be kebab-case, like pump-station',
      '3:73 unknown key "colour" (expected id, name_vi, name_en, kind, lat, lon)',
      '3:57 lat must be a number of degrees between -90 and 90 (found 105.8)',
      '4:37 name_vi must be a non-empty string',
      '4:5 missing lat',
    ]);
    expect(problemsOf(() => parsePois('pois: [', 'yaml'))[0]).toMatch(/^1:\d+ YAML: /);
    expect(problemsOf(() => parsePois('points: []', 'yaml'))).toEqual(['1:1 expected a map with a `pois:` list']);
  });

  it('reports CSV problems by line and refuses duplicate ids', () => {
    expect(problemsOf(() => parsePois(`${CSV}pump-yen-so,X,X,pump-station,21,105\nbad,"Cầu, Giấy",x,school,21,105\n`, 'csv'))).toEqual([
      '5:1 expected 6 fields (id,name_vi,name_en,kind,lat,lon), found 7',
      '4:1 POI id "pump-yen-so" is already used at line 2',
    ]);
    expect(problemsOf(() => parsePois('id,name\n', 'csv'))).toEqual(['1:1 expected the header id,name_vi,name_en,kind,lat,lon']);
  });

  it('loads files by extension and inline text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioc-pois-'));
    writeFileSync(join(dir, 'pois.csv'), CSV);
    expect(loadPois(join(dir, 'pois.csv')).has('pump-yen-so')).toBe(true);
    expect(loadPois({ text: YAML, format: 'yaml' }).kinds()).toEqual(['pump-station', 'underpass']);
    expect(() => loadPois(join(dir, 'pois.json'))).toThrow(/ends in \.yaml, \.yml or \.csv/);
    expect(() => loadPois(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read/);
  });
});

describe('PoiIndex', () => {
  const pois = new PoiIndex(parsePois(YAML, 'yaml'));

  it('says whether a point is near a POI, exactly as distanceMeters does', () => {
    expect(pois.near('underpass-kim-lien', 21.0085, 105.8412, 0)).toBe(true);
    expect(pois.near('underpass-kim-lien', 21.012, 105.8412, 300)).toBe(false); // 389 m north
    expect(pois.near('underpass-kim-lien', 21.012, 105.8412, 400)).toBe(true);
    expect(pois.near('underpass-kim-lien', NaN, 105.8412, 400)).toBe(false);
    expect(pois.distanceTo('pump-yen-so', 20.963, 105.8755)).toBe(0);
    const lat = fc.double({ min: 20.9, max: 21.1, noNaN: true });
    const lon = fc.double({ min: 105.75, max: 105.95, noNaN: true });
    fc.assert(fc.property(lat, lon, fc.double({ min: 0, max: 20_000, noNaN: true }), (la, lo, m) => {
      expect(pois.near('pump-yen-so', la, lo, m)).toBe(distanceMeters(20.963, 105.8755, la, lo) <= m);
    }));
  });

  it('finds the nearest POI, of a kind when asked, as a full scan would', () => {
    expect(pois.nearestPoi(21.0, 105.84)?.poi.id).toBe('underpass-kim-lien');
    expect(pois.nearestPoi(21.0, 105.84, 'pump-station')).toMatchObject({ poi: { id: 'pump-yen-so' } });
    expect(pois.nearestPoi(NaN, 105.84)).toBeUndefined();
    const poi = fc.record({
      id: fc.uuid(), nameVi: fc.constant('x'), nameEn: fc.constant('x'), kind: fc.constantFrom('a', 'b'),
      lat: fc.double({ min: 20.5, max: 21.5, noNaN: true }), lon: fc.double({ min: 105.3, max: 106.1, noNaN: true }),
    });
    const at = fc.tuple(fc.double({ min: 20, max: 22, noNaN: true }), fc.double({ min: 105, max: 106.5, noNaN: true }));
    fc.assert(fc.property(fc.uniqueArray(poi, { minLength: 1, maxLength: 60, selector: (p) => p.id }), at, fc.constantFrom(undefined, 'a', 'b'), (list: Poi[], [lat, lon], kind) => {
      const index = new PoiIndex(list);
      const candidates = list.filter((p) => kind === undefined || p.kind === kind);
      if (candidates.length === 0) return;
      const best = Math.min(...candidates.map((p) => distanceMeters(p.lat, p.lon, lat, lon)));
      const found = index.nearestPoi(lat, lon, kind)!;
      expect(found.meters).toBe(best);
      expect(distanceMeters(found.poi.lat, found.poi.lon, lat, lon)).toBe(best);
    }));
  });

  it('names an unknown POI or kind in a typed error', () => {
    expect(() => pois.near('pump-yen-sow', 21, 105.8, 100)).toThrow(new UnknownGeoRefError('poi', 'pump-yen-sow', ['pump-yen-so', 'underpass-kim-lien']));
    expect(() => pois.nearestPoi(21, 105.8, 'hospitl')).toThrow(/unknown poi kind "hospitl" \(known: pump-station, underpass\)/);
    expect(() => pois.distanceTo('x', 21, 105.8)).toThrow(UnknownGeoRefError);
  });
});

describe('Hanoi POIs', () => {
  it('loads, with the kinds the example rules use, every POI inside a district', () => {
    const pois = hanoiPois();
    expect(pois.all().length).toBeGreaterThanOrEqual(12);
    expect(pois.kinds()).toEqual(expect.arrayContaining(['pump-station', 'underpass', 'hospital']));
    const zones = new ZoneLocator(hanoiDistricts(), { fallbackMeters: 0 });
    for (const p of pois.all()) expect(zones.zoneOf(p.lat, p.lon), p.id).toBeDefined();
    expect(pois.nearestPoi(21.0288, 105.8525, 'hospital')?.poi.id).toBe('hospital-viet-duc');
    expect(pois.near('underpass-kim-lien', 21.0095, 105.8415, 200)).toBe(true);
  });
});
