// Sensors as GeoJSON features for the map, and the batch of changes waiting for
// the next animation frame. Pure; the component decides when frames happen.

import type { Feature, Point } from 'geojson';
import { severityRank, type SensorView, type Severity } from '../state/index.ts';

export type SensorFeature = Feature<Point, { id: string; sev: number; type: string; zone: string }>;

/** The map feature of a sensor, or undefined when it has no position. */
export function sensorFeature(sensor: SensorView, severity: Severity | undefined): SensorFeature | undefined {
  if (sensor.lat === undefined || sensor.lon === undefined) return undefined;
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [sensor.lon, sensor.lat] },
    properties: { id: sensor.source, sev: severityRank(severity), type: sensor.type, zone: sensor.zone },
  };
}

export type SensorFlush =
  | { kind: 'replace'; features: SensorFeature[] }
  | { kind: 'diff'; add: SensorFeature[]; remove: string[] };

/**
 * Collects sensor changes between frames: many updates of one sensor become one,
 * and a snapshot replaces everything queued before it. Memory is bounded by the
 * number of sensors, even while frames are paused (a hidden tab).
 */
export class SensorBatch {
  private replacement?: Map<string, SensorFeature>;
  private readonly changed = new Map<string, SensorFeature | undefined>();

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

  /** What to send to the map source now; undefined when nothing changed. */
  take(): SensorFlush | undefined {
    if (this.replacement) {
      const features = [...this.replacement.values()];
      this.replacement = undefined;
      return { kind: 'replace', features };
    }
    if (this.changed.size === 0) return undefined;
    const add: SensorFeature[] = [];
    const remove: string[] = [];
    for (const [id, f] of this.changed) {
      if (f) add.push(f);
      else remove.push(id);
    }
    this.changed.clear();
    return { kind: 'diff', add, remove };
  }
}
