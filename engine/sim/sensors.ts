// Places the simulated sensors: water gauges along rivers, canals and lakes,
// traffic detectors along roads, rain gauges and PM2.5 monitors spread over
// the districts (denser in urban ones). Placement happens once per run; it
// must never draw from Math.random, so a seed always yields the same city.

import { type District, ZoneLocator } from '../geo/index.ts';
import { InvalidArgumentError } from '../errors/index.ts';
import {
  CONGESTED_RUSH_DEPTH,
  districtPlaces,
  KM_PER_DEG_LAT,
  KM_PER_DEG_LON,
  type LatLon,
  LOW_LYING_DISTRICTS,
  type RoadClass,
  roadProfiles,
  roads,
  type WaterKind,
  waterbodies,
} from './hanoi-places.ts';
import { mulberry32, pick, type Random, subSeed, uniform } from './prng.ts';

/** How many sensors of each kind to place. */
export interface SensorCounts {
  waterLevel: number;
  rain: number;
  pm25: number;
  traffic: number;
}

/** A few hundred sensors: enough to look like a city, small enough for a laptop demo. */
export const defaultSensorCounts: Readonly<SensorCounts> = { waterLevel: 72, rain: 60, pm25: 84, traffic: 180 };

export const KIND_WATER = 0;
export const KIND_RAIN = 1;
export const KIND_PM25 = 2;
export const KIND_TRAFFIC = 3;

const TYPES = ['water.level', 'weather.rain', 'aq.pm25', 'traffic.speed'] as const;
const UNITS = ['m', 'mm/h', 'µg/m³', 'km/h'] as const;

/** One simulated sensor as the outside world sees it. */
export interface SimSensor {
  /** The event `source`, e.g. `wl-song-to-lich-004`. */
  readonly id: string;
  readonly type: (typeof TYPES)[number];
  readonly unit: (typeof UNITS)[number];
  readonly lat: number;
  readonly lon: number;
  /** District id. */
  readonly zone: string;
  readonly attrs: Readonly<Record<string, string>>;
}

/**
 * Sensors plus their physics parameters in flat typed arrays, indexed like
 * `sensors`, so the per-event code is plain loops without lookups.
 */
export interface SensorTable {
  readonly sensors: readonly SimSensor[];
  readonly kind: Uint8Array;
  /** Index of the sensor's district in the districts array. */
  readonly zone: Uint16Array;
  /**
   * Water: calm level (m). Rain: gauge gain. PM2.5: clean-air base (µg/m³).
   * Traffic: free-flow speed (km/h).
   */
  readonly base: Float64Array;
  /**
   * Water: rise (m) at full flood. PM2.5: smog sensitivity (≈1).
   * Traffic: how deep rush hour cuts the speed (0..1).
   */
  readonly amp: Float64Array;
}

/**
 * Counts for about `total` sensors in the default mix (what `ioc simulate --sensors N` means).
 *
 * @example
 * sensorCountsForTotal(20_000) // { waterLevel: 3636, rain: 3030, pm25: 4243, traffic: 9091 }
 */
export function sensorCountsForTotal(total: number): SensorCounts {
  if (!Number.isInteger(total) || total < 1) throw new InvalidArgumentError(`total sensors must be a positive integer, got ${total}`);
  const d = defaultSensorCounts;
  const [waterLevel, rain, pm25, traffic] = apportionExact(total, [d.waterLevel, d.rain, d.pm25, d.traffic]);
  return { waterLevel: waterLevel!, rain: rain!, pm25: pm25!, traffic: traffic! };
}

/** Splits `total` proportionally to `weights` (largest remainder), with no minimum per part. */
function apportionExact(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let given = out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; given < total; j++, given++) out[order[j % out.length]![1]]! += 1;
  return out;
}

