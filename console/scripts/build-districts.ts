// Generates the console's offline base map of Hanoi from engine/geo/hanoi-districts.csv:
//   console/public/geo/hanoi-districts.geojson  district areas (Voronoi cells of the centroids,
//                                               clipped to the city outline) and label points
//   console/public/geo/hanoi-water.geojson      the Red and Đuống rivers and West Lake
// The outline and the water are hand-traced approximations (about 1-2 km), good for a
// wall map; the engine's zones never come from them. Replace with surveyed boundaries
// when they are licensed. Run: npx tsx console/scripts/build-districts.ts

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDistrictsCsv } from '../../engine/geo/index.ts';
import { districtCells, type LonLat } from '../src/geo/district-cells.ts';

/** Hanoi's administrative outline, clockwise from Ba Vì's north-west, [lon, lat]. */
const HANOI_OUTLINE: LonLat[] = [
  [105.36, 21.33], [105.45, 21.26], [105.55, 21.22], [105.63, 21.18], [105.68, 21.23],
  [105.72, 21.30], [105.78, 21.36], [105.85, 21.39], [105.92, 21.35], [105.96, 21.27],
  [105.93, 21.18], [105.97, 21.10], [106.02, 21.05], [106.02, 20.97], [105.97, 20.93],
  [105.95, 20.83], [105.98, 20.72], [106.01, 20.64], [105.93, 20.58], [105.85, 20.56],
  [105.77, 20.54], [105.72, 20.58], [105.67, 20.64], [105.62, 20.72], [105.58, 20.80],
  [105.53, 20.88], [105.48, 20.95], [105.43, 21.00], [105.36, 21.03], [105.29, 21.08],
  [105.28, 21.16], [105.31, 21.25], [105.36, 21.33],
];

/** Sông Hồng from the Đà confluence at Trung Hà to the south-east corner. */
const RED_RIVER: LonLat[] = [
  [105.34, 21.24], [105.42, 21.22], [105.50, 21.19], [105.56, 21.16], [105.62, 21.14],
  [105.68, 21.12], [105.74, 21.10], [105.79, 21.09], [105.83, 21.08], [105.85, 21.06],
  [105.86, 21.04], [105.87, 21.01], [105.89, 20.97], [105.90, 20.93], [105.92, 20.88],
  [105.94, 20.82], [105.96, 20.75], [105.99, 20.68], [106.02, 20.62],
];

/** Sông Đuống, leaving the Red River north of Long Biên towards Bắc Ninh. */
const DUONG_RIVER: LonLat[] = [[105.865, 21.07], [105.90, 21.08], [105.94, 21.075], [105.98, 21.07], [106.03, 21.08]];

/** Hồ Tây as an ellipse of about 2.3 × 2 km. */
function westLake(): LonLat[] {
  const ring: LonLat[] = [];
  for (let i = 0; i <= 24; i++) {
    const a = (i / 24) * 2 * Math.PI;
    ring.push([round(105.8215 + 0.0115 * Math.cos(a)), round(21.056 + 0.0085 * Math.sin(a))]);
  }
  return ring;
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;

function main(): void {
  const csv = readFileSync(fileURLToPath(new URL('../../engine/geo/hanoi-districts.csv', import.meta.url)), 'utf8');
  const districts = parseDistrictsCsv(csv);
  const cells = new Map(districtCells(districts, HANOI_OUTLINE).map((c) => [c.id, c.ring]));

  const features: object[] = [];
  for (const d of districts) {
    const ring = cells.get(d.id);
    if (!ring) throw new Error(`district ${d.id} has no area inside the outline: check its centroid`);
    const properties = { id: d.id, name_vi: d.nameVi, name_en: d.nameEn, kind: d.kind };
    features.push({ type: 'Feature', id: d.id, properties, geometry: { type: 'Polygon', coordinates: [ring.map(([x, y]) => [round(x), round(y)])] } });
  }
  // Labels sit on the centroids from the table, which read better than polygon centres.
  for (const d of districts) {
    features.push({ type: 'Feature', properties: { id: d.id, name_vi: d.nameVi, name_en: d.nameEn, kind: d.kind }, geometry: { type: 'Point', coordinates: [d.lon, d.lat] } });
  }

  const water = [
    { type: 'Feature', properties: { kind: 'river', name_vi: 'Sông Hồng', name_en: 'Red River' }, geometry: { type: 'LineString', coordinates: RED_RIVER } },
    { type: 'Feature', properties: { kind: 'river', name_vi: 'Sông Đuống', name_en: 'Duong River' }, geometry: { type: 'LineString', coordinates: DUONG_RIVER } },
    { type: 'Feature', properties: { kind: 'lake', name_vi: 'Hồ Tây', name_en: 'West Lake' }, geometry: { type: 'Polygon', coordinates: [westLake()] } },
  ];

  const outDir = fileURLToPath(new URL('../public/geo/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  writeCollection(`${outDir}hanoi-districts.geojson`, features);
  writeCollection(`${outDir}hanoi-water.geojson`, water);
  console.log(`build-districts: ${districts.length} districts and ${water.length} water features written to ${outDir}`);
}

/** One feature per line: small diffs when a centroid moves. */
function writeCollection(path: string, features: object[]): void {
  writeFileSync(path, `{"type":"FeatureCollection","features":[\n${features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`);
}

main();
