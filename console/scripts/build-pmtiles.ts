// Builds a small PMTiles v3 archive of vector tiles (MVT) from the console's own
// GeoJSON (console/public/geo): a stand-in for a real base map extract, so the
// engine's Range serving and the console's `pmtiles://` source can be tested
// offline. Tiling is geojson-vt's, MVT encoding vt-pbf's; the archive layout
// (header, directory, metadata) is written here per the PMTiles v3 spec, with
// the pmtiles package's own Hilbert tile ids. It must never write an archive the
// spec forbids: a root directory past 16 KiB is an error, not a silent leaf.
//
// Run: npx tsx console/scripts/build-pmtiles.ts out.pmtiles [minZoom maxZoom]
// (defaults z8–z13). The output is not committed: tests build it at test time.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import GeoJSONVT, { type LegacyTile } from 'geojson-vt';
import { Compression, TileType, zxyToTileId } from 'pmtiles';

// vt-pbf is CommonJS without types: the one function used, typed here.
const vtpbf = createRequire(import.meta.url)('vt-pbf') as {
  fromGeojsonVt(layers: Record<string, LegacyTile>, options?: { version?: number; extent?: number }): Uint8Array;
};

const GEO_DIR = fileURLToPath(new URL('../public/geo/', import.meta.url));
const HEADER_BYTES = 127;
/** The spec's bound on header + root directory, so a client's first 16 KiB read holds both. */
const ROOT_LIMIT = 16_384;
const EXTENT = 4096;

/** Source layers of the archive, named as in the Protomaps basemap schema so real extracts style the same. */
export const BASE_LAYERS = ['earth', 'water'] as const;

export interface BuildOptions {
  minZoom?: number;
  maxZoom?: number;
  /** The layers' features; defaults to the console's districts (as `earth`) and water. */
  layers?: Record<string, FeatureCollection>;
}

export interface BuiltArchive {
  bytes: Uint8Array;
  /** Tiles addressed, directory entries (after run-length) and distinct tile contents. */
  addressed: number;
  entries: number;
  contents: number;
  bounds: [number, number, number, number];
}

/** The console's own shapes as base-map layers: district areas are the land, rivers and lakes the water. */
export function consoleLayers(): Record<string, FeatureCollection> {
  const read = (name: string) => JSON.parse(readFileSync(GEO_DIR + name, 'utf8')) as FeatureCollection;
  const districts = read('hanoi-districts.geojson');
  const water = read('hanoi-water.geojson');
  // Only the kind: land tiles of one kind then come out byte-identical and are stored once.
  const earth = districts.features
    .filter((f) => f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon')
    .map((f): Feature => ({ type: 'Feature', geometry: f.geometry, properties: { kind: String(f.properties?.kind ?? 'land') } }));
  return {
    earth: { type: 'FeatureCollection', features: earth },
    water: { type: 'FeatureCollection', features: water.features.map((f) => ({ ...f, properties: { kind: f.properties?.kind, name: f.properties?.name_vi, 'name:en': f.properties?.name_en } })) },
  };
}

/**
 * Tiles the layers for zooms minZoom..maxZoom and packs them as PMTiles v3
 * (gzip-compressed MVT tiles and directory, one root directory, clustered).
 * @example writeFileSync('/tmp/hanoi.pmtiles', buildBasePmtiles().bytes)
 */
export function buildBasePmtiles(o: BuildOptions = {}): BuiltArchive {
  const minZoom = o.minZoom ?? 8;
  const maxZoom = o.maxZoom ?? 13;
  if (!Number.isInteger(minZoom) || !Number.isInteger(maxZoom) || minZoom < 0 || maxZoom > 15 || minZoom > maxZoom) {
    throw new Error(`build-pmtiles: zooms must be whole numbers with 0 <= min <= max <= 15, got ${minZoom}..${maxZoom}`);
  }
  const layers = o.layers ?? consoleLayers();
  const bounds = boundsOf(Object.values(layers));
  const indexes = Object.entries(layers).map(([name, fc]) => [name, new GeoJSONVT(fc, { maxZoom, indexMaxZoom: minZoom, extent: EXTENT })] as const);

  const tiles: { id: number; data: Uint8Array }[] = [];
  for (let z = minZoom; z <= maxZoom; z++) {
    const [x0, y0] = tileOf(bounds[0], bounds[3], z);
    const [x1, y1] = tileOf(bounds[2], bounds[1], z);
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const present: Record<string, LegacyTile> = {};
        for (const [name, index] of indexes) {
          const tile = index.getTile(z, x, y);
          if (tile && tile.features.length > 0) present[name] = tile;
        }
        if (Object.keys(present).length === 0) continue;
        tiles.push({ id: zxyToTileId(z, x, y), data: gzipSync(vtpbf.fromGeojsonVt(present, { version: 2, extent: EXTENT })) });
      }
    }
  }
  tiles.sort((a, b) => a.id - b.id);
  return pack(tiles, { minZoom, maxZoom, bounds, layerNames: Object.keys(layers) });
}

interface Entry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

