// The dark wall map: MapLibre with an offline GeoJSON style and a live sensor layer.
export { SensorBatch, sensorFeature, type SensorFeature, type SensorFlush } from './sensor-features.ts';
export { DISTRICT_LABEL_LAYER, DISTRICT_SOURCE, SENSOR_SOURCE, wallMapStyle, type BaseMapData } from './map-style.ts';
export { WallMap } from './wall-map.ts';
