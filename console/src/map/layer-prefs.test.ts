import { describe, expect, it } from 'vitest';
import { defaultLayerChoice, LAYER_PREFS_KEY, LayerPrefs } from './layer-prefs.ts';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe('LayerPrefs', () => {
  it('starts from the defaults: sensors, clusters and incidents on, heatmap off', () => {
    expect(new LayerPrefs(new MemoryStorage()).choice).toEqual(defaultLayerChoice);
    expect(defaultLayerChoice.visible).toEqual({ sensors: true, clusters: true, incidents: true, heatmap: false });
  });

  it('keeps each toggle and the metric across page loads', () => {
    const storage = new MemoryStorage();
    const prefs = new LayerPrefs(storage);
    prefs.toggle('heatmap');
    prefs.toggle('clusters');
    prefs.setMetric('water.level');
    expect(new LayerPrefs(storage).choice).toEqual({
      visible: { sensors: true, clusters: false, incidents: true, heatmap: true }, metric: 'water.level',
    });
  });

  it('ignores an unknown metric', () => {
    const prefs = new LayerPrefs(new MemoryStorage());
    expect(prefs.setMetric('nope').metric).toBe(defaultLayerChoice.metric);
  });

  it('falls back to the defaults, field by field, on a broken or foreign stored value', () => {
    const storage = new MemoryStorage();
    storage.setItem(LAYER_PREFS_KEY, '{not json');
    expect(new LayerPrefs(storage).choice).toEqual(defaultLayerChoice);
    storage.setItem(LAYER_PREFS_KEY, JSON.stringify({ visible: { heatmap: true, sensors: 'yes' }, metric: 42 }));
    expect(new LayerPrefs(storage).choice).toEqual({ ...defaultLayerChoice, visible: { ...defaultLayerChoice.visible, heatmap: true } });
  });

  it('still works when the browser refuses storage', () => {
    const refusing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    const prefs = new LayerPrefs(refusing);
    expect(prefs.toggle('incidents').visible.incidents).toBe(false);
    expect(new LayerPrefs(undefined).choice).toEqual(defaultLayerChoice);
  });
});
