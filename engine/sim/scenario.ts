// The weather script of a simulated run: when storms cross the city, how hard
// they rain and where, and when smog settles between storms. Every plan is a
// pure function of the seed and its index, so any moment can be asked about
// without replaying the past; nothing here reads a clock.

import { InvalidArgumentError } from '../errors/index.ts';
import { KM_PER_DEG_LAT, KM_PER_DEG_LON, type LatLon, POLLUTION_PRONE_DISTRICTS, STORM_TARGET } from './hanoi-places.ts';
import { mulberry32, subSeed, uniform } from './prng.ts';

export interface ScenarioOptions {
  seed: number;
  /** Epoch ms the run starts at; storm times count from here. */
  start: number;
  /** Delay before the first storm (ms). Infinity: no storms (and no smog). */
  firstStormAfter: number;
  /** Time between storm starts (ms). Infinity: one storm only. */
  stormEvery: number;
  /** How long a storm cell takes to cross the city (ms); it also sets how fast water rises and falls. */
  stormDuration: number;
}

/** One storm: a rain cell moving in a straight line across the low-lying core of the city. */
export interface StormPlan {
  index: number;
  /** Epoch ms. */
  start: number;
  end: number;
  /** Rain under the cell's core, mm/h (60-120). */
  peakMmH: number;
  /** Where the cell's center is at `start` and at `end`. */
  from: LatLon;
  to: LatLon;
}

/** One smog episode: PM2.5 builds up over a few districts between two storms. */
export interface SmogPlan {
  index: number;
  start: number;
  end: number;
  /** Peak PM2.5 (µg/m³) per district id; above 250.5 in one district every third episode. */
  peaks: ReadonlyMap<string, number>;
}

/** Radius (km) of the cell's core, where rain is at its peak. */
export const CORE_KM = 8;
/** Width (km) of the Gaussian fall-off of rain outside the core. */
export const EDGE_KM = 6;
/** Half the length (km) of a storm's track. */
const TRACK_HALF_KM = 14;
/** Most a track passes from the storm target (km). */
const TRACK_OFFSET_KM = 1.5;
/** Share of a storm's duration spent building up, and dying down. */
const RAMP = 0.1;

export const defaultScenario = {
  firstStormAfter: 20_000,
  stormEvery: 10 * 60_000,
  stormDuration: 4 * 60_000,
} as const;

/** Checks the timing options; throws InvalidArgumentError with the offending value. */
export function checkScenarioOptions(o: Pick<ScenarioOptions, 'firstStormAfter' | 'stormEvery' | 'stormDuration'>): void {
  if (!(o.firstStormAfter >= 0)) throw new InvalidArgumentError(`firstStormAfter must be >= 0 ms, got ${o.firstStormAfter}`);
  if (!(o.stormDuration > 0) || !Number.isFinite(o.stormDuration)) {
    throw new InvalidArgumentError(`stormDuration must be a positive number of ms, got ${o.stormDuration}`);
  }
  if (!(o.stormEvery > o.stormDuration)) {
    throw new InvalidArgumentError(`stormEvery (${o.stormEvery} ms) must be longer than stormDuration (${o.stormDuration} ms) so storms do not overlap`);
  }
}

/** The hour of day in Hanoi (UTC+7, no daylight saving), 0 ≤ h < 24. */
export function hanoiHour(time: number): number {
  const h = (time / 3_600_000 + 7) % 24;
  return h < 0 ? h + 24 : h;
}

export class Scenario {
  private readonly first: number;
  private readonly gap: number;

  constructor(private readonly opts: ScenarioOptions) {
    checkScenarioOptions(opts);
    this.first = opts.start + opts.firstStormAfter;
    // With a single storm, smog still gets a window of its own after it.
    this.gap = Number.isFinite(opts.stormEvery) ? opts.stormEvery - opts.stormDuration : 1.5 * opts.stormDuration;
  }

