import { describe, expect, it } from 'vitest';
import { defaultLayerChoice } from './layer-prefs.ts';
import { hatchImage, layerVisibility, SHAPE_LAYER, wallMapStyle } from './map-style.ts';

const empty = { type: 'FeatureCollection' as const, features: [] };

describe('wallMapStyle', () => {
  it('clusters sensors, carrying the worst severity and the stale count of each cluster', () => {
    const style = wallMapStyle({ districts: empty, water: empty }, 'vi', defaultLayerChoice.visible, 'aq.pm25');
    expect(style.sources.sensors).toMatchObject({
      cluster: true, promoteId: 'id', clusterProperties: { maxSev: ['max', ['get', 'sev']] },
    });
    expect(style.layers.find((l) => l.id === 'heatmap')?.layout).toEqual({ visibility: 'none' });
  });

  it('hides clusters with the sensors, and unclusters when clusters are off', () => {
    const off = layerVisibility({ ...defaultLayerChoice.visible, sensors: false });
    expect([off.sensors, off['sensor-clusters'], off['incident-fill']]).toEqual(['none', 'none', 'visible']);
    const style = wallMapStyle({ districts: empty, water: empty }, 'en', { ...defaultLayerChoice.visible, clusters: false }, 'aq.pm25');
    expect(style.sources.sensors).toMatchObject({ cluster: false });
  });
});

describe('severity shapes', () => {
  it('draws sensors above normal as shapes over their dots, switched with the sensors', () => {
    const style = wallMapStyle({ districts: empty, water: empty }, 'vi', defaultLayerChoice.visible, 'aq.pm25');
    const ids = style.layers.map((l) => l.id);
    expect(ids.indexOf(SHAPE_LAYER)).toBe(ids.indexOf('sensors') + 1);
    const shapes = style.layers.find((l) => l.id === SHAPE_LAYER);
    expect(shapes).toMatchObject({ type: 'symbol', source: 'sensors', filter: ['all', ['!', ['has', 'point_count']], ['>', ['get', 'sev'], 0]] });
    expect(JSON.stringify(shapes?.layout)).toContain('sev-shape-4-stale');
    expect(layerVisibility({ ...defaultLayerChoice.visible, sensors: false })[SHAPE_LAYER]).toBe('none');
  });
});

describe('vector base map', () => {
  it('is absent without tiles: the traced water draws instead', () => {
    const style = wallMapStyle({ districts: empty, water: empty }, 'vi', defaultLayerChoice.visible, 'aq.pm25');
    expect(Object.keys(style.sources)).not.toContain('base-tiles');
    expect(style.layers.map((l) => l.id)).toEqual(expect.arrayContaining(['lakes', 'rivers']));
  });

  it('draws its land under the districts and its water, roads and buildings over their fill, under the rest', () => {
    const style = wallMapStyle({ districts: empty, water: empty, tiles: 'pmtiles://http://127.0.0.1/tiles/base.pmtiles' }, 'vi', defaultLayerChoice.visible, 'aq.pm25');
    expect(style.sources['base-tiles']).toEqual({ type: 'vector', url: 'pmtiles://http://127.0.0.1/tiles/base.pmtiles' });
    const ids = style.layers.map((l) => l.id);
    expect(ids).not.toContain('lakes');
    const at = (id: string) => {
      expect(ids).toContain(id);
      return ids.indexOf(id);
    };
    expect(at('base-earth')).toBeLessThan(at('district-fill'));
    for (const id of ['base-water', 'base-roads-major', 'base-transport-minor', 'base-buildings']) {
      expect(at(id)).toBeGreaterThan(at('district-fill'));
      expect(at(id)).toBeLessThan(at('incident-fill'));
    }
  });
});

describe('hatchImage', () => {
  it('draws denser patterns for worse severities', () => {
    const inked = (rank: number) => hatchImage(rank).data.filter((_, i) => i % 4 === 3 && _ > 0).length;
    expect(inked(2)).toBeLessThan(inked(3));
    expect(inked(3)).toBeLessThan(inked(4));
  });
});
