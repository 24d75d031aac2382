// Points of interest (pumping stations, underpasses, hospitals, schools...)
// from a small YAML or CSV table, and the questions rules ask about them: is
// this event near that POI, which POI of a kind is nearest. Loading validates
// every row and reports each problem at file:line:column; a query never
// allocates beyond its answer.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { distanceMeters, METERS_PER_DEGREE } from './distance.ts';
import { GeoDataError, UnknownGeoRefError, type GeoDataProblem } from './errors.ts';
import { InvalidArgumentError } from '../errors/index.ts';

export interface Poi {
  readonly id: string;
  readonly nameVi: string;
  readonly nameEn: string;
  /** Kebab-case: `pump-station`, `sluice`, `underpass`, `hospital`, `school`, ... */
  readonly kind: string;
  readonly lat: number;
  readonly lon: number;
}

/** The nearest POI and how far it is. */
export interface PoiMatch {
  readonly poi: Poi;
  readonly meters: number;
}

export type PoiFormat = 'yaml' | 'csv';

/** POI text given inline rather than as a file. */
export interface PoiText {
  text: string;
  format: PoiFormat;
  /** Name for error messages. */
  name?: string;
}

/** Ids travel in CEL string literals and alert keys: letters, digits, `-` and `_`. */
const POI_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const POI_KIND = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const CSV_HEADER = 'id,name_vi,name_en,kind,lat,lon';
const KEYS = ['id', 'name_vi', 'name_en', 'kind', 'lat', 'lon'] as const;

/**
 * POIs from a file (`.yaml`/`.yml` or `.csv`, by extension) or from inline text.
 * @example loadPois('engine/geo/hanoi-pois.yaml').near('underpass-kim-lien', 21.009, 105.8412, 300) // true
 * @example loadPois({ text: 'id,name_vi,name_en,kind,lat,lon\n...', format: 'csv' })
 */
export function loadPois(source: string | PoiText): PoiIndex {
  if (typeof source !== 'string') return new PoiIndex(parsePois(source.text, source.format, source.name ?? `pois.${source.format}`));
  const ext = extname(source).toLowerCase();
  const format: PoiFormat | undefined = ext === '.csv' ? 'csv' : ext === '.yaml' || ext === '.yml' ? 'yaml' : undefined;
  if (!format) throw new GeoDataError(source, [{ line: 0, column: 0, path: '', message: 'a POI file ends in .yaml, .yml or .csv' }]);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new GeoDataError(source, [{ line: 0, column: 0, path: '', message: `cannot read: ${err instanceof Error ? err.message : String(err)}` }], { cause: err });
  }
  return new PoiIndex(parsePois(text, format, source));
}

/**
 * Parses a POI table. YAML: `pois:` then a list of maps with keys id, name_vi,
 * name_en, kind, lat, lon. CSV: that header, then one POI per line (no quoting:
 * a name with a comma belongs in YAML). Throws `GeoDataError` listing every problem.
 */
export function parsePois(text: string, format: PoiFormat, name = 'pois'): Poi[] {
  const problems: GeoDataProblem[] = [];
  const pois = format === 'csv' ? parseCsv(text, problems) : parseYaml(text, problems);
  const first = new Map<string, string>();
  pois.forEach(({ poi, at }) => {
    const seen = first.get(poi.id);
    if (seen !== undefined) problems.push({ ...at, message: `POI id "${poi.id}" is already used at ${seen}` });
    else first.set(poi.id, at.line > 0 ? `line ${at.line}` : at.path);
  });
  if (problems.length > 0) throw new GeoDataError(name, problems);
  return pois.map((p) => p.poi);
}

type Place = Omit<GeoDataProblem, 'message'>;
type Raw = Partial<Record<(typeof KEYS)[number], { value: unknown; at: Place }>>;

