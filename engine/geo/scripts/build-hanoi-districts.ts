// Regenerates the district areas from engine/geo/hanoi-districts.csv and writes
// the same bytes to the engine (engine/geo/hanoi-districts.geojson, its zones)
// and the console (console/public/geo/hanoi-districts.geojson, its wall map).
// Run after editing the CSV: npx tsx engine/geo/scripts/build-hanoi-districts.ts

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANOI_DISTRICTS_CSV, HANOI_DISTRICTS_GEOJSON, parseDistrictsCsv } from '../districts.ts';
import { hanoiDistrictsGeoJson } from '../hanoi-district-areas.ts';

/** Where the console serves its copy from. */
export const CONSOLE_DISTRICTS_GEOJSON = fileURLToPath(new URL('../../../console/public/geo/hanoi-districts.geojson', import.meta.url));

/** Writes both copies; returns the number of districts. */
export function writeHanoiDistricts(): number {
  const rows = parseDistrictsCsv(readFileSync(HANOI_DISTRICTS_CSV, 'utf8'), HANOI_DISTRICTS_CSV);
  const text = hanoiDistrictsGeoJson(rows);
  for (const path of [HANOI_DISTRICTS_GEOJSON, CONSOLE_DISTRICTS_GEOJSON]) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return rows.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const n = writeHanoiDistricts();
  console.log(`build-hanoi-districts: ${n} districts written to ${HANOI_DISTRICTS_GEOJSON} and ${CONSOLE_DISTRICTS_GEOJSON}`);
}
