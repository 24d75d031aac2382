// Geography: zones from polygon GeoJSON and the zone of a point, distances,
// points of interest, and square grid cells for "how many within 500 m" rules.
// Pure functions and immutable indexes: no CEL, no I/O after loading.
export { distanceMeters, EARTH_RADIUS_M, METERS_PER_DEGREE } from './distance.ts';
export { GeoDataError, UnknownGeoRefError, type GeoDataProblem, type GeoRefKind } from './errors.ts';
export { polygonsContain, type LonLat, type PolygonRings, type Ring } from './polygon.ts';
export { loadZones, parseZones, type ParseZonesOptions, type Zone } from './zones.ts';
export { ZoneLocator, type ZoneLocatorOptions } from './zone-locator.ts';
export { hanoiDistricts, HANOI_DISTRICTS_CSV, HANOI_DISTRICTS_GEOJSON, parseDistrictsCsv, type District, type DistrictRow } from './districts.ts';
export { hanoiPois, HANOI_POIS_YAML, loadPois, parsePois, PoiIndex, type Poi, type PoiFormat, type PoiMatch, type PoiText } from './pois.ts';
export { cellOf, gridCell, MIN_CELL_METERS, neighbours, type GridCell } from './grid-cells.ts';
export { NEIGHBOUR_TOLERANCE_METERS, zoneNeighbours } from './adjacency.ts';
