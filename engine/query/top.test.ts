import { describe, expect, it } from 'vitest';
import { readTopEntry, topSql } from './top.ts';

const squash = (s: { text: string }) => s.text.replace(/\s+/g, ' ');
const range = { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 2) };

describe('topSql', () => {
  it('ranks sources by p95 from the source rollup, leaving out sources without values', () => {
    const text = squash(topSql('ioc', { by: 'source', type: 'rain', metric: 'p95' }, { resolution: 'minute', ...range }));
    expect(text).toContain('SELECT source AS ranked, any(zone) AS in_zone, quantilesMerge(0.5, 0.9, 0.95, 0.99)(q)[3] AS val, countMerge(n) AS cnt');
    expect(text).toContain("FROM `ioc`.`rollup_source_1m` WHERE type = 'rain'");
    expect(text).toContain('GROUP BY source HAVING cnt_v > 0 ORDER BY val DESC, ranked');
  });

  it('ranks zones by count from raw events without a value filter', () => {
    const text = squash(topSql('ioc', { by: 'zone', type: 'rain', metric: 'count' }, { resolution: 'raw', ...range }));
    expect(text).toContain('SELECT zone AS ranked, any(zone) AS in_zone, count() AS val, count() AS cnt, count(value) AS cnt_v FROM `ioc`.`events` FINAL');
    expect(text).not.toContain('HAVING');
  });

  it('computes averages from sums and value counts in rollups, and reads entries', () => {
    expect(topSql('ioc', { by: 'zone', type: 'rain', metric: 'avg' }, { resolution: 'hour', ...range }).text).toContain('sumMerge(sum) / countMerge(nv) AS val');
    expect(readTopEntry({ ranked: 'w1', in_zone: 'ba-dinh', val: 2.5, cnt: '4' })).toEqual({ key: 'w1', zone: 'ba-dinh', value: 2.5, count: 4 });
  });
});
