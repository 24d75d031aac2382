import { describe, expect, it } from 'vitest';
import { joinKpis, kpiAggregatesSql, kpiLatestSql, kpiWindows } from './zone-kpis.ts';

const T0 = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const squash = (s: { text: string }) => s.text.replace(/\s+/g, ' ');

describe('zone KPIs', () => {
  it('use the minute holding `at` and the 59 (hour) or 1439 (day) before it', () => {
    expect(kpiWindows(T0 + 90 * MIN + 30_000)).toEqual({ hourFrom: T0 + 31 * MIN, dayFrom: T0 + 90 * MIN - 1439 * MIN, end: T0 + 91 * MIN });
  });

  it('read hour and day figures in one pass over the minute rollup, listed zones through the key', () => {
    const text = squash(kpiAggregatesSql('ioc', 'rain', ['hoan-kiem', "o'k"], T0 + 90 * MIN));
    expect(text).toContain("countMergeIf(n, bucket >= toDateTime(1780273860, 'UTC')) AS `cnt_h`");
    expect(text).toContain('countMerge(n) AS `cnt_d`');
    expect(text).toContain("FROM `ioc`.`rollup_zone_1m` WHERE type = 'rain' AND zone IN ('hoan-kiem', 'o\\'k')");
    expect(text).toContain("bucket < toDateTime(1780277460, 'UTC')");
    expect(squash(kpiLatestSql('ioc', 'rain', [], T0))).toMatch(/HAVING cnt_v > 0 ORDER BY zone, ts DESC LIMIT 1 BY zone$/);
  });

  it('join both answers per zone, keeping listed zones without rows', () => {
    const kpis = joinKpis(
      ['tay-ho', 'ba-dinh'],
      [{ zone: 'ba-dinh', cnt_h: '2', cnt_v_h: '2', total_h: 3, lo_h: 1, hi_h: 2, qs_h: [1.5, 1.9, 1.95, 1.99], cnt_d: '2', cnt_v_d: '2', total_d: 3, lo_d: 1, hi_d: 2, qs_d: [1.5, 1.9, 1.95, 1.99] }],
      [{ zone: 'ba-dinh', ts: '1780273800', cnt_v: '1', total: 2 }],
      (zone) => (zone === 'tay-ho' ? 1 : 0),
    );
    expect(kpis.map((k) => [k.zone, k.latest, k.hour.avg, k.day.count, k.openIncidents])).toEqual([
      ['ba-dinh', { at: 1780273800_000, avg: 2, valueCount: 1 }, 1.5, 2, 0],
      ['tay-ho', undefined, null, 0, 1],
    ]);
  });
});
