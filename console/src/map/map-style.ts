// The wall map's MapLibre style: GeoJSON sources only (districts, water, live
// sensors), no tiles and no glyphs URL, so it draws with no internet at all;
// labels then use the browser's local fonts, which cover Vietnamese.

import type { FeatureCollection } from 'geojson';
import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl';
import type { Lang } from '../state/index.ts';
import { severityColor, wall } from '../theme/index.ts';

export const SENSOR_SOURCE = 'sensors';
export const DISTRICT_SOURCE = 'districts';
export const DISTRICT_LABEL_LAYER = 'district-labels';

export interface BaseMapData {
  districts: FeatureCollection;
  water: FeatureCollection;
}

/** Sensor feature property `sev`: 0 normal, 1 info … 4 critical. */
const bySeverity = <T>(normal: T, info: T, minor: T, major: T, critical: T): ExpressionSpecification =>
  ['match', ['get', 'sev'], 1, info, 2, minor, 3, major, 4, critical, normal] as ExpressionSpecification;

export function districtLabelField(lang: Lang): ExpressionSpecification {
  return ['get', lang === 'vi' ? 'name_vi' : 'name_en'];
}

/**
 * @example new maplibregl.Map({ container, style: wallMapStyle(base, 'vi') })
 */
export function wallMapStyle(base: BaseMapData, lang: Lang): StyleSpecification {
  const polygons: ExpressionSpecification = ['==', ['geometry-type'], 'Polygon'];
  const points: ExpressionSpecification = ['==', ['geometry-type'], 'Point'];
  return {
    version: 8,
    sources: {
      [DISTRICT_SOURCE]: { type: 'geojson', data: base.districts },
      water: { type: 'geojson', data: base.water },
      [SENSOR_SOURCE]: { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'id' },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': wall.background } },
      {
        id: 'district-fill', type: 'fill', source: DISTRICT_SOURCE, filter: polygons,
        paint: { 'fill-color': ['match', ['get', 'kind'], 'urban', wall.landUrban, wall.land] },
      },
      { id: 'lakes', type: 'fill', source: 'water', filter: polygons, paint: { 'fill-color': wall.water } },
      {
        id: 'rivers', type: 'line', source: 'water', filter: ['==', ['geometry-type'], 'LineString'],
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': wall.water, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2, 12, 6] },
      },
      { id: 'district-borders', type: 'line', source: DISTRICT_SOURCE, filter: polygons, paint: { 'line-color': wall.border, 'line-width': 1 } },
      {
        id: 'sensors', type: 'circle', source: SENSOR_SOURCE,
        layout: { 'circle-sort-key': ['get', 'sev'] },
        paint: {
          'circle-color': bySeverity(severityColor.normal, severityColor.info, severityColor.minor, severityColor.major, severityColor.critical),
          'circle-radius': ['interpolate', ['linear'], ['zoom'],
            8, bySeverity(2.5, 3.5, 4, 5, 6.5),
            13, bySeverity(5, 7, 8, 10, 13)],
          'circle-opacity': bySeverity(0.75, 0.9, 0.95, 1, 1),
          'circle-stroke-color': bySeverity(wall.background, wall.background, wall.background, '#ffffff', '#ffffff'),
          'circle-stroke-width': bySeverity(0.5, 0.5, 0.5, 1, 1.5),
        },
      },
      {
        id: DISTRICT_LABEL_LAYER, type: 'symbol', source: DISTRICT_SOURCE, filter: points,
        layout: {
          'text-field': districtLabelField(lang),
          'text-font': ['DejaVu Sans', 'Noto Sans', 'sans-serif'],
          'text-size': ['match', ['get', 'kind'], 'urban', 11, 13],
          'text-max-width': 8,
          'text-padding': 1,
          // The twelve urban districts share a few km: place them first and let each
          // label move around its centroid so that most of them fit at city zoom.
          'symbol-sort-key': ['match', ['get', 'kind'], 'urban', 0, 1],
          'text-variable-anchor-offset': ['literal', ['center', [0, 0], 'top', [0, 0.6], 'bottom', [0, -0.6], 'left', [0.6, 0], 'right', [-0.6, 0]]],
        },
        paint: { 'text-color': wall.label, 'text-halo-color': wall.labelHalo, 'text-halo-width': 1.2 },
      },
    ],
  };
}
