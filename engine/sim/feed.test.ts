import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { hanoiDistricts, ZoneLocator } from '../geo/index.ts';
import { dayLoad, HanoiFeed, pmDiurnal, rushPeak } from './feed.ts';
import { districtPlaces } from './hanoi-places.ts';
import { HOTLINE_SOURCE, hotlineCategories } from './hotline.ts';

/** A Hanoi local time (UTC+7) on a fixed day, as epoch ms. */
const hanoi = (h: number, m = 0) => Date.UTC(2026, 2, 10, h - 7, m);

/** `n` events at one instant, from a fresh city with no storms. */
function snapshot(at: number, n: number, seed = 2): IocEvent[] {
  const feed = new HanoiFeed({ start: at, seed, firstStormAfter: Infinity });
  return Array.from({ length: n }, () => feed.next());
}

/** Events over `ms` of simulated time at `perS` events per second. */
function run(feed: HanoiFeed, from: number, ms: number, perS: number): IocEvent[] {
  const out: IocEvent[] = [];
  for (let t = from; t < from + ms; t += 1_000) {
    feed.advance(t);
    for (let i = 0; i < perS; i++) out.push(feed.next());
  }
  return out;
}

describe('HanoiFeed traffic', () => {
  it('jams congestion-prone roads below 10 km/h at rush hour, and only then', () => {
    const slow = (h: number, m = 0) => snapshot(hanoi(h, m), 2_000).filter((e) => e.type === 'traffic.speed' && e.value! < 10);
    const morning = slow(7, 45);
    expect(morning.length).toBeGreaterThan(20);
    expect(new Set(morning.map((e) => e.attrs.road))).toContain('Giải Phóng');
    expect(slow(17, 45).length).toBeGreaterThan(20);
    for (const h of [3, 10, 13, 21]) expect(slow(h), `${h}:00`).toEqual([]);
  });

  it('runs faster at night than at midday', () => {
    const mean = (h: number) => {
      const v = snapshot(hanoi(h), 2_000).filter((e) => e.type === 'traffic.speed').map((e) => e.value!);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    expect(mean(2)).toBeGreaterThan(mean(12) * 1.2);
  });
});

describe('HanoiFeed air quality', () => {
  it('is worse in the early morning than in the afternoon, and below 150.5 without smog', () => {
    const pm = (h: number) => snapshot(hanoi(h), 3_000).filter((e) => e.type === 'aq.pm25').map((e) => e.value!);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(pm(6))).toBeGreaterThan(mean(pm(15)) * 1.5);
    for (let h = 0; h < 24; h += 3) expect(Math.max(...pm(h)), `${h}:00`).toBeLessThan(150.5);
  });
});

describe('HanoiFeed hotline', () => {
  const feed = new HanoiFeed({ start: hanoi(10), seed: 4 });
  // Ten minutes including the first storm (20 s to 260 s).
  const events = run(feed, hanoi(10), 600_000, 50);
  const calls = events.filter((e) => e.type === 'service.hotline');

  it('takes complaints in Vietnamese with a category, ward and place', () => {
    expect(calls.length).toBeGreaterThan(10);
    const locator = new ZoneLocator(hanoiDistricts());
    for (const c of calls) {
      expect(c.source).toBe(HOTLINE_SOURCE);
      expect(c.value).toBeUndefined();
      expect(c.unit).toBeUndefined();
      expect(hotlineCategories).toContain(c.attrs.category);
      expect(districtPlaces[c.zone!]!.wards).toContain(c.attrs.ward);
      expect(c.attrs.text!.length).toBeGreaterThan(10);
      expect(locator.zoneOf(c.lat!, c.lon!)).toBe(c.zone);
    }
    expect(calls.some((c) => /[ăâđêôơư]/i.test(c.attrs.text!))).toBe(true);
  });

  it('rings with flood reports during the storm and not before', () => {
    const flood = calls.filter((c) => c.attrs.category === 'flood');
    expect(flood.length).toBeGreaterThan(5);
    for (const c of flood) expect(c.time).toBeGreaterThan(hanoi(10) + 20_000);
  });

  it('never takes more than a quarter of the events, so sensors keep reporting', () => {
    for (let i = 0; i + 4 <= events.length; i += 4) {
      expect(events.slice(i, i + 4).filter((e) => e.type === 'service.hotline').length).toBeLessThanOrEqual(1);
    }
  });
});

describe('HanoiFeed mechanics', () => {
  it('keeps every sensor reading inside its district and with its unit', () => {
    const locator = new ZoneLocator(hanoiDistricts());
    const units: Record<string, string> = { 'water.level': 'm', 'weather.rain': 'mm/h', 'aq.pm25': 'µg/m³', 'traffic.speed': 'km/h' };
    for (const e of snapshot(hanoi(9), 1_000)) {
      expect(e.unit).toBe(units[e.type]);
      expect(Number.isFinite(e.value)).toBe(true);
      expect(locator.zoneOf(e.lat!, e.lon!)).toBe(e.zone);
    }
  });

  it('visits every sensor once per round', () => {
    const feed = new HanoiFeed({ start: hanoi(9), firstStormAfter: Infinity });
    const sources = Array.from({ length: feed.sensors.length }, () => feed.next().source);
    expect(new Set(sources).size).toBe(feed.sensors.length);
  });

  it('never runs the clock backwards', () => {
    const feed = new HanoiFeed({ start: hanoi(9) });
    feed.advance(hanoi(9, 5));
    feed.advance(hanoi(9, 1));
    expect(feed.now()).toBe(hanoi(9, 5));
    expect(feed.next().time).toBe(hanoi(9, 5));
  });

  it('floods only while storms pass', () => {
    const feed = new HanoiFeed({ start: hanoi(9), seed: 4 });
    feed.advance(hanoi(9, 2));
    expect(feed.floodLevels().get('hoang-mai')).toBeGreaterThan(0.9);
    feed.advance(hanoi(9, 9));
    expect(feed.floodLevels().get('hoang-mai')).toBeLessThan(0.1);
  });
});

describe('daily curves', () => {
  it('have rush peaks at 7:45 and 17:45, quiet nights and dirty mornings', () => {
    expect(rushPeak(7.75)).toBeCloseTo(1);
    expect(rushPeak(17.75)).toBeCloseTo(1);
    expect(rushPeak(12)).toBeLessThan(0.01);
    expect(dayLoad(3)).toBe(0);
    expect(dayLoad(12)).toBe(1);
    expect(pmDiurnal(6)).toBeGreaterThan(pmDiurnal(15));
  });
});
