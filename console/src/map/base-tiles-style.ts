// The dark wall's styling of the optional vector base map (base-tiles.ts loads it),
// for both common schemas, Protomaps and OpenMapTiles: a source layer an archive
// lacks simply draws nothing, so any extract works and ours (earth, water) too.

import type { ExpressionSpecification, FilterSpecification, LayerSpecification } from 'maplibre-gl';
import { wall } from '../theme/index.ts';

export const BASE_TILES_SOURCE = 'base-tiles';

const polygons: ExpressionSpecification = ['==', ['geometry-type'], 'Polygon'];
const lines: ExpressionSpecification = ['==', ['geometry-type'], 'LineString'];
const majorRoad: ExpressionSpecification = ['any',
  ['match', ['get', 'kind'], ['highway', 'major_road'], true, false],
  ['match', ['get', 'class'], ['motorway', 'trunk', 'primary', 'secondary'], true, false]];

const roadColor = { minor: '#17233a', major: '#26395a' } as const;

function fill(id: string, sourceLayer: string, color: string, extra: Partial<{ minzoom: number; opacity: number; filter: FilterSpecification }> = {}): LayerSpecification {
  return {
    id, type: 'fill', source: BASE_TILES_SOURCE, 'source-layer': sourceLayer,
    ...(extra.filter ? { filter: extra.filter } : {}), ...(extra.minzoom ? { minzoom: extra.minzoom } : {}),
    paint: { 'fill-color': color, 'fill-opacity': extra.opacity ?? 1 },
  };
}

function line(id: string, sourceLayer: string, color: string, width: [number, number], filter?: FilterSpecification, minzoom?: number): LayerSpecification {
  return {
    id, type: 'line', source: BASE_TILES_SOURCE, 'source-layer': sourceLayer,
    ...(filter ? { filter } : {}), ...(minzoom ? { minzoom } : {}),
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': color, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, width[0], 14, width[1]] },
  };
}

/** Land outside the city: under the district areas, which are the land inside it. */
export function baseTileLayersUnder(): LayerSpecification[] {
  return [fill('base-earth', 'earth', wall.land)];
}

/** Parks, water, roads and buildings: over the district areas, under everything the console draws on them. */
export function baseTileLayersOver(): LayerSpecification[] {
  return [
    fill('base-landuse', 'landuse', '#0f2126', { opacity: 0.7 }),
    fill('base-landcover', 'landcover', '#0f2126', { opacity: 0.7 }),
    fill('base-water', 'water', wall.water, { filter: polygons }),
    line('base-water-lines', 'water', wall.water, [1.5, 6], lines),
    line('base-waterway', 'waterway', wall.water, [1, 4]),
    line('base-roads-minor', 'roads', roadColor.minor, [0.3, 3], ['!', majorRoad], 11),
    line('base-roads-major', 'roads', roadColor.major, [0.8, 6], majorRoad),
    line('base-transport-minor', 'transportation', roadColor.minor, [0.3, 3], ['!', majorRoad], 11),
    line('base-transport-major', 'transportation', roadColor.major, [0.8, 6], majorRoad),
    fill('base-buildings', 'buildings', '#111b2e', { minzoom: 13 }),
    fill('base-building', 'building', '#111b2e', { minzoom: 13 }),
  ];
}