/** Resolves the `sensors` option: a scale factor on the defaults, or explicit counts. */
export function resolveSensorCounts(sensors: number | Partial<SensorCounts> | undefined): SensorCounts {
  if (sensors === undefined) return { ...defaultSensorCounts };
  if (typeof sensors === 'number') {
    if (!Number.isFinite(sensors) || sensors <= 0) throw new InvalidArgumentError(`sensors scale must be a positive number, got ${sensors}`);
    return {
      waterLevel: Math.max(1, Math.round(defaultSensorCounts.waterLevel * sensors)),
      rain: Math.max(1, Math.round(defaultSensorCounts.rain * sensors)),
      pm25: Math.max(1, Math.round(defaultSensorCounts.pm25 * sensors)),
      traffic: Math.max(1, Math.round(defaultSensorCounts.traffic * sensors)),
    };
  }
  const counts = { ...defaultSensorCounts, ...sensors };
  for (const [k, v] of Object.entries(counts)) {
    if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`sensors.${k} must be a non-negative integer, got ${v}`);
  }
  if (counts.waterLevel + counts.rain + counts.pm25 + counts.traffic === 0) throw new InvalidArgumentError('sensors: at least one sensor is needed');
  return counts;
}

/** ASCII slug of a Vietnamese name: `Sông Tô Lịch` → `song-to-lich`. */
export function slugVi(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** How far (km) sensors of a district spread around its centroid. */
function spreadKm(d: District): number {
  return d.kind === 'urban' ? 1.6 : d.kind === 'town' ? 2.5 : 4.5;
}

/** Weight of a district in how many area sensors (rain, PM2.5) it gets. */
export function districtWeight(d: District): number {
  return d.kind === 'urban' ? 3 : d.kind === 'town' ? 2 : 1;
}

/** Splits `total` into integers proportional to `weights` (largest remainder), each at least 1 when there are enough. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 0 || total <= 0) return new Array<number>(n).fill(0);
  if (total < n) return apportionExact(total, weights);
  return apportionExact(total - n, weights).map((x) => x + 1);
}

/** Points every ~`stepKm` along a polyline (one point for a single-point path). */
export function sampleAlong(path: readonly LatLon[], stepKm: number): LatLon[] {
  if (path.length === 1) return [path[0]!];
  const out: LatLon[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const [aLat, aLon] = path[i]!;
    const [bLat, bLon] = path[i + 1]!;
    const km = Math.hypot((bLat - aLat) * KM_PER_DEG_LAT, (bLon - aLon) * KM_PER_DEG_LON);
    const steps = Math.max(1, Math.ceil(km / stepKm));
    for (let s = 0; s < steps; s++) {
      const f = s / steps;
      out.push([aLat + (bLat - aLat) * f, aLon + (bLon - aLon) * f]);
    }
  }
  out.push(path[path.length - 1]!);
  return out;
}

function jitter(rnd: Random, [lat, lon]: LatLon, km: number): LatLon {
  // Sum of two uniforms: a cheap bell shape that never strays past `km`.
  const dy = (rnd() + rnd() - 1) * km;
  const dx = (rnd() + rnd() - 1) * km;
  return [lat + dy / KM_PER_DEG_LAT, lon + dx / KM_PER_DEG_LON];
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** A place sensors hang on (a waterbody or a road), sampled and tagged by zone. */
interface Site {
  slug: string;
  nameVi: string;
  weight: number;
  points: LatLon[];
  zones: number[];
  water?: { kind: WaterKind; large: boolean };
  road?: { cls: RoadClass; congestionProne: boolean };
}

interface Draft {
  kind: number;
  siteSlug: string;
  lat: number;
  lon: number;
  zone: number;
  attrs: Record<string, string>;
  base: number;
  amp: number;
}

/** The districts and how to find which one a point is in (by index). */
export interface Geo {
  districts: readonly District[];
  /** District index of a point, -1 outside the city. */
  zoneAt(p: LatLon): number;
}

/** Indexes districts for `zoneAt`. */
export function makeGeo(districts: readonly District[]): Geo {
  const locator = new ZoneLocator(districts);
  const zoneIndex = new Map(districts.map((d, i) => [d.id, i]));
  return { districts, zoneAt: (p) => zoneIndex.get(locator.zoneOf(p[0], p[1]) ?? '') ?? -1 };
}

/** A random point in district `zi` within its spread (the centroid when none is found). */
export function pointInDistrict(rnd: Random, geo: Geo, zi: number): LatLon {
  const d = geo.districts[zi]!;
  for (let attempt = 0; attempt < 30; attempt++) {
    const p = jitter(rnd, [d.lat, d.lon], spreadKm(d));
    if (geo.zoneAt(p) === zi) return p;
  }
  return [d.lat, d.lon];
}

/**
 * Places sensors over the districts.
 *
 * @example
 * const table = placeSensors(hanoiDistricts(), defaultSensorCounts, 1);
 * table.sensors[0] // { id: 'wl-song-hong-001', type: 'water.level', zone: 'ba-vi', ... }
 */
export function placeSensors(districts: readonly District[], counts: SensorCounts, seed: number): SensorTable {
  const geo = makeGeo(districts);
  const zoneAt = geo.zoneAt;
  const zoneIds = districts.map((d) => d.id);
  const low = new Set(LOW_LYING_DISTRICTS.map((id) => zoneIds.indexOf(id)));
  const wardOf = (rnd: Random, zone: number): string => pick(rnd, districtPlaces[zoneIds[zone]!]?.wards ?? [districts[zone]!.nameVi]);

  const toSite = (nameVi: string, weight: number, path: readonly LatLon[], extra: Pick<Site, 'water' | 'road'>): Site => {
    const points = sampleAlong(path, 0.2).filter((p) => zoneAt(p) >= 0);
    return { slug: slugVi(nameVi), nameVi, weight, points, zones: points.map(zoneAt), ...extra };
  };
  const waterSites = waterbodies.map((w) => toSite(w.nameVi, w.weight, w.path, { water: { kind: w.kind, large: w.large } }));
  const roadSites = roads.map((r) => toSite(r.nameVi, r.weight, r.path, { road: { cls: r.cls, congestionProne: r.congestionProne } }));

  const drafts: Draft[] = [];

  const waterRnd = mulberry32(subSeed(seed, 'water'));
  placeOnSites(waterRnd, counts.waterLevel, waterSites, geo, (rnd, site, p, zone) => {
    const large = site.water?.large ?? false;
    let base: number;
    let peak: number;
    if (large) {
      base = uniform(rnd, 0.8, 1.05);
      peak = base + uniform(rnd, 0.15, 0.3);
    } else if (low.has(zone)) {
      base = uniform(rnd, 0.5, 0.85);
      peak = uniform(rnd, 2.2, 2.7);
    } else {
      base = uniform(rnd, 0.35, 0.65);
      peak = uniform(rnd, 1.6, 1.9);
    }
    drafts.push({
      kind: KIND_WATER, siteSlug: `wl-${site.slug}`, lat: p[0], lon: p[1], zone, base, amp: peak - base,
      attrs: { waterbody: site.nameVi, waterKind: site.water?.kind ?? 'canal', ward: wardOf(rnd, zone) },
    });
  }, (d) => ({ slug: `kenh-tieu-${d.id}`, nameVi: `Kênh tiêu ${d.nameVi}`, weight: 1, points: [], zones: [], water: { kind: 'canal', large: false } }));

  const trafficRnd = mulberry32(subSeed(seed, 'traffic'));
  placeOnSites(trafficRnd, counts.traffic, roadSites, geo, (rnd, site, p, zone) => {
    const road = site.road ?? { cls: 'arterial', congestionProne: false };
    const profile = roadProfiles[road.cls];
    drafts.push({
      kind: KIND_TRAFFIC, siteSlug: `tf-${site.slug}`, lat: p[0], lon: p[1], zone,
      base: profile.freeKmh * uniform(rnd, 0.9, 1.1),
      amp: (road.congestionProne ? CONGESTED_RUSH_DEPTH : profile.rushDepth) * uniform(rnd, 0.93, 1.07),
      attrs: { road: site.nameVi, roadClass: road.cls, dir: rnd() < 0.5 ? 'inbound' : 'outbound' },
    });
  }, (d) => {
    const street = districtPlaces[d.id]?.streets[0] ?? d.nameVi;
    const cls: RoadClass = d.kind === 'urban' ? 'arterial' : 'rural';
    return { slug: slugVi(street), nameVi: street, weight: 1, points: [], zones: [], road: { cls, congestionProne: false } };
  });

  const weights = districts.map(districtWeight);
  const areaKinds = [
    { kind: KIND_RAIN, count: counts.rain, prefix: 'rg', label: 'rain' },
    { kind: KIND_PM25, count: counts.pm25, prefix: 'pm', label: 'pm25' },
  ];
  for (const { kind, count, prefix, label } of areaKinds) {
    const rnd = mulberry32(subSeed(seed, label));
    const perDistrict = apportion(count, weights);
    districts.forEach((d, zi) => {
      for (let j = 0; j < perDistrict[zi]!; j++) {
        const p = pointInDistrict(rnd, geo, zi);
        const base = kind === KIND_RAIN
          ? uniform(rnd, 0.94, 1.06)
          : d.kind === 'urban' ? uniform(rnd, 45, 62) : d.kind === 'town' ? uniform(rnd, 38, 50) : uniform(rnd, 30, 45);
        drafts.push({
          kind, siteSlug: `${prefix}-${d.id}`, lat: p[0], lon: p[1], zone: zi, base,
          amp: kind === KIND_PM25 ? uniform(rnd, 0.97, 1.03) : 0,
          attrs: { ward: wardOf(rnd, zi) },
        });
      }
    });
  }

  return finish(drafts, zoneIds);
}

type PlaceFn = (rnd: Random, site: Site, p: LatLon, zone: number) => void;

/**
 * One sensor in every district first (on a site that crosses it, or on a
 * local fallback site), then the rest spread over the sites by weight.
 */
function placeOnSites(rnd: Random, count: number, sites: Site[], geo: Geo, place: PlaceFn, fallback: (d: District) => Site): void {
  if (count <= 0) return;
  let rest = count;
  if (count >= geo.districts.length * 2) {
    geo.districts.forEach((d, zi) => {
      let candidates: [Site, LatLon][] = [];
      for (const s of sites) s.zones.forEach((z, i) => z === zi && candidates.push([s, s.points[i]!]));
      // A district's own gauge should be on its drains, not on a big river that a storm barely moves.
      const local = candidates.filter(([s]) => !s.water?.large);
      if (local.length > 0) candidates = local;
      if (candidates.length > 0) {
        const [site, p] = pick(rnd, candidates);
        place(rnd, site, p, zi);
      } else {
        place(rnd, fallback(d), pointInDistrict(rnd, geo, zi), zi);
      }
      rest--;
    });
  }
  const usable = sites.filter((s) => s.points.length > 0);
  const perSite = apportion(rest, usable.map((s) => s.weight));
  usable.forEach((site, si) => {
    const radius = site.water?.kind === 'lake' ? 0.3 : 0.05;
    for (let j = 0; j < perSite[si]!; j++) {
      const i = Math.floor(rnd() * site.points.length);
      const p = jitter(rnd, site.points[i]!, radius);
      const zone = geo.zoneAt(p);
      place(rnd, site, p, zone >= 0 ? zone : site.zones[i]!);
    }
  });
}

function finish(drafts: Draft[], zoneIds: readonly string[]): SensorTable {
  const n = drafts.length;
  const kind = new Uint8Array(n);
  const zone = new Uint16Array(n);
  const base = new Float64Array(n);
  const amp = new Float64Array(n);
  const seqBySite = new Map<string, number>();
  const totalBySite = new Map<string, number>();
  for (const d of drafts) totalBySite.set(d.siteSlug, (totalBySite.get(d.siteSlug) ?? 0) + 1);
  const sensors = drafts.map((d, i) => {
    const seq = (seqBySite.get(d.siteSlug) ?? 0) + 1;
    seqBySite.set(d.siteSlug, seq);
    const width = Math.max(3, String(totalBySite.get(d.siteSlug)).length);
    kind[i] = d.kind;
    zone[i] = d.zone;
    base[i] = d.base;
    amp[i] = d.amp;
    return {
      id: `${d.siteSlug}-${String(seq).padStart(width, '0')}`,
      type: TYPES[d.kind]!,
      unit: UNITS[d.kind]!,
      lat: round6(d.lat),
      lon: round6(d.lon),
      zone: zoneIds[d.zone]!,
      attrs: Object.freeze(d.attrs),
    } satisfies SimSensor;
  });
  return { sensors, kind, zone, base, amp };
}