/** Checks one row's fields, reporting at each field's place. */
function toPoi(raw: Raw, row: Place, problems: GeoDataProblem[]): Poi | undefined {
  const before = problems.length;
  const field = (key: (typeof KEYS)[number]) => {
    const f = raw[key];
    if (f === undefined) problems.push({ ...row, message: `missing ${key}` });
    return f;
  };
  const text = (key: (typeof KEYS)[number], pattern?: RegExp, rule?: string): string => {
    const f = field(key);
    if (!f) return '';
    const v = typeof f.value === 'string' ? f.value.trim() : '';
    if (v === '') problems.push({ ...f.at, message: `${key} must be a non-empty string` });
    else if (pattern && !pattern.test(v)) problems.push({ ...f.at, message: `${key} "${v}" ${rule}` });
    return v;
  };
  const degrees = (key: 'lat' | 'lon', max: number): number => {
    const f = field(key);
    if (!f) return NaN;
    const v = typeof f.value === 'number' ? f.value : typeof f.value === 'string' && f.value.trim() !== '' ? Number(f.value) : NaN;
    if (!(Math.abs(v) <= max)) problems.push({ ...f.at, message: `${key} must be a number of degrees between -${max} and ${max} (found ${JSON.stringify(f.value)})` });
    return v;
  };
  const poi: Poi = {
    id: text('id', POI_ID, 'may hold only letters, digits, "-" and "_"'),
    nameVi: text('name_vi'),
    nameEn: text('name_en'),
    kind: text('kind', POI_KIND, 'must be kebab-case, like pump-station'),
    lat: degrees('lat', 90),
    lon: degrees('lon', 180),
  };
  return problems.length === before ? poi : undefined;
}

function parseCsv(text: string, problems: GeoDataProblem[]): { poi: Poi; at: Place }[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== CSV_HEADER) {
    problems.push({ line: 1, column: 1, path: '', message: `expected the header ${CSV_HEADER}` });
    return [];
  }
  const out: { poi: Poi; at: Place }[] = [];
  lines.forEach((line, i) => {
    if (i === 0 || line.trim() === '' || line.trimStart().startsWith('#')) return;
    const cells = line.split(',');
    const row: Place = { line: i + 1, column: 1, path: '' };
    if (cells.length !== KEYS.length) {
      problems.push({ ...row, message: `expected ${KEYS.length} fields (${CSV_HEADER}), found ${cells.length}` });
      return;
    }
    const raw: Raw = {};
    let column = 1;
    KEYS.forEach((key, k) => {
      raw[key] = { value: cells[k], at: { line: i + 1, column, path: key } };
      column += cells[k]!.length + 1;
    });
    const poi = toPoi(raw, row, problems);
    if (poi) out.push({ poi, at: row });
  });
  return out;
}

function parseYaml(text: string, problems: GeoDataProblem[]): { poi: Poi; at: Place }[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const place = (node: YamlNode | null | undefined, path: string): Place => {
    const { line, col } = lc.linePos(node?.range?.[0] ?? 0);
    return { line, column: col, path };
  };
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const { line, col } = lc.linePos(err.pos[0]);
      problems.push({ line, column: col, path: '', message: `YAML: ${err.message.split('\n')[0]}` });
    }
    return [];
  }
  const root = doc.contents;
  const list = isMap(root) ? root.get('pois', true) : undefined;
  if (!isMap(root) || !isSeq(list)) {
    problems.push({ ...place(root as YamlNode | null, ''), message: 'expected a map with a `pois:` list' });
    return [];
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'pois') problems.push({ ...place(pair.key as YamlNode, key), message: `unknown key "${key}" (a POI file has only \`pois:\`)` });
  }
  const out: { poi: Poi; at: Place }[] = [];
  list.items.forEach((item, i) => {
    const path = `pois[${i}]`;
    const row = place(item as YamlNode, path);
    if (!isMap(item)) {
      problems.push({ ...row, message: 'expected a map with id, name_vi, name_en, kind, lat, lon' });
      return;
    }
    const raw: Raw = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const at = place(pair.key as YamlNode, `${path}.${key}`);
      if (!(KEYS as readonly string[]).includes(key)) {
        problems.push({ ...at, message: `unknown key "${key}" (expected ${KEYS.join(', ')})` });
        continue;
      }
      const value = isScalar(pair.value) ? pair.value.value : (pair.value as YamlNode | null)?.toJSON();
      raw[key as (typeof KEYS)[number]] = { value, at: place(pair.value as YamlNode, `${path}.${key}`) };
    }
    const poi = toPoi(raw, row, problems);
    if (poi) out.push({ poi, at: row });
  });
  return out;
}

/**
 * POIs by id and by kind, for the rule functions `near` and nearest-of-kind.
 * @example
 * const pois = hanoiPois();
 * pois.near('hospital-bach-mai', 21.0, 105.841, 500)      // true
 * pois.nearestPoi(21.0, 105.841, 'pump-station')?.poi.id // 'pump-yen-so'
 */
export class PoiIndex {
  private readonly byId = new Map<string, Poi>();
  /** Per kind (and '' for all), sorted by latitude, for a sweep outwards from the query's latitude. */
  private readonly byLat = new Map<string, { lats: Float64Array; pois: Poi[] }>();

