import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import { incidentZones } from './incident-zones.ts';

const square = { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };
const districts: FeatureCollection = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', geometry: square, properties: { id: 'hoang-mai', name_vi: 'Hoàng Mai' } },
    { type: 'Feature', geometry: square, properties: { id: 'ba-dinh', name_vi: 'Ba Đình' } },
    // The label point of a district is not part of the choropleth.
    { type: 'Feature', geometry: { type: 'Point', coordinates: [0.5, 0.5] }, properties: { id: 'hoang-mai' } },
  ],
};

describe('incidentZones', () => {
  it('shades only the districts with an open incident, by the worst one', () => {
    const zones = incidentZones(districts, new Map([['hoang-mai', 'critical'], ['nowhere', 'major']]));
    expect(zones.features).toEqual([{ type: 'Feature', geometry: square, properties: { id: 'hoang-mai', inc: 4 } }]);
    expect(incidentZones(districts, new Map()).features).toEqual([]);
  });
});
