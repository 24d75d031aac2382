// The simulated city: sensor readings and hotline complaints computed from a
// small physical model (moving rain cells, drains that fill and empty, rush
// hours, smog). `advance` moves the world to a time once per tick; `next`
// makes one event. The per-event path is plain arithmetic on typed arrays: no
// closures, no timers, no Math.random, no wall clock.

import type { IocEvent } from '../events/index.ts';
import { hanoiDistricts, type District } from '../geo/index.ts';
import { InvalidArgumentError } from '../errors/index.ts';
import { LOW_LYING_DISTRICTS } from './hanoi-places.ts';
import { HOTLINE_SOURCE, type HotlineCategory, writeComplaint } from './hotline.ts';
import { mulberry32, type Random, subSeed } from './prng.ts';
import { cellAt, defaultScenario, hanoiHour, rainUnder, Scenario, smogShape } from './scenario.ts';
import {
  districtWeight,
  type Geo,
  KIND_PM25,
  KIND_RAIN,
  KIND_WATER,
  makeGeo,
  placeSensors,
  pointInDistrict,
  resolveSensorCounts,
  type SensorCounts,
  type SensorTable,
  type SimSensor,
} from './sensors.ts';

export interface FeedOptions {
  /** Epoch ms the run starts at: storms are scheduled from here. */
  start: number;
  /** Same seed, same city and same weather. Default 1. */
  seed?: number;
  /** A scale factor on the default few hundred sensors, or explicit counts per kind. */
  sensors?: number | Partial<SensorCounts>;
  /** Delay before the first storm (ms, default 20 s so a demo shows alerts within a minute or two). */
  firstStormAfter?: number;
  /** Time between storm starts (ms, default 10 min). */
  stormEvery?: number;
  /** How long a storm takes to cross the city (ms, default 4 min). */
  stormDuration?: number;
  /**
   * Goes into every event id (`<source>-<runId>-<seq>`) so two runs never reuse
   * an id, which JetStream and storage would otherwise treat as duplicates.
   * Default: `start` in base 36.
   */
  runId?: string;
}

/** Rain (mm/h) that drains can just carry away; more backs up. */
const DRAIN_MMH = 50;
/** How far drains can back up, relative to full (1 = the gauge reaches its flood level). */
const MAX_WET = 1.6;
/** Water rises with this time constant, as a share of the storm duration... */
const RISE_SHARE = 0.05;
/** ...and falls with this one (recession is slower than the rise). */
const FALL_SHARE = 0.12;
/** How much a flooded district suffers, by kind (low-lying districts fully). */
const VULNERABILITY = { low: 1, urban: 0.6, town: 0.5, rural: 0.4 } as const;
/** Complaints per second per unit of district weight, in daytime. */
const HOTLINE_BASE_PER_S = 0.0015;
/** Flood complaints per second from one fully flooded district. */
const HOTLINE_FLOOD_PER_S = 0.1;
/** Power complaints per second per unit of district weight under heavy rain. */
const HOTLINE_POWER_PER_S = 0.005;
/** Complaints waiting to be sent; more are dropped (a jammed switchboard). */
const HOTLINE_QUEUE = 64;
/** At most one event in this many is a complaint, so sensors keep reporting. */
const HOTLINE_SHARE = 4;

const CATEGORY_CODES: readonly HotlineCategory[] = ['flood', 'waste', 'traffic', 'noise', 'power', 'other'];
const CAT_FLOOD = 0;
const CAT_WASTE = 1;
const CAT_TRAFFIC = 2;
const CAT_NOISE = 3;
const CAT_POWER = 4;
const CAT_OTHER = 5;

/** Traffic and daily life: 0 at night, 1 from 7:00 to 20:00. */
export function dayLoad(h: number): number {
  if (h < 5 || h >= 23) return 0;
  if (h < 7) return (h - 5) / 2;
  if (h < 20) return 1;
  return 1 - (h - 20) / 3;
}

