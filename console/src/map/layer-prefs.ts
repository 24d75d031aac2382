// Which map layers the operator shows and which metric the heatmap draws, kept
// in localStorage so a wall comes back as it was left. Pure apart from the
// storage it is given; a broken or foreign stored value falls back to defaults.

import { heatMetrics } from './sensor-types.ts';

export const mapLayers = ['sensors', 'clusters', 'incidents', 'heatmap'] as const;
export type MapLayer = (typeof mapLayers)[number];

export interface LayerChoice {
  visible: Readonly<Record<MapLayer, boolean>>;
  /** Sensor type whose values the heatmap draws. */
  metric: string;
}

export const defaultLayerChoice: LayerChoice = {
  visible: { sensors: true, clusters: true, incidents: true, heatmap: false },
  metric: heatMetrics[0] ?? '',
};

export const LAYER_PREFS_KEY = 'ioc.map.layers';

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * @example
 * const prefs = new LayerPrefs(localStorage);
 * prefs.toggle('heatmap'); // saved; prefs.choice.visible.heatmap === true
 */
export class LayerPrefs {
  private current: LayerChoice;

  constructor(private readonly storage: KeyValueStore | undefined) {
    this.current = parse(read(storage));
  }

  get choice(): LayerChoice {
    return this.current;
  }

  toggle(layer: MapLayer): LayerChoice {
    return this.save({ ...this.current, visible: { ...this.current.visible, [layer]: !this.current.visible[layer] } });
  }

  /** Chooses the heatmap's metric; an unknown one is ignored. */
  setMetric(metric: string): LayerChoice {
    return heatMetrics.includes(metric) ? this.save({ ...this.current, metric }) : this.current;
  }

  private save(next: LayerChoice): LayerChoice {
    this.current = next;
    try {
      this.storage?.setItem(LAYER_PREFS_KEY, JSON.stringify(next));
    } catch {
      // Storage full or refused (private mode): the choice still holds for this page.
    }
    return next;
  }
}

function read(storage: KeyValueStore | undefined): string | null {
  try {
    return storage?.getItem(LAYER_PREFS_KEY) ?? null;
  } catch {
    return null;
  }
}

function parse(raw: string | null): LayerChoice {
  let stored: unknown;
  try {
    stored = raw === null ? undefined : JSON.parse(raw);
  } catch {
    stored = undefined;
  }
  const s = (typeof stored === 'object' && stored !== null ? stored : {}) as { visible?: unknown; metric?: unknown };
  const v = (typeof s.visible === 'object' && s.visible !== null ? s.visible : {}) as Record<string, unknown>;
  const visible = Object.fromEntries(mapLayers.map((l) => [l, typeof v[l] === 'boolean' ? v[l] : defaultLayerChoice.visible[l]])) as Record<MapLayer, boolean>;
  const metric = typeof s.metric === 'string' && heatMetrics.includes(s.metric) ? s.metric : defaultLayerChoice.metric;
  return { visible, metric };
}
