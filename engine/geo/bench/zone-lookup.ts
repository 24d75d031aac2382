// Measures zone lookup: ZoneLocator against a brute-force scan (bounding box,
// then point-in-polygon), for Hanoi's 30 districts and for 579 synthetic wards
// with detailed boundaries (Voronoi cells of 579 sites, denser downtown, each
// edge cut into short pieces). A script, not a test: numbers depend on the machine.
// Run: npx tsx engine/geo/bench/zone-lookup.ts [points=1000000]

import { districtCells } from '../district-cells.ts';
import { HANOI_OUTLINE } from '../hanoi-district-areas.ts';
import { hanoiDistricts, polygonsContain, ZoneLocator, type LonLat, type Zone } from '../index.ts';

const POINTS = Number(process.argv[2] ?? 1_000_000);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Half the points uniform over the city's box, half clustered downtown (where sensors are). */
function queryPoints(n: number, seed: number): { lat: Float64Array; lon: Float64Array } {
  const rnd = mulberry32(seed);
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      lat[i] = 20.54 + rnd() * 0.85;
      lon[i] = 105.28 + rnd() * 0.74;
    } else {
      lat[i] = 21.02 + (rnd() + rnd() + rnd() - 1.5) * 0.06;
      lon[i] = 105.83 + (rnd() + rnd() + rnd() - 1.5) * 0.07;
    }
  }
  return { lat, lon };
}

/** Points just outside the city: on the outline, pushed outwards by up to `meters`. */
function outsidePoints(n: number, seed: number, meters: number): { lat: Float64Array; lon: Float64Array } {
  const rnd = mulberry32(seed);
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  const [cx, cy] = [105.75, 20.97];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rnd() * (HANOI_OUTLINE.length - 1));
    const [ax, ay] = HANOI_OUTLINE[k]!;
    const [bx, by] = HANOI_OUTLINE[k + 1]!;
    const t = rnd();
    const x = ax + (bx - ax) * t;
    const y = ay + (by - ay) * t;
    const away = (rnd() * meters) / 111_000 / Math.hypot(x - cx, y - cy);
    lon[i] = x + (x - cx) * away;
    lat[i] = y + (y - cy) * away;
  }
  return { lat, lon };
}

/** 579 ward-like zones: Voronoi cells clipped to the outline, each edge split into pieces of about `stepDeg`. */
function syntheticWards(count: number, stepDeg: number): Zone[] {
  const rnd = mulberry32(579);
  const sites: { id: string; lon: number; lat: number }[] = [];
  while (sites.length < count) {
    const downtown = rnd() < 0.6;
    const lon = downtown ? 105.83 + (rnd() - 0.5) * 0.16 : 105.28 + rnd() * 0.74;
    const lat = downtown ? 21.02 + (rnd() - 0.5) * 0.14 : 20.54 + rnd() * 0.85;
    if (polygonsContain([[HANOI_OUTLINE]], lon, lat)) sites.push({ id: `ward-${sites.length + 1}`, lon, lat });
  }
  return districtCells(sites, HANOI_OUTLINE).map((c) => {
    const ring: LonLat[] = [];
    for (let i = 0; i + 1 < c.ring.length; i++) {
      const [ax, ay] = c.ring[i]!;
      const [bx, by] = c.ring[i + 1]!;
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / stepDeg));
      for (let s = 0; s < steps; s++) ring.push([ax + ((bx - ax) * s) / steps, ay + ((by - ay) * s) / steps]);
    }
    ring.push(ring[0]!);
    return { id: c.id, polygons: [[ring]], properties: {} };
  });
}

/** What a plain index gives at best: a bounding-box test per zone, then the full point-in-polygon test. */
function bruteForce(zones: readonly Zone[]): (lat: number, lon: number) => string | undefined {
  const boxes = zones.map((z) => {
    const xs = z.polygons.flatMap((p) => p.flatMap((r) => r.map((q) => q[0])));
    const ys = z.polygons.flatMap((p) => p.flatMap((r) => r.map((q) => q[1])));
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as const;
  });
  return (lat, lon) => {
    for (let i = 0; i < zones.length; i++) {
      const b = boxes[i]!;
      if (lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3] && polygonsContain(zones[i]!.polygons, lon, lat)) return zones[i]!.id;
    }
    return undefined;
  };
}

function nsPerCall(pts: { lat: Float64Array; lon: Float64Array }, n: number, f: (lat: number, lon: number) => unknown): number {
  let sink = 0;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (f(pts.lat[i]!, pts.lon[i]!) !== undefined) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  if (sink < 0) console.log(sink);
  return best;
}

/** Bytes of the index's typed arrays (its fields, read by reflection: this is a measurement, not an API). */
function indexBytes(locator: ZoneLocator): number {
  return Object.values(locator).reduce((sum: number, v: unknown) => sum + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0);
}

function run(name: string, zones: Zone[]): void {
  const edges = zones.reduce((s, z) => s + z.polygons.reduce((t, p) => t + p.reduce((u, r) => u + r.length - 1, 0), 0), 0);
  const t0 = performance.now();
  const withFallback = new ZoneLocator(zones);
  const buildMs = performance.now() - t0;
  const locator = new ZoneLocator(zones, { fallbackMeters: 0 });
  const pts = queryPoints(POINTS, 7);
  const brute = bruteForce(zones);
  let mismatches = 0;
  for (let i = 0; i < Math.min(POINTS, 100_000); i++) if (locator.zoneOf(pts.lat[i]!, pts.lon[i]!) !== brute(pts.lat[i]!, pts.lon[i]!)) mismatches++;
  const indexed = nsPerCall(pts, POINTS, (lat, lon) => locator.zoneOf(lat, lon));
  const fallback = nsPerCall(pts, POINTS, (lat, lon) => withFallback.zoneOf(lat, lon));
  const outside = nsPerCall(outsidePoints(100_000, 9, 2_000), 100_000, (lat, lon) => withFallback.zoneOf(lat, lon));
  const contains = nsPerCall(pts, POINTS, (lat, lon) => (locator.zoneContains(zones[0]!.id, lat, lon) ? 1 : undefined));
  const plain = nsPerCall(pts, Math.min(POINTS, zones.length > 100 ? 20_000 : 200_000), brute);
  console.log(
    `${name.padEnd(22)} zones ${String(zones.length).padStart(4)}  edges ${String(edges).padStart(7)}  build ${buildMs.toFixed(0).padStart(4)} ms  ${(indexBytes(withFallback) / 1e6).toFixed(1).padStart(4)} MB  ` +
      `zoneOf ${indexed.toFixed(0).padStart(4)} ns (${fallback.toFixed(0)} ns with the 2 km fallback; ${outside.toFixed(0)} ns just outside)  zoneContains ${contains.toFixed(0).padStart(4)} ns  brute force ${plain.toFixed(0).padStart(6)} ns  mismatches ${mismatches}`,
  );
}

console.log(`zone lookup, ${POINTS.toLocaleString('en')} points (half uniform over the city, half downtown), best of 5 rounds; build time and index size with the default 2 km fallback`);
run('Hanoi districts', hanoiDistricts());
run('579 wards, 300 m edges', syntheticWards(579, 0.003));
run('579 wards, 30 m edges', syntheticWards(579, 0.0003));
