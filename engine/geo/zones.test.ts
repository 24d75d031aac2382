import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeoDataError } from './errors.ts';
import { loadZones, parseZones } from './zones.ts';

const ring = [[105.8, 21], [105.9, 21], [105.9, 21.1], [105.8, 21.1], [105.8, 21]];
const feature = (geometry: object, properties: object = { id: 'a' }, extra: object = {}) => ({ type: 'Feature', properties, geometry, ...extra });
const collection = (...features: object[]) => ({ type: 'FeatureCollection', features });

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof GeoDataError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  throw new Error('expected a GeoDataError');
}

describe('parseZones', () => {
  it('reads Polygons and MultiPolygons, keeps properties and skips label points', () => {
    const zones = parseZones(collection(
      feature({ type: 'Polygon', coordinates: [ring] }, { id: 'a', name_vi: 'A' }),
      feature({ type: 'Point', coordinates: [105.85, 21.05] }, { id: 'a' }),
      feature({ type: 'MultiPolygon', coordinates: [[ring], [ring.map(([x, y]) => [x! + 1, y!])]] }, { id: 'b' }),
    ));
    expect(zones.map((z) => [z.id, z.polygons.length])).toEqual([['a', 1], ['b', 2]]);
    expect(zones[0]!.properties.name_vi).toBe('A');
    expect(zones[0]!.polygons[0]![0]).toEqual(ring);
  });

  it('takes the id from another property, or from the feature id', () => {
    const g = { type: 'Polygon', coordinates: [ring] };
    expect(parseZones(collection(feature(g, { ma_xa: '00001' })), { idProperty: 'ma_xa' })[0]!.id).toBe('00001');
    expect(parseZones(JSON.stringify(collection(feature(g, {}, { id: 'from-feature' }))))[0]!.id).toBe('from-feature');
  });

  it('closes an open ring', () => {
    const zones = parseZones(collection(feature({ type: 'Polygon', coordinates: [ring.slice(0, 4)] })));
    expect(zones[0]!.polygons[0]![0]).toEqual(ring);
  });

  it('reports every problem with its place', () => {
    const problems = problemsOf(() => parseZones(collection(
      feature({ type: 'Polygon', coordinates: [ring] }),
      feature({ type: 'Polygon', coordinates: [ring] }),
      feature({ type: 'Polygon', coordinates: [ring] }, { id: 'has space' }),
      feature({ type: 'Polygon', coordinates: [[[21, 105.8], [21, 105.9], [21.1, 105.9], [21, 105.8]]] }, { id: 'swapped' }),
      feature({ type: 'Polygon', coordinates: [[[105.8, 21], [105.9, 21], [105.8, 21]]] }, { id: 'thin' }),
      feature({ type: 'MultiPolygon', coordinates: 'nope' }, { id: 'm' }),
    )));
    expect(problems).toEqual([
      'features[1]: zone id "a" is already used by features[0]',
      'features[2]: needs a zone id in properties.id made of letters, digits, "-" and "_" (found "has space")',
      'features[3].geometry.coordinates[0][0]: position [21, 105.8] is not a longitude and latitude in degrees (lon first)',
      'features[3].geometry.coordinates[0][1]: position [21, 105.9] is not a longitude and latitude in degrees (lon first)',
      'features[3].geometry.coordinates[0][2]: position [21.1, 105.9] is not a longitude and latitude in degrees (lon first)',
      'features[3].geometry.coordinates[0][3]: position [21, 105.8] is not a longitude and latitude in degrees (lon first)',
      'features[4].geometry.coordinates[0]: a ring needs at least 3 distinct positions (found 2)',
      'features[5].geometry.coordinates: expected an array',
    ]);
  });

  it('refuses what is not a FeatureCollection of zones', () => {
    expect(problemsOf(() => parseZones('{'))[0]).toMatch(/^: not JSON/);
    expect(problemsOf(() => parseZones({ type: 'Feature' }))).toEqual([': expected a GeoJSON FeatureCollection with a features array']);
    expect(problemsOf(() => parseZones(collection(feature({ type: 'Point', coordinates: [1, 2] }))))).toEqual(['features: no Polygon or MultiPolygon feature: nothing to locate points in']);
  });

  it('loads a file and names it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioc-zones-'));
    const good = join(dir, 'wards.geojson');
    writeFileSync(good, JSON.stringify(collection(feature({ type: 'Polygon', coordinates: [ring] }, { id: 'w1' }))));
    expect(loadZones(good).map((z) => z.id)).toEqual(['w1']);
    expect(() => loadZones(join(dir, 'missing.geojson'))).toThrow(/missing\.geojson: cannot read/);
  });
});
