// The dark wall map: MapLibre with an offline GeoJSON style and an optional PMTiles
// base map, live clustered sensors with their freshness and severity shapes, the
// district choropleth of open incidents and a heatmap.
export { SensorBatch, sensorFeature, type SensorFeature, type SensorFlush, type SensorProps } from './sensor-features.ts';
export { sensorTypes, STALE_AFTER_INTERVALS, staleAt, type SensorTypeInfo } from './sensor-types.ts';
export { DISTRICT_LABEL_LAYER, DISTRICT_SOURCE, SENSOR_SOURCE, SHAPE_LAYER, wallMapStyle, type BaseMapData } from './map-style.ts';
export { loadBaseTiles } from './base-tiles.ts';
export { BASE_TILES_SOURCE } from './base-tiles-style.ts';
export { shapeMark } from './severity-shapes.ts';
export { defaultLayerChoice, LAYER_PREFS_KEY, mapLayers, type LayerChoice, type MapLayer } from './layer-prefs.ts';
export type { LagSummary } from './render-lag.ts';
export { WallMap } from './wall-map.ts';
