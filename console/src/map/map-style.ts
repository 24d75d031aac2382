// The wall map's MapLibre style: GeoJSON sources (districts, water, live sensors,
// the heatmap's sensors, districts with open incidents), plus the engine's PMTiles
// base map when it has one, and no glyphs URL, so it draws with no internet at
// all; labels then use the browser's local fonts, which cover Vietnamese.
// Severity is told by shape, size, outline and hatching as well as by color, for
// color-blind operators.

import type { FeatureCollection } from 'geojson';
import type { ExpressionSpecification, LayerSpecification, StyleSpecification } from 'maplibre-gl';
import type { Lang } from '../state/index.ts';
import { severityColor, wall } from '../theme/index.ts';
import { BASE_TILES_SOURCE, baseTileLayersOver, baseTileLayersUnder } from './base-tiles-style.ts';
import type { MapLayer } from './layer-prefs.ts';
import { sensorTypes } from './sensor-types.ts';
import { shapeImageId } from './severity-shapes.ts';

export const SENSOR_SOURCE = 'sensors';
export const HEAT_SOURCE = 'sensor-heat';
export const INCIDENT_SOURCE = 'incident-zones';
export const DISTRICT_SOURCE = 'districts';
export const DISTRICT_LABEL_LAYER = 'district-labels';
export const HEAT_LAYER = 'heatmap';
/** Sensors above normal, drawn by shape (severity-shapes.ts) over their transparent dot. */
export const SHAPE_LAYER = 'sensor-shapes';

/** Clustering options of the sensor source; clusters end where single sensors are few enough to draw. */
export const SENSOR_CLUSTERS = { cluster: true, clusterRadius: 42, clusterMaxZoom: 12 } as const;

/** MapLibre layers behind each layer the operator can switch. */
export const layersOf: Readonly<Record<MapLayer, readonly string[]>> = {
  sensors: ['sensors', SHAPE_LAYER, 'sensor-clusters', 'sensor-cluster-counts'],
  clusters: ['sensor-clusters', 'sensor-cluster-counts'],
  incidents: ['incident-fill', 'incident-hatch', 'incident-outline'],
  heatmap: [HEAT_LAYER],
};

/** Pattern images of the choropleth, one per severity rank; drawn by `hatchImage`. */
export const HATCH_IMAGES = ['', 'hatch-1', 'hatch-2', 'hatch-3', 'hatch-4'] as const;

export interface BaseMapData {
  districts: FeatureCollection;
  water: FeatureCollection;
  /** `pmtiles://…` URL of the engine's vector base map, when it has one (base-tiles.ts). */
  tiles?: string;
}

const stale: ExpressionSpecification = ['==', ['get', 'stale'], true];
const staleGrey = '#8b97ab';

/** Picks by a severity rank held in the feature property `prop`: 0 normal, 1 info … 4 critical. */
const bySeverity = <T>(prop: string, normal: T, info: T, minor: T, major: T, critical: T): ExpressionSpecification =>
  ['match', ['get', prop], 1, info, 2, minor, 3, major, 4, critical, normal] as ExpressionSpecification;
const colorBy = (prop: string) =>
  bySeverity(prop, severityColor.normal, severityColor.info, severityColor.minor, severityColor.major, severityColor.critical);

export function districtLabelField(lang: Lang): ExpressionSpecification {
  return ['get', lang === 'vi' ? 'name_vi' : 'name_en'];
}

/** The heatmap draws sensors of `metric` only, weighted 0..1 over its type's range. */
export function heatFilter(metric: string): ExpressionSpecification {
  return ['==', ['get', 'type'], metric];
}

export function heatWeight(metric: string): ExpressionSpecification {
  const heat = sensorTypes[metric]?.heat ?? { low: 0, high: 1 };
  const [lo, hi] = heat.low < heat.high ? [[heat.low, 0], [heat.high, 1]] : [[heat.high, 1], [heat.low, 0]];
  return ['interpolate', ['linear'], ['coalesce', ['get', 'value'], heat.low], lo![0]!, lo![1]!, hi![0]!, hi![1]!] as ExpressionSpecification;
}

/**
 * A small repeating pattern for a severity rank, in the severity's color: dots for
 * info and minor, single hatching for major, cross-hatching for critical.
 * @example map.addImage('hatch-4', hatchImage(4))
 */