/** Rush hour strength: peaks at 7:45 and 17:45. */
export function rushPeak(h: number): number {
  const m = (h - 7.75) / 0.75;
  const e = (h - 17.75) / 0.9;
  return Math.max(Math.exp(-m * m), Math.exp(-e * e));
}

/** PM2.5 over the day: worst in the early morning (low mixing layer), a second bump in the evening. */
export function pmDiurnal(h: number): number {
  return 1 + 0.3 * Math.cos((2 * Math.PI * (h - 6)) / 24) + 0.12 * Math.cos((2 * Math.PI * (h - 21)) / 12);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * A deterministic stream of Hanoi events, pulled one at a time. The Observable
 * in `simulate.ts` drives it from a scheduler; the benchmark can drive it directly.
 *
 * @example
 * const feed = new HanoiFeed({ start: Date.UTC(2026, 6, 1, 3), seed: 7 });
 * feed.advance(Date.UTC(2026, 6, 1, 3, 0, 1));
 * const e = feed.next(); // { id: 'tf-giai-phong-004-mqk...-1', type: 'traffic.speed', value: 27.4, ... }
 */
export class HanoiFeed {
  readonly sensors: readonly SimSensor[];
  readonly scenario: Scenario;
  readonly districts: readonly District[];

  private readonly table: SensorTable;
  private readonly geo: Geo;
  private readonly rnd: Random;
  private readonly order: Uint32Array;
  private cursor = 0;
  private readonly idPrefix: string[];
  private readonly seq: Float64Array;
  private readonly noise: Float64Array;
  private readonly riseMs: number;
  private readonly fallMs: number;
  private time: number;

  // Per district, indexed like `districts`.
  private readonly wet: Float64Array;
  private readonly flood: Float64Array;
  private readonly smogPm: Float64Array;
  private readonly vulnerability: Float64Array;
  private readonly weight: Float64Array;
  private readonly hotAcc: Float64Array;
  private readonly hotNext: Float64Array;

  // Set by `advance`, read by `next`.
  private hour = 0;
  private trafficDay = 1;
  private rush = 0;
  private pmDay = 1;
  private raining = false;
  private cellLat = 0;
  private cellLon = 0;
  private cellPeak = 0;

  private readonly queueZone = new Int16Array(HOTLINE_QUEUE);
  private readonly queueCat = new Uint8Array(HOTLINE_QUEUE);
  private queueHead = 0;
  private queueLen = 0;
  private sinceHotline = 0;
  private hotlineSeq = 0;
  private readonly hotlinePrefix: string;

  constructor(opts: FeedOptions) {
    if (!Number.isFinite(opts.start)) throw new InvalidArgumentError(`start must be epoch milliseconds, got ${opts.start}`);
    const seed = opts.seed ?? 1;
    if (!Number.isInteger(seed)) throw new InvalidArgumentError(`seed must be an integer, got ${seed}`);
    const stormDuration = opts.stormDuration ?? defaultScenario.stormDuration;
    this.scenario = new Scenario({
      seed,
      start: opts.start,
      firstStormAfter: opts.firstStormAfter ?? defaultScenario.firstStormAfter,
      stormEvery: opts.stormEvery ?? defaultScenario.stormEvery,
      stormDuration,
    });
    this.riseMs = RISE_SHARE * stormDuration;
    this.fallMs = FALL_SHARE * stormDuration;
    this.districts = hanoiDistricts();
    this.geo = makeGeo(this.districts);
    this.table = placeSensors(this.districts, resolveSensorCounts(opts.sensors), seed);
    this.sensors = this.table.sensors;
    this.rnd = mulberry32(subSeed(seed, 'readings'));

    const n = this.sensors.length;
    const runId = opts.runId ?? Math.round(opts.start).toString(36);
    this.idPrefix = this.sensors.map((s) => `${s.id}-${runId}-`);
    this.hotlinePrefix = `${HOTLINE_SOURCE}-${runId}-`;
    this.seq = new Float64Array(n);
    this.noise = new Float64Array(n);
    this.order = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.rnd() * (i + 1));
      const t = this.order[i]!;
      this.order[i] = this.order[j]!;
      this.order[j] = t;
    }

    const nd = this.districts.length;
    const low = new Set(LOW_LYING_DISTRICTS);
    this.wet = new Float64Array(nd);
    this.flood = new Float64Array(nd);
    this.smogPm = new Float64Array(nd);
    this.vulnerability = Float64Array.from(this.districts, (d) =>
      low.has(d.id) ? VULNERABILITY.low : d.kind === 'urban' ? VULNERABILITY.urban : d.kind === 'town' ? VULNERABILITY.town : VULNERABILITY.rural);
    this.weight = Float64Array.from(this.districts, districtWeight);
    this.hotAcc = new Float64Array(nd);
    this.hotNext = Float64Array.from(this.districts, () => -Math.log(1 - this.rnd()));
    this.time = Math.round(opts.start);
    this.advance(this.time);
  }

  /** The time events are stamped with (epoch ms): the last `advance`. */
  now(): number {
    return this.time;
  }

  /** How flooded each district is now (0..1), by district id; for tests and the console's demo banner. */
  floodLevels(): Map<string, number> {
    return new Map(this.districts.map((d, i) => [d.id, this.flood[i]!]));
  }

  /**
   * Moves the world to `time` (epoch ms). Times before the current one are
   * treated as the current one: the world never runs backwards.
   */
  advance(time: number): void {
    const t = Math.round(time);
    const dt = t > this.time ? t - this.time : 0;
    this.time = Math.max(this.time, t);
    const now = this.time;

    const h = hanoiHour(now);
    this.hour = h;
    const load = dayLoad(h);
    this.trafficDay = 1 - 0.3 * load;
    this.rush = rushPeak(h);
    this.pmDay = pmDiurnal(h);

    const storm = this.scenario.stormAt(now);
    this.raining = storm !== undefined;
    if (storm) {
      const c = cellAt(storm, now);
      this.cellLat = c.lat;
      this.cellLon = c.lon;
      this.cellPeak = c.peak;
    } else {
      this.cellPeak = 0;
    }
    const smog = this.scenario.smogAt(now);
    const smogStrength = smog ? smogShape(smog, now) : 0;

    const dtS = Math.min(dt, 10_000) / 1000;
    const night = 1 - load;
    for (let d = 0; d < this.districts.length; d++) {
      const district = this.districts[d]!;
      const rain = this.raining ? rainUnder(this.cellLat, this.cellLon, this.cellPeak, district.lat, district.lon) : 0;
      const target = Math.min(rain / DRAIN_MMH, MAX_WET);
      const w = this.wet[d]!;
      if (dt > 0) this.wet[d] = w + (target - w) * (1 - Math.exp(-dt / (target > w ? this.riseMs : this.fallMs)));
      const flood = Math.min(1, this.wet[d]!) * this.vulnerability[d]!;
      this.flood[d] = flood;
      this.smogPm[d] = smog ? (smog.peaks.get(district.id) ?? 0) * smogStrength : 0;

      if (dtS === 0) continue;
      const base = HOTLINE_BASE_PER_S * this.weight[d]! * (0.3 + 0.7 * load);
      const floodRate = HOTLINE_FLOOD_PER_S * Math.max(0, (flood - 0.3) / 0.7);
      const powerRate = HOTLINE_POWER_PER_S * this.weight[d]! * Math.min(1, rain / DRAIN_MMH);
      const total = base + floodRate + powerRate;
      this.hotAcc[d]! += total * dtS;
      while (this.hotAcc[d]! >= this.hotNext[d]!) {
        this.hotAcc[d]! -= this.hotNext[d]!;
        this.hotNext[d] = -Math.log(1 - this.rnd());
        let u = this.rnd() * total;
        let cat: number;
        if ((u -= floodRate) < 0) cat = CAT_FLOOD;
        else if ((u -= powerRate) < 0) cat = CAT_POWER;
        else cat = this.everydayCategory(night);
        this.enqueue(d, cat);
      }
    }
  }

  /** The next event, stamped with the time of the last `advance`. */
  next(): IocEvent {
    if (this.queueLen > 0 && this.sinceHotline >= HOTLINE_SHARE - 1) return this.complaint();
    this.sinceHotline++;
    const i = this.order[this.cursor]!;
    if (++this.cursor === this.order.length) this.cursor = 0;
    const s = this.sensors[i]!;
    const z = this.table.zone[i]!;
    const base = this.table.base[i]!;
    const amp = this.table.amp[i]!;
    const noise = (this.noise[i] = 0.7 * this.noise[i]! + 0.3 * (2 * this.rnd() - 1));

    let value: number;
    switch (this.table.kind[i]) {
      case KIND_WATER:
        value = round2(base + amp * Math.min(1, this.wet[z]!) + 0.03 * noise);
        break;
      case KIND_RAIN: {
        const r = this.raining ? base * rainUnder(this.cellLat, this.cellLon, this.cellPeak, s.lat, s.lon) * (1 + 0.05 * noise) : 0;
        value = r < 0.1 ? 0 : round1(r);
        break;
      }
      case KIND_PM25: {
        let pm = Math.max(base * this.pmDay * (1 + 0.12 * noise), this.smogPm[z]! * amp * (1 + 0.04 * noise));
        // Rain washes particles out of the air.
        if (this.raining) pm *= 1 - 0.6 * Math.min(1, rainUnder(this.cellLat, this.cellLon, this.cellPeak, s.lat, s.lon) / 30);
        value = round1(pm);
        break;
      }
      default: {
        // KIND_TRAFFIC
        const v = base * this.trafficDay * (1 - amp * this.rush) * (1 - 0.8 * this.flood[z]!) * (1 + 0.08 * noise);
        value = round1(Math.max(2, v));
      }
    }
    const seq = (this.seq[i] = this.seq[i]! + 1);
    return {
      id: this.idPrefix[i]! + seq,
      type: s.type,
      source: s.id,
      time: this.time,
      value,
      unit: s.unit,
      lat: s.lat,
      lon: s.lon,
      zone: s.zone,
      attrs: { ...s.attrs },
    };
  }

  private everydayCategory(night: number): number {
    // Karaoke and building sites at night, jams at rush hour, rubbish in daytime.
    const waste = 3 * (1 - night);
    const traffic = 1 + 3 * this.rush;
    const noise = 1 + 3 * night;
    const power = 1;
    const other = 2;
    let u = this.rnd() * (waste + traffic + noise + power + other);
    if ((u -= waste) < 0) return CAT_WASTE;
    if ((u -= traffic) < 0) return CAT_TRAFFIC;
    if ((u -= noise) < 0) return CAT_NOISE;
    if ((u -= power) < 0) return CAT_POWER;
    return CAT_OTHER;
  }

  private enqueue(zone: number, cat: number): void {
    if (this.queueLen === HOTLINE_QUEUE) return;
    const at = (this.queueHead + this.queueLen) % HOTLINE_QUEUE;
    this.queueZone[at] = zone;
    this.queueCat[at] = cat;
    this.queueLen++;
  }

  private complaint(): IocEvent {
    const z = this.queueZone[this.queueHead]!;
    const category = CATEGORY_CODES[this.queueCat[this.queueHead]!]!;
    this.queueHead = (this.queueHead + 1) % HOTLINE_QUEUE;
    this.queueLen--;
    this.sinceHotline = 0;
    const district = this.districts[z]!;
    const [lat, lon] = pointInDistrict(this.rnd, this.geo, z);
    const c = writeComplaint(this.rnd, district.id, category, this.flood[z]!, this.hour);
    return {
      id: this.hotlinePrefix + ++this.hotlineSeq,
      type: 'service.hotline',
      source: HOTLINE_SOURCE,
      time: this.time,
      lat: Math.round(lat * 1e6) / 1e6,
      lon: Math.round(lon * 1e6) / 1e6,
      zone: district.id,
      attrs: { category: c.category, ward: c.ward, text: c.text, channel: c.channel },
    };
  }
}