  constructor(pois: readonly Poi[]) {
    for (const p of pois) {
      if (this.byId.has(p.id)) throw new InvalidArgumentError(`POI id "${p.id}" appears twice`);
      this.byId.set(p.id, p);
    }
    const groups = new Map<string, Poi[]>([['', [...pois]]]);
    for (const p of pois) groups.set(p.kind, [...(groups.get(p.kind) ?? []), p]);
    for (const [kind, list] of groups) {
      list.sort((a, b) => a.lat - b.lat);
      this.byLat.set(kind, { lats: Float64Array.from(list, (p) => p.lat), pois: list });
    }
  }

  get(poiId: string): Poi | undefined {
    return this.byId.get(poiId);
  }

  has(poiId: string): boolean {
    return this.byId.has(poiId);
  }

  /** Every POI, in file order. */
  all(): Poi[] {
    return [...this.byId.values()];
  }

  /** The kinds present, sorted. */
  kinds(): string[] {
    return [...this.byLat.keys()].filter((k) => k !== '').sort();
  }

  /**
   * Great-circle meters from the POI to a point (NaN for NaN coordinates).
   * @throws UnknownGeoRefError when no POI has this id.
   */
  distanceTo(poiId: string, lat: number, lon: number): number {
    const p = this.poi(poiId);
    return distanceMeters(p.lat, p.lon, lat, lon);
  }

  /**
   * Whether the point is within `meters` of the POI (false for NaN coordinates);
   * the same as `distanceMeters(...) <= meters`.
   * @throws UnknownGeoRefError when no POI has this id.
   * @example pois.near('underpass-kim-lien', e.lat, e.lon, 300)
   */
  near(poiId: string, lat: number, lon: number, meters: number): boolean {
    const p = this.poi(poiId);
    // Latitude alone already bounds the distance from below: skip the trigonometry when it is too far.
    if (Math.abs(lat - p.lat) * METERS_PER_DEGREE > meters * (1 + 1e-9) + 1e-6) return false;
    return distanceMeters(p.lat, p.lon, lat, lon) <= meters;
  }

  /**
   * The nearest POI (of `kind` when given) and its distance; undefined when
   * there is none or a coordinate is NaN. On an exact tie, the southernmost.
   * @throws UnknownGeoRefError for a kind no POI has (a typo in a rule, most likely).
   */
  nearestPoi(lat: number, lon: number, kind?: string): PoiMatch | undefined {
    const group = this.byLat.get(kind ?? '');
    if (!group) throw new UnknownGeoRefError('poi-kind', kind ?? '', this.kinds());
    if (Number.isNaN(lat) || Number.isNaN(lon) || group.pois.length === 0) return undefined;
    const { lats, pois } = group;
    // Sweep outwards from the query's latitude, south and north in turn; a side
    // stops once latitude alone puts its next POI farther than the best so far.
    let north = lowerBound(lats, lat);
    let south = north - 1;
    let best = -1;
    let bestM = Infinity;
    while (south >= 0 || north < lats.length) {
      for (let side = 0; side < 2; side++) {
        const i = side === 0 ? south : north;
        if (i < 0 || i >= lats.length) continue;
        if (Math.abs(lats[i]! - lat) * METERS_PER_DEGREE > bestM * (1 + 1e-9) + 1e-6) {
          if (side === 0) south = -1;
          else north = lats.length;
          continue;
        }
        const m = distanceMeters(lats[i]!, pois[i]!.lon, lat, lon);
        if (m < bestM || (m === bestM && i < best)) {
          bestM = m;
          best = i;
        }
        if (side === 0) south--;
        else north++;
      }
    }
    return { poi: pois[best]!, meters: bestM };
  }

  private poi(poiId: string): Poi {
    const p = this.byId.get(poiId);
    if (!p) throw new UnknownGeoRefError('poi', poiId, [...this.byId.keys()]);
    return p;
  }
}

/** First index whose value is >= x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The example pack's POIs: pumping stations, sluices, underpasses, hospitals (approximate positions). */
export const HANOI_POIS_YAML = fileURLToPath(new URL('./hanoi-pois.yaml', import.meta.url));

let hanoi: PoiIndex | undefined;

/**
 * Hanoi's POIs, read once from the bundled file.
 * @example hanoiPois().nearestPoi(21.0288, 105.8525, 'hospital')?.poi.id // 'hospital-viet-duc'
 */
export function hanoiPois(): PoiIndex {
  hanoi ??= loadPois(HANOI_POIS_YAML);
  return hanoi;
}
