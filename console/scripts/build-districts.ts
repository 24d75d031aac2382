// Regenerates the console's offline base map in console/public/geo/:
//   hanoi-districts.geojson  district areas and label points, written by the engine's
//                            generator (engine/geo/scripts/build-hanoi-districts.ts), which
//                            also writes the engine's identical copy: one source for both
//   hanoi-water.geojson      the Red and Đuống rivers and West Lake, for the map only
// The water is hand-traced (about 1-2 km); replace with surveyed shapes when they
// are licensed. Run: npx tsx console/scripts/build-districts.ts

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeHanoiDistricts } from '../../engine/geo/scripts/build-hanoi-districts.ts';

type LonLat = [number, number];

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
  const districts = writeHanoiDistricts();
  const water = [
    { type: 'Feature', properties: { kind: 'river', name_vi: 'Sông Hồng', name_en: 'Red River' }, geometry: { type: 'LineString', coordinates: RED_RIVER } },
    { type: 'Feature', properties: { kind: 'river', name_vi: 'Sông Đuống', name_en: 'Duong River' }, geometry: { type: 'LineString', coordinates: DUONG_RIVER } },
    { type: 'Feature', properties: { kind: 'lake', name_vi: 'Hồ Tây', name_en: 'West Lake' }, geometry: { type: 'Polygon', coordinates: [westLake()] } },
  ];
  const outDir = fileURLToPath(new URL('../public/geo/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  // One feature per line: small diffs when a shape moves.
  writeFileSync(`${outDir}hanoi-water.geojson`, `{"type":"FeatureCollection","features":[\n${water.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`);
  console.log(`build-districts: ${districts} districts and ${water.length} water features written to ${outDir} (districts also to engine/geo)`);
}

main();