  /** The k-th storm (k ≥ 0). */
  storm(k: number): StormPlan {
    const rnd = mulberry32(subSeed(this.opts.seed, 'storm', k));
    const peakMmH = uniform(rnd, 60, 120);
    const heading = uniform(rnd, 0, 2 * Math.PI);
    const offset = uniform(rnd, -TRACK_OFFSET_KM, TRACK_OFFSET_KM);
    const ux = Math.cos(heading);
    const uy = Math.sin(heading);
    // Track through the target, shifted sideways by `offset`.
    const cx = -uy * offset;
    const cy = ux * offset;
    const at = (along: number): LatLon => [
      STORM_TARGET[0] + (cy + uy * along) / KM_PER_DEG_LAT,
      STORM_TARGET[1] + (cx + ux * along) / KM_PER_DEG_LON,
    ];
    const start = this.cycleStart(k);
    return { index: k, start, end: start + this.opts.stormDuration, peakMmH, from: at(-TRACK_HALF_KM), to: at(TRACK_HALF_KM) };
  }

  /** When cycle k (storm k, then the dry spell after it) begins. */
  private cycleStart(k: number): number {
    // k × Infinity would be NaN for the first and only storm.
    return k === 0 ? this.first : this.first + k * this.opts.stormEvery;
  }

  /** The index of the storm cycle a time falls in (-1 before the first storm). */
  cycleAt(time: number): number {
    if (time < this.first || !Number.isFinite(this.first)) return -1;
    return Number.isFinite(this.opts.stormEvery) ? Math.floor((time - this.first) / this.opts.stormEvery) : 0;
  }

  /** The storm raining at `time`, if any. */
  stormAt(time: number): StormPlan | undefined {
    const k = this.cycleAt(time);
    if (k < 0) return undefined;
    const s = this.storm(k);
    return time < s.end ? s : undefined;
  }

  /** The k-th smog episode: it starts a fifth of the way into the dry spell after storm k. */
  smog(k: number): SmogPlan {
    const rnd = mulberry32(subSeed(this.opts.seed, 'smog', k));
    const start = this.cycleStart(k) + this.opts.stormDuration + 0.2 * this.gap;
    const pool = [...POLLUTION_PRONE_DISTRICTS];
    const peaks = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      const zone = pool.splice(Math.floor(rnd() * pool.length), 1)[0]!;
      const hazardous = i === 0 && k % 3 === 0;
      peaks.set(zone, hazardous ? uniform(rnd, 290, 330) : uniform(rnd, 175, 225));
    }
    return { index: k, start, end: start + 0.45 * this.gap, peaks };
  }

  /** The smog episode under way at `time`, if any. */
  smogAt(time: number): SmogPlan | undefined {
    const k = this.cycleAt(time);
    if (k < 0) return undefined;
    const s = this.smog(k);
    return time >= s.start && time < s.end ? s : undefined;
  }
}

/** Where a storm's cell is at `time` and how hard it rains under its core then. */
export function cellAt(storm: StormPlan, time: number): { lat: number; lon: number; peak: number } {
  const f = Math.min(1, Math.max(0, (time - storm.start) / (storm.end - storm.start)));
  const envelope = Math.min(1, f / RAMP, (1 - f) / RAMP);
  return {
    lat: storm.from[0] + (storm.to[0] - storm.from[0]) * f,
    lon: storm.from[1] + (storm.to[1] - storm.from[1]) * f,
    peak: storm.peakMmH * envelope,
  };
}

/** Rain (mm/h) at a point under a cell: the peak inside the core, a Gaussian fall-off outside. */
export function rainUnder(cellLat: number, cellLon: number, peak: number, lat: number, lon: number): number {
  if (peak <= 0) return 0;
  const dy = (lat - cellLat) * KM_PER_DEG_LAT;
  const dx = (lon - cellLon) * KM_PER_DEG_LON;
  const d = Math.sqrt(dx * dx + dy * dy);
  if (d <= CORE_KM) return peak;
  const e = (d - CORE_KM) / EDGE_KM;
  return e > 3 ? 0 : peak * Math.exp(-e * e);
}

/** Smog strength through an episode: ramps up over the first quarter, holds, ramps down over the last. */
export function smogShape(plan: SmogPlan, time: number): number {
  const f = (time - plan.start) / (plan.end - plan.start);
  if (f <= 0 || f >= 1) return 0;
  return Math.min(1, f / 0.25, (1 - f) / 0.25);
}
