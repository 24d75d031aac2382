import { describe, expect, it } from 'vitest';
import type { AlertView } from '../state/index.ts';
import { alertsOf, chartGeometry, thresholdsOf, type DrillTarget } from './drill-model.ts';

const alert = (fingerprint: string, extra: Partial<AlertView>): AlertView => ({
  fingerprint, rule: 'flood.level', state: 'firing', severity: 'major', title: { vi: 'Ngập', en: 'Flood' },
  message: { vi: '', en: '' }, zone: 'hoan-kiem', source: 'wl-1', startsAt: 1000, ...extra,
});
const sensor: DrillTarget = { kind: 'sensor', source: 'wl-1', type: 'water_level', zone: 'hoan-kiem' };

describe('drill-down model', () => {
  it("draws one threshold per value the target's alerts fired at, worst first", () => {
    const alerts = [
      alert('a', { value: 80, severity: 'major' }),
      alert('b', { value: 80, severity: 'critical' }),
      alert('c', { value: 60, severity: 'minor' }),
      alert('d', { value: 99, source: 'wl-2' }),
      alert('e', {}),
    ];
    expect(thresholdsOf(alerts, sensor)).toEqual([{ value: 80, severity: 'critical' }, { value: 60, severity: 'minor' }]);
    expect(thresholdsOf(alerts, { kind: 'zone', zone: 'hoan-kiem', type: 'water_level' }).map((t) => t.value)).toEqual([80, 99, 60]);
  });

  it("lists the target's alerts newest first", () => {
    const alerts = [alert('a', { startsAt: 1 }), alert('b', { startsAt: 3 }), alert('c', { startsAt: 2, source: 'x' })];
    expect(alertsOf(alerts, sensor).map((a) => a.fingerprint)).toEqual(['b', 'a']);
  });

  it('scales points and thresholds into the box, thresholds inside the value axis', () => {
    const g = chartGeometry([{ t: 0, avg: 10, min: 0, max: 20 }, { t: 50, avg: 15, min: 10, max: 20 }], [{ value: 40, severity: 'critical' }], 0, 100, 200, 100);
    expect(g.yMin).toBe(-2);
    expect(g.yMax).toBe(42);
    expect(g.line).toBe('M0 72.7 L100 61.4');
    expect(g.band.startsWith('M0 50 L100 50 L100 72.7 L0 95.5')).toBe(true);
    expect(g.thresholds[0]!.y).toBeCloseTo(4.5, 1);
    expect(chartGeometry([], [], 0, 1, 10, 10)).toMatchObject({ line: '', band: '' });
  });
});
