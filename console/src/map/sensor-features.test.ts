import { describe, expect, it } from 'vitest';
import type { SensorView } from '../state/index.ts';
import { SensorBatch, sensorFeature, type SensorFeature } from './sensor-features.ts';

const view = (source: string, extra: Partial<SensorView> = {}): SensorView => ({
  source, type: 'aq.pm25', lat: 21, lon: 105.8, zone: 'ba-dinh', unit: 'µg/m³', time: 0, ...extra,
});
const feature = (id: string, sev = 0) => sensorFeature(view(id), sev === 0 ? undefined : 'critical') as SensorFeature;

describe('sensorFeature', () => {
  it('places a sensor and ranks its severity', () => {
    expect(sensorFeature(view('a'), 'major')).toEqual({
      type: 'Feature', geometry: { type: 'Point', coordinates: [105.8, 21] },
      properties: { id: 'a', sev: 3, type: 'aq.pm25', zone: 'ba-dinh' },
    });
    expect(sensorFeature(view('b', { lat: undefined, lon: undefined }), undefined)).toBeUndefined();
  });
});

describe('SensorBatch', () => {
  it('sends nothing when nothing changed', () => {
    expect(new SensorBatch().take()).toBeUndefined();
  });

  it('keeps only the last change of each sensor between frames', () => {
    const batch = new SensorBatch();
    batch.set('a', feature('a'));
    batch.set('a', feature('a', 4));
    batch.set('b', feature('b'));
    batch.set('b', undefined);
    expect(batch.take()).toEqual({ kind: 'diff', add: [feature('a', 4)], remove: ['b'] });
    expect(batch.take()).toBeUndefined();
  });

  it('folds changes after a snapshot into the snapshot', () => {
    const batch = new SensorBatch();
    batch.set('old', feature('old'));
    batch.replaceAll([feature('a'), feature('b')]);
    batch.set('a', feature('a', 4));
    batch.set('b', undefined);
    expect(batch.take()).toEqual({ kind: 'replace', features: [feature('a', 4)] });
  });
});