export function hatchImage(rank: number): { width: number; height: number; data: Uint8Array } {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  const hex = [severityColor.normal, severityColor.info, severityColor.minor, severityColor.major, severityColor.critical][rank] ?? severityColor.normal;
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = rank >= 4 ? (x + y) % 4 === 0 || (x - y + size) % 4 === 0
        : rank === 3 ? (x + y) % 4 === 0
          : x % 4 === 0 && y % 4 === 0;
      if (!on) continue;
      data.set([...rgb, 230], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

function visibility(on: boolean): 'visible' | 'none' {
  return on ? 'visible' : 'none';
}

/** Layout visibility of every MapLibre layer behind the operator's switches. */
export function layerVisibility(visible: Readonly<Record<MapLayer, boolean>>): Record<string, 'visible' | 'none'> {
  const out: Record<string, 'visible' | 'none'> = {};
  for (const id of layersOf.incidents) out[id] = visibility(visible.incidents);
  out[HEAT_LAYER] = visibility(visible.heatmap);
  out.sensors = visibility(visible.sensors);
  out[SHAPE_LAYER] = visibility(visible.sensors);
  for (const id of layersOf.clusters) out[id] = visibility(visible.sensors && visible.clusters);
  return out;
}

function sensorLayers(): LayerSpecification[] {
  const single: ExpressionSpecification = ['!', ['has', 'point_count']];
  const cluster: ExpressionSpecification = ['has', 'point_count'];
  const allStale: ExpressionSpecification = ['==', ['get', 'staleCount'], ['get', 'point_count']];
  const aboveNormal: ExpressionSpecification = ['>', ['get', 'sev'], 0];
  return [
    {
      // Every single sensor has a dot, which clicks and queries find; above normal it is
      // transparent and the shape layer draws the sensor instead.
      id: 'sensors', type: 'circle', source: SENSOR_SOURCE, filter: single,
      layout: { 'circle-sort-key': ['get', 'sev'] },
      paint: {
        // Stale: hollow; its ring stays in its severity's color unless it is normal.
        'circle-color': ['case', stale, 'rgba(0,0,0,0)', colorBy('sev')],
        'circle-radius': ['interpolate', ['linear'], ['zoom'],
          8, bySeverity('sev', 2.5, 3.5, 4, 5, 6.5),
          13, bySeverity('sev', 5, 7, 8, 10, 13)],
        'circle-opacity': bySeverity('sev', 0.75, 0, 0, 0, 0),
        'circle-stroke-opacity': ['case', aboveNormal, 0, 1],
        'circle-stroke-color': ['case',
          stale, ['case', ['>', ['get', 'sev'], 0], colorBy('sev'), staleGrey],
          bySeverity('sev', wall.background, wall.background, wall.background, '#ffffff', '#ffffff')],
        'circle-stroke-width': ['case', stale, 1.5, bySeverity('sev', 0.5, 0.5, 0.5, 1, 1.5)],
      },
    },
    {
      // Shapes only for the few sensors above normal, with no collision test: cheap at 20,000 points.
      id: SHAPE_LAYER, type: 'symbol', source: SENSOR_SOURCE, filter: ['all', single, aboveNormal],
      layout: {
        'icon-image': ['case', stale,
          ['match', ['get', 'sev'], 1, shapeImageId(1, true), 2, shapeImageId(2, true), 3, shapeImageId(3, true), shapeImageId(4, true)],
          ['match', ['get', 'sev'], 1, shapeImageId(1, false), 2, shapeImageId(2, false), 3, shapeImageId(3, false), shapeImageId(4, false)]],
        // The icons are 20 CSS px; at city zoom a critical square is about as wide as its old dot.
        'icon-size': ['interpolate', ['linear'], ['zoom'],
          8, bySeverity('sev', 0.5, 0.5, 0.55, 0.65, 0.75),
          13, bySeverity('sev', 0.8, 0.8, 0.95, 1.15, 1.4)],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'symbol-sort-key': ['get', 'sev'],
      },
    },
    {
      // A cluster takes the color of the worst sensor inside, so one red sensor is never hidden.
      id: 'sensor-clusters', type: 'circle', source: SENSOR_SOURCE, filter: cluster,
      layout: { 'circle-sort-key': ['get', 'maxSev'] },
      paint: {
        'circle-color': ['case', allStale, 'rgba(0,0,0,0)', colorBy('maxSev')],
        'circle-opacity': 0.85,
        'circle-radius': ['step', ['get', 'point_count'], 11, 50, 15, 500, 20, 2000, 26],
        'circle-stroke-color': ['case', allStale, staleGrey, bySeverity('maxSev', wall.background, wall.background, wall.background, '#ffffff', '#ffffff')],
        'circle-stroke-width': bySeverity('maxSev', 1, 1, 1.5, 2.5, 4),
      },
    },
    {
      id: 'sensor-cluster-counts', type: 'symbol', source: SENSOR_SOURCE, filter: cluster,
      layout: {
        'text-field': ['get', 'point_count_abbreviated'],
        'text-font': ['DejaVu Sans', 'Noto Sans', 'sans-serif'],
        'text-size': 11,
        'text-allow-overlap': true,
      },
      paint: { 'text-color': '#ffffff', 'text-halo-color': wall.background, 'text-halo-width': 1.2 },
    },
  ];
}

/**
 * @example new maplibregl.Map({ container, style: wallMapStyle(base, 'vi', defaultLayerChoice.visible, 'aq.pm25') })
 */
export function wallMapStyle(base: BaseMapData, lang: Lang, visible: Readonly<Record<MapLayer, boolean>>, metric: string): StyleSpecification {
  const polygons: ExpressionSpecification = ['==', ['geometry-type'], 'Polygon'];
  const points: ExpressionSpecification = ['==', ['geometry-type'], 'Point'];
  const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
  const shown = layerVisibility(visible);
  const tiles = base.tiles !== undefined;
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': wall.background } },
    ...(tiles ? baseTileLayersUnder() : []),
    {
      id: 'district-fill', type: 'fill', source: DISTRICT_SOURCE, filter: polygons,
      paint: { 'fill-color': ['match', ['get', 'kind'], 'urban', wall.landUrban, wall.land] },
    },
    // A base map brings its own (surveyed) water; the traced GeoJSON water is the fallback.
    ...(tiles ? baseTileLayersOver() : [
      { id: 'lakes', type: 'fill', source: 'water', filter: polygons, paint: { 'fill-color': wall.water } },
      {
        id: 'rivers', type: 'line', source: 'water', filter: ['==', ['geometry-type'], 'LineString'],
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': wall.water, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2, 12, 6] },
      },
    ] satisfies LayerSpecification[]),
    { id: 'incident-fill', type: 'fill', source: INCIDENT_SOURCE, paint: { 'fill-color': colorBy('inc'), 'fill-opacity': bySeverity('inc', 0, 0.12, 0.16, 0.2, 0.26) } },
    {
      id: 'incident-hatch', type: 'fill', source: INCIDENT_SOURCE,
      paint: { 'fill-pattern': bySeverity('inc', HATCH_IMAGES[1], HATCH_IMAGES[1], HATCH_IMAGES[2], HATCH_IMAGES[3], HATCH_IMAGES[4]), 'fill-opacity': 0.5 },
    },
    { id: 'district-borders', type: 'line', source: DISTRICT_SOURCE, filter: polygons, paint: { 'line-color': wall.border, 'line-width': 1 } },
    {
      id: 'incident-outline', type: 'line', source: INCIDENT_SOURCE,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': colorBy('inc'), 'line-width': bySeverity('inc', 1, 1.5, 2, 3, 4) },
    },
    {
      id: HEAT_LAYER, type: 'heatmap', source: HEAT_SOURCE, filter: heatFilter(metric),
      paint: {
        'heatmap-weight': heatWeight(metric),
        'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, 14, 13, 40],
        'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 8, 0.6, 13, 1.5],
        'heatmap-opacity': 0.75,
        'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'],
          0, 'rgba(0,0,0,0)', 0.2, '#1e3a8a', 0.4, '#0e7490', 0.6, '#facc15', 0.8, '#fb923c', 1, '#f43f5e'],
      },
    },
    ...sensorLayers(),
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
  ];
  for (const layer of layers) {
    const v = shown[layer.id];
    if (v && layer.type !== 'background') layer.layout = { ...layer.layout, visibility: v } as typeof layer.layout;
  }
  return {
    version: 8,
    sources: {
      ...(base.tiles !== undefined ? { [BASE_TILES_SOURCE]: { type: 'vector' as const, url: base.tiles } } : {}),
      [DISTRICT_SOURCE]: { type: 'geojson', data: base.districts },
      water: { type: 'geojson', data: base.water },
      [INCIDENT_SOURCE]: { type: 'geojson', data: empty, promoteId: 'id' },
      [HEAT_SOURCE]: { type: 'geojson', data: empty, promoteId: 'id' },
      [SENSOR_SOURCE]: {
        type: 'geojson', data: empty, promoteId: 'id',
        ...SENSOR_CLUSTERS, cluster: visible.clusters,
        clusterProperties: {
          maxSev: ['max', ['get', 'sev']],
          staleCount: ['+', ['case', stale, 1, 0]],
        },
      },
    },
    layers,
  };
}
