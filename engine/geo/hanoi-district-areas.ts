// The text of hanoi-districts.geojson, computed from the district table: one
// polygon per district (the Voronoi cell of its label point, longitude scaled
// by cos(latitude), clipped to a hand-traced outline of Hanoi, about 1-2 km
// accurate) and one label point per district. Engine zones and the console's
// wall map both read this one output; it must stay deterministic so the
// committed file can be checked against the table.

import type { DistrictRow } from './districts.ts';
import { districtCells } from './district-cells.ts';
import type { LonLat } from './polygon.ts';

/** Hanoi's administrative outline, clockwise from Ba Vì's north-west, [lon, lat]. */
export const HANOI_OUTLINE: readonly LonLat[] = [
  [105.36, 21.33], [105.45, 21.26], [105.55, 21.22], [105.63, 21.18], [105.68, 21.23],
  [105.72, 21.30], [105.78, 21.36], [105.85, 21.39], [105.92, 21.35], [105.96, 21.27],
  [105.93, 21.18], [105.97, 21.10], [106.02, 21.05], [106.02, 20.97], [105.97, 20.93],
  [105.95, 20.83], [105.98, 20.72], [106.01, 20.64], [105.93, 20.58], [105.85, 20.56],
  [105.77, 20.54], [105.72, 20.58], [105.67, 20.64], [105.62, 20.72], [105.58, 20.80],
  [105.53, 20.88], [105.48, 20.95], [105.43, 21.00], [105.36, 21.03], [105.29, 21.08],
  [105.28, 21.16], [105.31, 21.25], [105.36, 21.33],
];

/** About a meter: shared vertices of neighbouring cells round to the same value, so the areas still tile. */
const round = (x: number) => Math.round(x * 1e5) / 1e5;

/**
 * The GeoJSON text: polygons first (properties id, name_vi, name_en, kind;
 * feature id = district id), then label points with the same properties, one
 * feature per line so a moved label point gives a small diff.
 */
export function hanoiDistrictsGeoJson(rows: readonly DistrictRow[]): string {
  const cells = new Map(districtCells(rows, HANOI_OUTLINE).map((c) => [c.id, c.ring]));
  const features: object[] = [];
  for (const d of rows) {
    const ring = cells.get(d.id);
    if (!ring) throw new Error(`district ${d.id} has no area inside the outline: check its label point`);
    features.push({ type: 'Feature', id: d.id, properties: propertiesOf(d), geometry: { type: 'Polygon', coordinates: [ring.map(([x, y]) => [round(x), round(y)])] } });
  }
  // Labels sit on the table's points, which read better than polygon centres.
  for (const d of rows) features.push({ type: 'Feature', properties: propertiesOf(d), geometry: { type: 'Point', coordinates: [d.lon, d.lat] } });
  return featureCollectionText(features);
}

function propertiesOf(d: DistrictRow) {
  return { id: d.id, name_vi: d.nameVi, name_en: d.nameEn, kind: d.kind };
}

/** A FeatureCollection with one feature per line. */
export function featureCollectionText(features: readonly object[]): string {
  return `{"type":"FeatureCollection","features":[\n${features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;
}