function pack(tiles: { id: number; data: Uint8Array }[], m: { minZoom: number; maxZoom: number; bounds: [number, number, number, number]; layerNames: string[] }): BuiltArchive {
  // Tile data in tile id order; a content seen before is pointed at, not stored again,
  // and a run of consecutive ids with one content becomes one entry (runLength).
  const stored = new Map<string, { offset: number; length: number }>();
  const chunks: Uint8Array[] = [];
  let dataLength = 0;
  const entries: Entry[] = [];
  for (const t of tiles) {
    const key = Buffer.from(t.data).toString('base64');
    let at = stored.get(key);
    if (!at) {
      at = { offset: dataLength, length: t.data.length };
      stored.set(key, at);
      chunks.push(t.data);
      dataLength += t.data.length;
    }
    const last = entries.at(-1);
    if (last && last.offset === at.offset && last.tileId + last.runLength === t.id) last.runLength++;
    else entries.push({ tileId: t.id, offset: at.offset, length: at.length, runLength: 1 });
  }
  if (entries.length === 0) throw new Error('build-pmtiles: no tile has any feature; check the layers and zooms');

  const root = gzipSync(serializeDirectory(entries));
  if (HEADER_BYTES + root.length > ROOT_LIMIT) {
    throw new Error(`build-pmtiles: the root directory takes ${root.length} bytes; with the header it must fit in ${ROOT_LIMIT} (leaf directories are not written): use fewer zooms`);
  }
  const metadata = gzipSync(Buffer.from(JSON.stringify({
    name: 'Hà Nội (console shapes)',
    description: 'Test base map built from console/public/geo by console/scripts/build-pmtiles.ts; boundaries are approximate.',
    attribution: 'Thang Long IOC',
    type: 'baselayer',
    vector_layers: m.layerNames.map((id) => ({ id, fields: { kind: 'String' }, minzoom: m.minZoom, maxzoom: m.maxZoom })),
  })));

  const rootOffset = HEADER_BYTES;
  const metadataOffset = rootOffset + root.length;
  const leafOffset = metadataOffset + metadata.length;
  const dataOffset = leafOffset;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('PMTiles', 0, 'latin1');
  header.writeUInt8(3, 7);
  const u64 = (at: number, v: number) => header.writeBigUInt64LE(BigInt(v), at);
  u64(8, rootOffset);
  u64(16, root.length);
  u64(24, metadataOffset);
  u64(32, metadata.length);
  u64(40, leafOffset);
  u64(48, 0);
  u64(56, dataOffset);
  u64(64, dataLength);
  const addressed = entries.reduce((n, e) => n + e.runLength, 0);
  u64(72, addressed);
  u64(80, entries.length);
  u64(88, chunks.length);
  header.writeUInt8(1, 96); // clustered: tile data ordered by tile id
  header.writeUInt8(Compression.Gzip, 97);
  header.writeUInt8(Compression.Gzip, 98);
  header.writeUInt8(TileType.Mvt, 99);
  header.writeUInt8(m.minZoom, 100);
  header.writeUInt8(m.maxZoom, 101);
  const e7 = (at: number, deg: number) => header.writeInt32LE(Math.round(deg * 1e7), at);
  const [w, s, e, n] = m.bounds;
  e7(102, w);
  e7(106, s);
  e7(110, e);
  e7(114, n);
  header.writeUInt8(Math.min(m.maxZoom, Math.max(m.minZoom, 10)), 118);
  e7(119, (w + e) / 2);
  e7(123, (s + n) / 2);

  const bytes = Buffer.concat([header, root, metadata, ...chunks]);
  return { bytes, addressed, entries: entries.length, contents: chunks.length, bounds: m.bounds };
}

/** A directory as the spec lays it out: count, then ids (delta), run lengths, lengths, offsets (0 = right after the previous), all varints. */
function serializeDirectory(entries: Entry[]): Uint8Array {
  const out: number[] = [];
  varint(out, entries.length);
  let lastId = 0;
  for (const e of entries) {
    varint(out, e.tileId - lastId);
    lastId = e.tileId;
  }
  for (const e of entries) varint(out, e.runLength);
  for (const e of entries) varint(out, e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    varint(out, i > 0 && prev && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return Uint8Array.from(out);
}

/** Unsigned LEB128; by division, since ids and offsets may pass 2^32. */
function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function boundsOf(collections: FeatureCollection[]): [number, number, number, number] {
  const b: [number, number, number, number] = [180, 90, -180, -90];
  // Coordinates nest 0–3 deep by geometry type; a position is an array of numbers.
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      const p = c as Position;
      b[0] = Math.min(b[0], p[0]!);
      b[1] = Math.min(b[1], p[1]!);
      b[2] = Math.max(b[2], p[0]!);
      b[3] = Math.max(b[3], p[1]!);
    } else {
      c.forEach(visit);
    }
  };
  const walk = (g: Geometry): void => (g.type === 'GeometryCollection' ? g.geometries.forEach(walk) : visit(g.coordinates));
  for (const fc of collections) for (const f of fc.features) walk(f.geometry);
  if (b[0] > b[2]) throw new Error('build-pmtiles: the layers have no coordinates');
  return b;
}

/** The Web Mercator tile holding a point at zoom z. */
function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [Math.min(n - 1, Math.max(0, x)), Math.min(n - 1, Math.max(0, y))];
}

function main(argv: string[]): void {
  const [out, min, max] = argv;
  if (!out || out.startsWith('-')) {
    console.error('usage: npx tsx console/scripts/build-pmtiles.ts <out.pmtiles> [minZoom maxZoom]');
    process.exit(2);
  }
  const built = buildBasePmtiles({ ...(min ? { minZoom: Number(min) } : {}), ...(max ? { maxZoom: Number(max) } : {}) });
  writeFileSync(out, built.bytes);
  console.log(`${out}: ${built.bytes.length} bytes, ${built.addressed} tiles in ${built.entries} entries, ${built.contents} distinct`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
