import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { hanoiDistricts, ZoneLocator } from '../geo/index.ts';
import { apportion, defaultSensorCounts, placeSensors, resolveSensorCounts, sampleAlong, sensorCountsForTotal, slugVi } from './sensors.ts';

const districts = hanoiDistricts();

describe('placeSensors', () => {
  const table = placeSensors(districts, defaultSensorCounts, 1);

  it('places a few hundred sensors by default, with unique ids', () => {
    const n = table.sensors.length;
    expect(n).toBe(defaultSensorCounts.waterLevel + defaultSensorCounts.rain + defaultSensorCounts.pm25 + defaultSensorCounts.traffic);
    expect(n).toBeGreaterThan(200);
    expect(n).toBeLessThan(1000);
    expect(new Set(table.sensors.map((s) => s.id)).size).toBe(n);
  });

  it('gives every district at least one sensor of each kind', () => {
    for (const d of districts) {
      const types = new Set(table.sensors.filter((s) => s.zone === d.id).map((s) => s.type));
      expect([...types].sort(), d.id).toEqual(['aq.pm25', 'traffic.speed', 'water.level', 'weather.rain']);
    }
  });

  it('puts each sensor in the district its coordinates fall in', () => {
    const locator = new ZoneLocator(districts);
    for (const s of table.sensors) expect(locator.zoneOf(s.lat, s.lon), s.id).toBe(s.zone);
  });

  it('covers urban districts more densely than rural ones', () => {
    const count = (id: string) => table.sensors.filter((s) => s.zone === id).length;
    const urban = districts.filter((d) => d.kind === 'urban');
    const rural = districts.filter((d) => d.kind === 'rural');
    const mean = (ds: typeof districts) => ds.reduce((a, d) => a + count(d.id), 0) / ds.length;
    expect(mean(urban)).toBeGreaterThan(2 * mean(rural));
  });

  it('names sensors after what they watch, with Vietnamese attributes', () => {
    const tolich = table.sensors.filter((s) => s.attrs.waterbody === 'Sông Tô Lịch');
    expect(tolich.length).toBeGreaterThan(0);
    expect(tolich[0]!.id).toMatch(/^wl-song-to-lich-\d{3}$/);
    const giaiPhong = table.sensors.filter((s) => s.attrs.road === 'Giải Phóng');
    expect(giaiPhong.length).toBeGreaterThan(0);
    expect(giaiPhong[0]!.id).toMatch(/^tf-giai-phong-\d{3}$/);
    expect(table.sensors.find((s) => s.type === 'aq.pm25')!.attrs.ward).toMatch(/^(Phường|Xã|Thị trấn) /);
  });

  it('is the same city for the same seed and another for another seed', () => {
    expect(placeSensors(districts, defaultSensorCounts, 1).sensors).toEqual(table.sensors);
    expect(placeSensors(districts, defaultSensorCounts, 2).sensors).not.toEqual(table.sensors);
  });

  it('scales to 20,000 sensors for map load tests', () => {
    const big = placeSensors(districts, resolveSensorCounts(50.5), 1);
    expect(big.sensors.length).toBeGreaterThan(19_900);
    expect(new Set(big.sensors.map((s) => s.id)).size).toBe(big.sensors.length);
  });
});

describe('resolveSensorCounts', () => {
  it('scales the defaults or takes explicit counts', () => {
    expect(resolveSensorCounts(undefined)).toEqual(defaultSensorCounts);
    expect(resolveSensorCounts(2).traffic).toBe(2 * defaultSensorCounts.traffic);
    expect(resolveSensorCounts({ traffic: 5, rain: 0 })).toEqual({ ...defaultSensorCounts, traffic: 5, rain: 0 });
  });

  it('rejects counts that make no sense', () => {
    expect(() => resolveSensorCounts(0)).toThrow(InvalidArgumentError);
    expect(() => resolveSensorCounts({ rain: -1 })).toThrow(/sensors.rain/);
    expect(() => resolveSensorCounts({ rain: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => resolveSensorCounts({ waterLevel: 0, rain: 0, pm25: 0, traffic: 0 })).toThrow(/at least one/);
  });
});

describe('sensorCountsForTotal', () => {
  it('keeps the default mix and hits the total exactly', () => {
    for (const total of [1, 7, 396, 1_000, 20_000]) {
      const c = sensorCountsForTotal(total);
      expect(c.waterLevel + c.rain + c.pm25 + c.traffic, String(total)).toBe(total);
    }
    expect(sensorCountsForTotal(396)).toEqual(defaultSensorCounts);
    expect(sensorCountsForTotal(20_000).traffic).toBeGreaterThan(sensorCountsForTotal(20_000).rain);
    expect(() => sensorCountsForTotal(0)).toThrow(InvalidArgumentError);
  });
});

describe('helpers', () => {
  it('slugVi strips Vietnamese diacritics', () => {
    expect(slugVi('Sông Tô Lịch')).toBe('song-to-lich');
    expect(slugVi('Đại lộ Thăng Long')).toBe('dai-lo-thang-long');
    expect(slugVi('Pháp Vân - Cầu Giẽ')).toBe('phap-van-cau-gie');
  });

  it('apportion sums to the total, gives each at least one when it can, and follows weights', () => {
    expect(apportion(10, [1, 1, 8])).toEqual([2, 2, 6]);
    expect(apportion(2, [1, 1, 8])).toEqual([0, 0, 2]);
    const parts = apportion(1000, [3, 2, 1, 1]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(parts[0]!).toBeGreaterThan(parts[1]!);
  });

  it('sampleAlong walks a polyline in small steps', () => {
    const pts = sampleAlong([[21, 105.8], [21.01, 105.8]], 0.2);
    expect(pts.length).toBeGreaterThan(5);
    expect(pts[0]).toEqual([21, 105.8]);
    expect(pts.at(-1)).toEqual([21.01, 105.8]);
  });
});
