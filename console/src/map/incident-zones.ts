// The district choropleth of open incidents: each district with an open incident
// carries the rank of its worst one. Pure; the incidents come in as a property
// of the map and the district shapes from the base map.

import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { severityRank, type Severity } from '../state/index.ts';

export type IncidentZone = Feature<Geometry, { id: string; inc: number }>;

/**
 * District polygons that have an open incident, with `inc` = worst severity rank (1 info … 4 critical).
 * @example incidentZones(base.districts, new Map([['hoang-mai', 'critical']])) // one feature, inc 4
 */
export function incidentZones(districts: FeatureCollection, byZone: ReadonlyMap<string, Severity>): FeatureCollection<Geometry, IncidentZone['properties']> {
  const features: IncidentZone[] = [];
  for (const f of districts.features) {
    const id = f.properties?.id;
    if (typeof id !== 'string' || (f.geometry.type !== 'Polygon' && f.geometry.type !== 'MultiPolygon')) continue;
    const inc = severityRank(byZone.get(id));
    if (inc > 0) features.push({ type: 'Feature', geometry: f.geometry, properties: { id, inc } });
  }
  return { type: 'FeatureCollection', features };
}
