import { describe, expect, it } from 'vitest';
import { cityKpis } from './city-kpis.ts';

const NOW = Date.UTC(2026, 5, 1, 8);
const MIN = 60_000;

describe('cityKpis', () => {
  it('counts incidents not resolved by severity and ranks districts by how many name them, then by the worst', () => {
    const k = cityKpis([
      { severity: 'critical', state: 'open', zones: ['hoang-mai'] },
      { severity: 'major', state: 'acknowledged', zones: ['dong-da', 'hoang-mai'] },
      { severity: 'minor', state: 'open', zones: ['dong-da', 'dong-da'] },
      { severity: 'major', state: 'open', zones: ['ba-dinh'] },
      { severity: 'info', state: 'open', zones: ['cau-giay'] },
      { severity: 'critical', state: 'resolved', zones: ['ba-dinh', 'cau-giay'] },
    ], [], NOW, 3);
    expect(k.open).toBe(5);
    expect(k.bySeverity).toEqual({ info: 1, minor: 1, major: 2, critical: 1 });
    expect(k.topZones).toEqual([
      { zone: 'hoang-mai', count: 2, worst: 'critical' },
      { zone: 'dong-da', count: 2, worst: 'major' },
      { zone: 'ba-dinh', count: 1, worst: 'major' },
    ]);
  });

  it('tells reporting sensors from stale ones by their type\'s report interval, at the instant shown', () => {
    const sensors = [
      { type: 'traffic.speed', time: NOW - 2 * MIN }, // every minute: stale after 3
      { type: 'traffic.speed', time: NOW - 3 * MIN },
      { type: 'water.level', time: NOW - 14 * MIN }, // every 5 minutes: stale after 15
      { type: 'unknown.kind', time: NOW - 16 * MIN },
    ];
    expect(cityKpis([], sensors, NOW).sensors).toEqual({ reporting: 2, stale: 2 });
    // Twenty minutes later, with nothing new heard, every one of them is stale.
    expect(cityKpis([], sensors, NOW + 20 * MIN).sensors).toEqual({ reporting: 0, stale: 4 });
  });
});
