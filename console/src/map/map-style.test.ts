import { describe, expect, it } from 'vitest';
import { defaultLayerChoice } from './layer-prefs.ts';
import { hatchImage, layerVisibility, wallMapStyle } from './map-style.ts';

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

describe('hatchImage', () => {
  it('draws denser patterns for worse severities', () => {
    const inked = (rank: number) => hatchImage(rank).data.filter((_, i) => i % 4 === 3 && _ > 0).length;
    expect(inked(2)).toBeLessThan(inked(3));
    expect(inked(3)).toBeLessThan(inked(4));
  });
});
