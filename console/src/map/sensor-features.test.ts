import { describe, expect, it } from 'vitest';
import type { SensorView } from '../state/index.ts';
import { SensorBatch, sensorFeature, type SensorFeature } from './sensor-features.ts';

const MIN = 60_000;
const view = (source: string, extra: Partial<SensorView> = {}): SensorView => ({
  source, type: 'aq.pm25', lat: 21, lon: 105.8, zone: 'ba-dinh', unit: 'µg/m³', time: 0, ...extra,
});
const feature = (id: string, sev = 0, extra: Partial<SensorView> = {}) =>
  sensorFeature(view(id, extra), sev === 0 ? undefined : 'critical') as SensorFeature;
const stale = (f: SensorFeature | undefined) => f?.properties.stale;

describe('sensorFeature', () => {
  it('places a sensor, ranks its severity and keeps its value and when it was seen', () => {
    expect(sensorFeature(view('a', { value: 41, time: 5 }), 'major')).toEqual({
      type: 'Feature', geometry: { type: 'Point', coordinates: [105.8, 21] },
      properties: { id: 'a', sev: 3, type: 'aq.pm25', zone: 'ba-dinh', value: 41, seen: 5, stale: false },
    });
    expect(sensorFeature(view('b', { lat: undefined, lon: undefined }), undefined)).toBeUndefined();
  });
});

describe('SensorBatch', () => {
  it('sends nothing when nothing changed', () => {
    expect(new SensorBatch().take(0)).toBeUndefined();
  });

  it('keeps only the last change of each sensor between frames', () => {
    const batch = new SensorBatch();
    batch.set('a', feature('a'));
    batch.set('a', feature('a', 4));
    batch.set('b', feature('b'));
    batch.set('b', undefined);
    expect(batch.take(0)).toEqual({ kind: 'diff', add: [feature('a', 4)], remove: ['b'] });
    expect(batch.take(0)).toBeUndefined();
    expect([...batch.shown.keys()]).toEqual(['a']);
  });

  it('folds changes after a snapshot into the snapshot', () => {
    const batch = new SensorBatch();
    batch.set('old', feature('old'));
    batch.replaceAll([feature('a'), feature('b')]);
    batch.set('a', feature('a', 4));
    batch.set('b', undefined);
    expect(batch.take(0)).toEqual({ kind: 'replace', features: [feature('a', 4)] });
    expect([...batch.shown.keys()]).toEqual(['a']);
  });

  it('draws a sensor stale once silent for three of its report intervals, and fresh again when it reports', () => {
    const batch = new SensorBatch();
    // Traffic detectors report every minute, PM2.5 monitors every ten.
    batch.replaceAll([feature('tf', 0, { type: 'traffic.speed', time: 0 }), feature('aq', 0, { time: 0 })]);
    const first = batch.take(2 * MIN);
    expect(first?.kind === 'replace' && first.features.map(stale)).toEqual([false, false]);

    batch.sweep(3 * MIN - 1);
    expect(batch.take(3 * MIN - 1)).toBeUndefined();
    batch.sweep(3 * MIN);
    const late = batch.take(3 * MIN);
    expect(late?.kind === 'diff' && late.add.map((f) => [f.properties.id, f.properties.stale])).toEqual([['tf', true]]);
    batch.sweep(10 * MIN);
    expect(batch.take(10 * MIN)).toBeUndefined();

    batch.set('tf', feature('tf', 0, { type: 'traffic.speed', time: 10 * MIN }));
    const back = batch.take(10 * MIN);
    expect(back?.kind === 'diff' && back.add.map(stale)).toEqual([false]);
  });

  it('judges a snapshot sensor that is already silent too long as stale at once, keeping its severity', () => {
    const batch = new SensorBatch();
    batch.replaceAll([feature('aq', 4, { time: 0 })]);
    const flush = batch.take(31 * MIN);
    expect(flush?.kind === 'replace' && flush.features[0]!.properties).toMatchObject({ stale: true, sev: 4 });
  });

  it('never edits a feature it already gave to the map', () => {
    const batch = new SensorBatch();
    const given = feature('tf', 0, { type: 'traffic.speed', time: 0 });
    batch.set('tf', given);
    batch.take(0);
    batch.sweep(10 * MIN);
    const flush = batch.take(10 * MIN);
    expect(flush?.kind === 'diff' && flush.add[0]!.properties.stale).toBe(true);
    expect(given.properties.stale).toBe(false);
  });
});
