// What the map knows about each sensor type: how often a healthy sensor reports
// (for freshness) and the range of values its heatmap spans. A small table, not
// a registry: an unknown type reports every five minutes and has no heatmap.

import type { Localized } from '../state/index.ts';

export interface SensorTypeInfo {
  /** How often a healthy sensor of this type reports, in ms. */
  expectedEveryMs: number;
  /** Heatmap weight 0 at `low`, 1 at `high` (low > high when small values are the bad ones). */
  heat?: { low: number; high: number; label: Localized };
}

/** A sensor is stale once it has been silent for this many expected intervals. */
export const STALE_AFTER_INTERVALS = 3;

const DEFAULT_EVERY_MS = 5 * 60_000;

export const sensorTypes: Readonly<Record<string, SensorTypeInfo>> = {
  'traffic.speed': { expectedEveryMs: 60_000, heat: { low: 50, high: 5, label: { vi: 'Ùn tắc giao thông', en: 'Traffic congestion' } } },
  'water.level': { expectedEveryMs: 5 * 60_000, heat: { low: 0.5, high: 2.5, label: { vi: 'Mực nước', en: 'Water level' } } },
  'weather.rain': { expectedEveryMs: 5 * 60_000, heat: { low: 0, high: 60, label: { vi: 'Lượng mưa', en: 'Rainfall' } } },
  'aq.pm25': { expectedEveryMs: 10 * 60_000, heat: { low: 25, high: 250, label: { vi: 'Bụi mịn PM2.5', en: 'PM2.5' } } },
};

/** Types that have a heatmap, in table order; the first is the default choice. */
export const heatMetrics: readonly string[] = Object.keys(sensorTypes).filter((t) => sensorTypes[t]!.heat);

/**
 * The moment a sensor last seen at `seenMs` becomes stale.
 * @example staleAt('traffic.speed', 0) // 180_000
 */
export function staleAt(type: string, seenMs: number): number {
  return seenMs + STALE_AFTER_INTERVALS * (sensorTypes[type]?.expectedEveryMs ?? DEFAULT_EVERY_MS);
}
