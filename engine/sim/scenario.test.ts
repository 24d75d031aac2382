import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { STORM_TARGET } from './hanoi-places.ts';
import { CORE_KM, cellAt, checkScenarioOptions, defaultScenario, hanoiHour, rainUnder, Scenario, smogShape } from './scenario.ts';

const start = Date.UTC(2026, 6, 15, 3);
const scenario = new Scenario({ seed: 5, start, ...defaultScenario });

describe('Scenario storms', () => {
  it('schedules the first storm after firstStormAfter and then every stormEvery', () => {
    expect(scenario.storm(0).start).toBe(start + 20_000);
    expect(scenario.storm(0).end).toBe(start + 20_000 + 240_000);
    expect(scenario.storm(3).start).toBe(start + 20_000 + 3 * 600_000);
    expect(scenario.stormAt(start + 19_999)).toBeUndefined();
    expect(scenario.stormAt(start + 20_000)?.index).toBe(0);
    expect(scenario.stormAt(start + 260_000)).toBeUndefined();
    expect(scenario.stormAt(start + 620_500)?.index).toBe(1);
  });

  it('sends every storm across the low-lying core with 60-120 mm/h under the cell', () => {
    for (let k = 0; k < 50; k++) {
      const s = scenario.storm(k);
      expect(s.peakMmH).toBeGreaterThanOrEqual(60);
      expect(s.peakMmH).toBeLessThan(120);
      const mid = cellAt(s, (s.start + s.end) / 2);
      // Halfway along its track the cell's core sits over the target.
      expect(rainUnder(mid.lat, mid.lon, mid.peak, STORM_TARGET[0], STORM_TARGET[1])).toBe(s.peakMmH);
    }
  });

  it('is the same weather for the same seed', () => {
    const again = new Scenario({ seed: 5, start, ...defaultScenario });
    expect(again.storm(4)).toEqual(scenario.storm(4));
    expect(again.smog(4)).toEqual(scenario.smog(4));
    expect(new Scenario({ seed: 6, start, ...defaultScenario }).storm(4)).not.toEqual(scenario.storm(4));
  });

  it('has no storm at all when firstStormAfter is Infinity, and one when stormEvery is', () => {
    const none = new Scenario({ seed: 1, start, firstStormAfter: Infinity, stormEvery: 600_000, stormDuration: 60_000 });
    expect(none.stormAt(start + 1e9)).toBeUndefined();
    expect(none.smogAt(start + 1e9)).toBeUndefined();
    const once = new Scenario({ seed: 1, start, firstStormAfter: 0, stormEvery: Infinity, stormDuration: 60_000 });
    expect(once.stormAt(start + 30_000)?.index).toBe(0);
    expect(once.stormAt(start + 1e9)).toBeUndefined();
    expect(once.smog(0).start).toBeGreaterThan(start + 60_000);
  });
});

describe('Scenario smog', () => {
  it('sets in during the dry spell after each storm, over three districts', () => {
    for (let k = 0; k < 6; k++) {
      const smog = scenario.smog(k);
      expect(smog.start).toBeGreaterThan(scenario.storm(k).end);
      expect(smog.end).toBeLessThan(scenario.storm(k + 1).start);
      expect(smog.peaks.size).toBe(3);
      expect(scenario.smogAt((smog.start + smog.end) / 2)?.index).toBe(k);
    }
  });

  it('is hazardous (> 250.5) in one district every third episode and very unhealthy otherwise', () => {
    for (let k = 0; k < 9; k++) {
      const peaks = [...scenario.smog(k).peaks.values()];
      const hazardous = peaks.filter((p) => p > 250.5).length;
      expect(hazardous).toBe(k % 3 === 0 ? 1 : 0);
      for (const p of peaks) expect(p).toBeGreaterThan(150.5 * 1.1);
    }
  });

  it('ramps up, holds and ramps down', () => {
    const smog = scenario.smog(0);
    const at = (f: number) => smogShape(smog, smog.start + f * (smog.end - smog.start));
    expect(at(-0.1)).toBe(0);
    expect(at(0.1)).toBeCloseTo(0.4);
    expect(at(0.5)).toBe(1);
    expect(at(0.9)).toBeCloseTo(0.4);
    expect(at(1)).toBe(0);
  });
});

describe('rainUnder', () => {
  it('is the peak inside the core and fades to nothing outside', () => {
    const [lat, lon] = STORM_TARGET;
    expect(rainUnder(lat, lon, 80, lat, lon)).toBe(80);
    const kmLat = 1 / 111.2;
    expect(rainUnder(lat, lon, 80, lat + (CORE_KM - 0.1) * kmLat, lon)).toBe(80);
    const edge = rainUnder(lat, lon, 80, lat + (CORE_KM + 3) * kmLat, lon);
    expect(edge).toBeGreaterThan(0);
    expect(edge).toBeLessThan(80);
    expect(rainUnder(lat, lon, 80, lat + 40 * kmLat, lon)).toBe(0);
  });
});

describe('checkScenarioOptions', () => {
  it('rejects overlapping storms and nonsense durations', () => {
    expect(() => checkScenarioOptions({ firstStormAfter: 0, stormEvery: 60_000, stormDuration: 60_000 })).toThrow(InvalidArgumentError);
    expect(() => checkScenarioOptions({ firstStormAfter: -1, stormEvery: 600_000, stormDuration: 60_000 })).toThrow(/firstStormAfter/);
    expect(() => checkScenarioOptions({ firstStormAfter: 0, stormEvery: 600_000, stormDuration: 0 })).toThrow(/stormDuration/);
    expect(() => checkScenarioOptions({ firstStormAfter: Number.NaN, stormEvery: 600_000, stormDuration: 1 })).toThrow(/firstStormAfter/);
  });
});

describe('hanoiHour', () => {
  it('is UTC+7', () => {
    expect(hanoiHour(Date.UTC(2026, 0, 1, 0, 30))).toBe(7.5);
    expect(hanoiHour(Date.UTC(2026, 0, 1, 20))).toBe(3);
  });
});
