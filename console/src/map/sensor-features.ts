// Sensors as GeoJSON features for the map, and the batch of changes waiting for
// the next animation frame, which also turns silent sensors stale. Pure; the
// component decides when frames happen and what time it is.

import type { Feature, Point } from 'geojson';
import { severityRank, type SensorView, type Severity } from '../state/index.ts';
import { staleAt } from './sensor-types.ts';

export interface SensorProps {
  id: string;
  /** 0 normal, 1 info … 4 critical. */
  sev: number;
  type: string;
  zone: string;
  value?: number;
  /** Event time of its latest event, epoch ms. */
  seen: number;
  /** Silent for longer than its type allows; set by `SensorBatch`. */
  stale: boolean;
}

export type SensorFeature = Feature<Point, SensorProps>;

/** The map feature of a sensor, or undefined when it has no position. */
export function sensorFeature(sensor: SensorView, severity: Severity | undefined): SensorFeature | undefined {
  if (sensor.lat === undefined || sensor.lon === undefined) return undefined;
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [sensor.lon, sensor.lat] },
    properties: {
      id: sensor.source, sev: severityRank(severity), type: sensor.type, zone: sensor.zone,
      ...(sensor.value === undefined ? {} : { value: sensor.value }),
      seen: sensor.time, stale: false,
    },
  };
}

/** The feature as it should look at `now`: a copy when its freshness changed, never an edit of one the map holds. */
function atTime(f: SensorFeature, now: number): SensorFeature {
  const stale = now >= staleAt(f.properties.type, f.properties.seen);
  return stale === f.properties.stale ? f : { ...f, properties: { ...f.properties, stale } };
}

export type SensorFlush =
  | { kind: 'replace'; features: SensorFeature[] }
  | { kind: 'diff'; add: SensorFeature[]; remove: string[] };

/**
 * Collects sensor changes between frames: many updates of one sensor become one,
 * and a snapshot replaces everything queued before it. Memory is bounded by the
 * number of sensors, even while frames are paused (a hidden tab).
 * @example
 * batch.set('wl-1', sensorFeature(view, 'major'));
 * const flush = batch.take(Date.now()); // { kind: 'diff', add: [...], remove: [] }
 */
export class SensorBatch {
  private replacement?: Map<string, SensorFeature>;
  private readonly changed = new Map<string, SensorFeature | undefined>();
  private readonly onMap = new Map<string, SensorFeature>();

  /** What the map holds after the last `take`, by sensor id. */
  get shown(): ReadonlyMap<string, SensorFeature> {
    return this.onMap;
  }

  replaceAll(features: Iterable<SensorFeature>): void {
    this.replacement = new Map([...features].map((f) => [f.properties.id, f]));
    this.changed.clear();
  }

  /** Queues a sensor's new look; `undefined` takes it off the map. */
  set(id: string, feature: SensorFeature | undefined): void {
    if (this.replacement) {
      if (feature) this.replacement.set(id, feature);
      else this.replacement.delete(id);
    } else {
      this.changed.set(id, feature);
    }
  }

  /** Queues every shown sensor that went stale by `now` with no update to say so. */
  sweep(now: number): void {
    if (this.replacement) return;
    for (const [id, f] of this.onMap) {
      if (!f.properties.stale && !this.changed.has(id) && now >= staleAt(f.properties.type, f.properties.seen)) this.changed.set(id, f);
    }
  }

  /** What to send to the map source now, freshness judged at `now`; undefined when nothing changed. */
  take(now: number): SensorFlush | undefined {
    if (this.replacement) {
      const features = [...this.replacement.values()].map((f) => atTime(f, now));
      this.replacement = undefined;
      this.changed.clear();
      this.onMap.clear();
      for (const f of features) this.onMap.set(f.properties.id, f);
      return { kind: 'replace', features };
    }
    if (this.changed.size === 0) return undefined;
    const add: SensorFeature[] = [];
    const remove: string[] = [];
    for (const [id, queued] of this.changed) {
      if (queued) {
        const f = atTime(queued, now);
        add.push(f);
        this.onMap.set(id, f);
      } else {
        remove.push(id);
        this.onMap.delete(id);
      }
    }
    this.changed.clear();
    return { kind: 'diff', add, remove };
  }
}
