import { describe, expect, it } from 'vitest';
import { evidenceCharts, markGeometry } from './evidence-model.ts';
import { alertRecord, incident } from './test-fixtures.ts';
import type { EvidenceView, IncidentDetailView } from './types.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 5, 1, 8);

const evidence = (part: Partial<EvidenceView> & { eventId: string }): EvidenceView => ({
  eventType: 'water.level', eventTime: T0, source: 'wl-1', zone: 'hoang-mai', fingerprint: 'f1', rule: 'flood.water-level-critical', ...part,
});

describe('evidenceCharts', () => {
  it('charts each source once, worst first, from ten minutes before its first alert to now while open, with every alert moment marked', () => {
    const d: IncidentDetailView = {
      incident: incident({ id: 'i1', alerts: ['f1', 'f2', 'f3'] }),
      alerts: [
        alertRecord({ fingerprint: 'f1', source: 'wl-1', zone: 'hoang-mai', severity: 'major', startsAt: T0, eventTime: T0, value: 1.6 }),
        // Started at +5 min; its record now carries a later event (+9 min, 2.5 m).
        alertRecord({ fingerprint: 'f2', source: 'wl-1', zone: 'hoang-mai', severity: 'critical', startsAt: T0 + 5 * MIN, eventTime: T0 + 9 * MIN, value: 2.5 }),
        alertRecord({ fingerprint: 'f3', source: 'rain-7', eventType: 'weather.rain', zone: 'hoang-mai', severity: 'minor', startsAt: T0 - 20 * MIN, eventTime: T0 - 20 * MIN }),
      ],
      // The event that fired f2: its value is drawn at its moment, not the record's later one.
      evidence: [evidence({ eventId: 'e2', fingerprint: 'f2', eventTime: T0 + 5 * MIN, value: 2.3 })],
    };
    const { charts, omitted } = evidenceCharts(d);
    expect(omitted).toBe(0);
    expect(charts.map((c) => c.target)).toEqual([
      { kind: 'sensor', source: 'wl-1', type: 'water.level', zone: 'hoang-mai' },
      { kind: 'sensor', source: 'rain-7', type: 'weather.rain', zone: 'hoang-mai' },
    ]);
    const gauge = charts[0]!;
    expect(gauge.from).toBe(T0 - 10 * MIN);
    expect(gauge.to).toBeUndefined();
    expect(gauge.marks.map((m) => [m.t - T0, m.value, m.severity])).toEqual([
      [0, 1.6, 'major'], [5 * MIN, 2.3, 'critical'], [9 * MIN, 2.5, 'critical'],
    ]);
    // A live update that changes nothing charted keeps the key (the chart does not reload); new evidence changes it.
    expect(evidenceCharts({ ...d }).charts[0]!.key).toBe(gauge.key);
    const more = { ...d, evidence: [...d.evidence, evidence({ eventId: 'e4', fingerprint: 'f2', eventTime: T0 + 12 * MIN, value: 2.7 })] };
    expect(evidenceCharts(more).charts[0]!.marks).toHaveLength(4);
    expect(evidenceCharts(more).charts[0]!.key).not.toBe(gauge.key);
  });

  it('ends a resolved incident\'s range a little after it was resolved; a source-less alert charts its district; extra sources are counted', () => {
    const d: IncidentDetailView = {
      incident: incident({ id: 'i2', state: 'resolved', resolvedAt: T0 + 200 * MIN }),
      alerts: [
        alertRecord({ fingerprint: 'z', source: '', zone: 'dong-da', eventType: 'traffic.speed', startsAt: T0, eventTime: T0 }),
        alertRecord({ fingerprint: 'a', source: 's-a', startsAt: T0, eventTime: T0, severity: 'minor' }),
        alertRecord({ fingerprint: 'b', source: 's-b', startsAt: T0, eventTime: T0, severity: 'minor' }),
        alertRecord({ fingerprint: 'c', source: 's-c', startsAt: T0, eventTime: T0, severity: 'minor' }),
      ],
      evidence: [],
    };
    const { charts, omitted } = evidenceCharts(d);
    expect(charts[0]!.target).toEqual({ kind: 'zone', zone: 'dong-da', type: 'traffic.speed' });
    expect(charts[0]!.from).toBe(T0 - 20 * MIN);
    expect(charts[0]!.to).toBe(T0 + 220 * MIN);
    expect(charts).toHaveLength(3);
    expect(omitted).toBe(1);
  });
});

describe('markGeometry', () => {
  it('places marks in the chart box, leaves out those outside the range, and gives no y to a mark without a value', () => {
    const marks = [
      { t: 0, value: 0, severity: 'major' as const, fingerprint: 'a' },
      { t: 50, value: 10, severity: 'critical' as const, fingerprint: 'a' },
      { t: 75, severity: 'critical' as const, fingerprint: 'b' },
      { t: 100, value: 5, severity: 'critical' as const, fingerprint: 'a' },
    ];
    expect(markGeometry(marks, 0, 100, 200, 100, 0, 10).map(({ x, y }) => [x, y])).toEqual([[0, 100], [100, 0], [150, undefined]]);
  });
});
