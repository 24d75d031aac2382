// What rules may read besides the event: the city's geography (zones, points
// of interest) for `within`, `near` and `distance`, the reference tables for
// `ref`, and the local time zone for `hour` and `season`. One context per load
// of the rules directory, so a reload swaps tables and rules together. It
// holds data only; nothing here evaluates an expression.

import { cellOf, distanceMeters, hanoiDistricts, hanoiPois, ZoneLocator } from '../geo/index.ts';
import type { RefTable } from './tables.ts';

/** The geography the CEL functions need; `engine/geo` provides it. */
export interface RuleGeo {
  /** True for a zone id rules may name in `within`. */
  hasZone(id: string): boolean;
  /** True when the point lies in the zone. */
  inZone(id: string, lat: number, lon: number): boolean;
  /** A point of interest by id (`near(e, "poi-id", m)`). */
  poi(id: string): { lat: number; lon: number } | undefined;
  /** Great-circle distance in meters. */
  distance(lat1: number, lon1: number, lat2: number, lon2: number): number;
  /** The id of the square grid cell of about `meters` holding the point (`500m@21.02839,105.85410`). */
  cell(lat: number, lon: number, meters: number): string;
}

export interface RuleContext {
  readonly geo: RuleGeo;
  readonly tables: ReadonlyMap<string, RefTable>;
  /** Minutes east of UTC for `hour(e)` and `season(e)`; Hanoi is UTC+7 all year (420). */
  readonly utcOffsetMinutes: number;
  /** Local months (1-12) that `season(e)` calls `wet`; the others are `dry`. Hanoi: May to October. */
  readonly wetMonths: ReadonlySet<number>;
}

let hanoi: RuleGeo | undefined;

/** Hanoi's district polygons as zones, its points of interest, and the geography's grid cells. */
export function hanoiGeo(): RuleGeo {
  if (hanoi !== undefined) return hanoi;
  const zones = new ZoneLocator(hanoiDistricts());
  const pois = hanoiPois();
  hanoi = {
    hasZone: (id) => zones.has(id),
    inZone: (id, lat, lon) => zones.zoneContains(id, lat, lon),
    poi: (id) => pois.get(id),
    distance: distanceMeters,
    cell: (lat, lon, meters) => cellOf(lat, lon, meters) ?? '',
  };
  return hanoi;
}

/**
 * A context with Hanoi's defaults for whatever is not given.
 *
 * @example
 * const ctx = ruleContext({ tables: (await loadTables('rules')).tables });
 */
export function ruleContext(over: Partial<RuleContext> = {}): RuleContext {
  return {
    geo: over.geo ?? hanoiGeo(),
    tables: over.tables ?? new Map(),
    utcOffsetMinutes: over.utcOffsetMinutes ?? 420,
    wetMonths: over.wetMonths ?? new Set([5, 6, 7, 8, 9, 10]),
  };
}

let defaultContext: RuleContext | undefined;

/** The context used when a caller gives none: Hanoi, no tables. */
export function baseContext(): RuleContext {
  defaultContext ??= ruleContext();
  return defaultContext;
}
