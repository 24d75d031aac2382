// The dark wall map: MapLibre with an offline GeoJSON style, live clustered sensors
// with their freshness, the district choropleth of open incidents and a heatmap.
export { SensorBatch, sensorFeature, type SensorFeature, type SensorFlush, type SensorProps } from './sensor-features.ts';
export { sensorTypes, STALE_AFTER_INTERVALS, staleAt, type SensorTypeInfo } from './sensor-types.ts';
export { DISTRICT_LABEL_LAYER, DISTRICT_SOURCE, SENSOR_SOURCE, wallMapStyle, type BaseMapData } from './map-style.ts';
export { defaultLayerChoice, LAYER_PREFS_KEY, mapLayers, type LayerChoice, type MapLayer } from './layer-prefs.ts';
export type { LagSummary } from './render-lag.ts';
export { WallMap } from './wall-map.ts';
