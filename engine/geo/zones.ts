// Zones read from GeoJSON: every Polygon or MultiPolygon feature with an id is
// a zone (districts today, wards or any drawn area later); other features, such
// as label points, are skipped. It validates everything and reports every
// problem with its place; it never guesses an id or drops a bad area silently.

import { readFileSync } from 'node:fs';
import { GeoDataError, type GeoDataProblem } from './errors.ts';
import type { LonLat, PolygonRings, Ring } from './polygon.ts';

export interface Zone {
  readonly id: string;
  /** Areas as GeoJSON rings (exterior, then holes), each ring closed; one for a Polygon, several for a MultiPolygon. */
  readonly polygons: readonly PolygonRings[];
  /** The feature's properties as read (names, kind, parent zone, ...). */
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface ParseZonesOptions {
  /** Property that holds the zone id (default `id`); the feature's own `id` member is used when the property is absent. */
  idProperty?: string;
  /** Name for error messages, such as the file path. */
  source?: string;
}

/**
 * Zone ids travel in group keys, CEL string literals and, with partitioning,
 * NATS subject tokens: letters, digits, `-` and `_` only.
 */
const ZONE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Zones from a GeoJSON FeatureCollection (text or parsed). Rings may omit the
 * closing position; it is added. Throws `GeoDataError` listing every problem.
 * @example parseZones(readFileSync('wards.geojson', 'utf8'), { idProperty: 'ma_xa' })
 */
export function parseZones(geojson: string | unknown, options: ParseZonesOptions = {}): Zone[] {
  const source = options.source ?? 'zones';
  const idProperty = options.idProperty ?? 'id';
  let doc: unknown = geojson;
  if (typeof geojson === 'string') {
    try {
      doc = JSON.parse(geojson);
    } catch (err) {
      throw new GeoDataError(source, [{ line: 0, column: 0, path: '', message: `not JSON: ${err instanceof Error ? err.message : String(err)}` }], { cause: err });
    }
  }
  const problems: GeoDataProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ line: 0, column: 0, path, message });

  if (!isObject(doc) || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw new GeoDataError(source, [{ line: 0, column: 0, path: '', message: 'expected a GeoJSON FeatureCollection with a features array' }]);
  }
  const zones: Zone[] = [];
  const firstUse = new Map<string, number>();
  doc.features.forEach((feature: unknown, i: number) => {
    const at = `features[${i}]`;
    if (!isObject(feature) || feature.type !== 'Feature') return problem(at, 'expected a Feature');
    const geometry = feature.geometry;
    if (!isObject(geometry) || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) return; // labels, lines: not zones
    const properties = isObject(feature.properties) ? feature.properties : {};
    const id = properties[idProperty] ?? feature.id;
    if (typeof id !== 'string' || !ZONE_ID.test(id)) {
      return problem(at, `needs a zone id in properties.${idProperty} made of letters, digits, "-" and "_" (found ${JSON.stringify(id)})`);
    }
    const seen = firstUse.get(id);
    if (seen !== undefined) return problem(at, `zone id "${id}" is already used by features[${seen}]`);
    firstUse.set(id, i);
    const before = problems.length;
    const polygons = geometry.type === 'Polygon'
      ? [readPolygon(geometry.coordinates, `${at}.geometry.coordinates`, problem)]
      : readList(geometry.coordinates, `${at}.geometry.coordinates`, problem, (p, path) => readPolygon(p, path, problem));
    if (problems.length === before && polygons.length === 0) problem(`${at}.geometry.coordinates`, 'a MultiPolygon needs at least one polygon');
    if (problems.length === before) zones.push({ id, polygons, properties });
  });
  if (problems.length === 0 && zones.length === 0) problem('features', 'no Polygon or MultiPolygon feature: nothing to locate points in');
  if (problems.length > 0) throw new GeoDataError(source, problems);
  return zones;
}

/**
 * Zones from a GeoJSON file.
 * @example new ZoneLocator(loadZones('/etc/ioc/hanoi-wards.geojson'))
 */
export function loadZones(path: string, options: Omit<ParseZonesOptions, 'source'> = {}): Zone[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GeoDataError(path, [{ line: 0, column: 0, path: '', message: `cannot read: ${err instanceof Error ? err.message : String(err)}` }], { cause: err });
  }
  return parseZones(text, { ...options, source: path });
}

type Problem = (path: string, message: string) => void;

function readList<T>(value: unknown, path: string, problem: Problem, read: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(value)) {
    problem(path, 'expected an array');
    return [];
  }
  return value.map((v, i) => read(v, `${path}[${i}]`));
}

function readPolygon(value: unknown, path: string, problem: Problem): PolygonRings {
  const rings = readList(value, path, problem, (r, p) => readRing(r, p, problem));
  if (Array.isArray(value) && value.length === 0) problem(path, 'a polygon needs an exterior ring');
  return rings;
}

function readRing(value: unknown, path: string, problem: Problem): Ring {
  const positions = readList(value, path, problem, (p, at) => readPosition(p, at, problem));
  if (positions.some((p) => p === undefined)) return [];
  const ring = positions as LonLat[];
  const first = ring[0];
  const last = ring.at(-1);
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push(first);
  const distinct = new Set(ring.map((p) => `${p[0]},${p[1]}`)).size;
  if (Array.isArray(value) && distinct < 3) problem(path, `a ring needs at least 3 distinct positions (found ${distinct})`);
  return ring;
}

function readPosition(value: unknown, path: string, problem: Problem): LonLat | undefined {
  if (!Array.isArray(value) || value.length < 2 || typeof value[0] !== 'number' || typeof value[1] !== 'number') {
    problem(path, 'expected a position [lon, lat]');
    return undefined;
  }
  const [lon, lat] = value as [number, number];
  if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
    problem(path, `position [${lon}, ${lat}] is not a longitude and latitude in degrees (lon first)`);
    return undefined;
  }
  return [lon, lat];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
