import { describe, expect, it } from 'vitest';
import { planBuckets } from './resolution.ts';
import { readSeriesPoint, seriesSql } from './series.ts';

const T0 = Date.UTC(2026, 5, 1);
const squash = (s: { text: string }) => s.text.replace(/\s+/g, ' ');

describe('seriesSql', () => {
  it('reads raw events with FINAL, only the days of the range, in step buckets', () => {
    const text = squash(seriesSql('ioc', { kind: 'zone', zone: 'hoan-kiem', type: 'rain' }, planBuckets('raw', T0 - 1000, T0 + 3600_000, 60_000)));
    expect(text).toContain('SELECT intDiv(time, 60000) * 60000 AS t, count() AS `cnt`, count(value) AS `cnt_v`');
    expect(text).toContain('FROM `ioc`.`events` FINAL');
    expect(text).toContain(
      "WHERE type = 'rain' AND zone = 'hoan-kiem' AND day >= toDate('2026-05-31') AND day <= toDate('2026-06-01') AND time >= 1780271999000 AND time < 1780275600000",
    );
    expect(text).toMatch(/GROUP BY t ORDER BY t$/);
  });

  it('reads the rollup of the target and resolution, merging states into whole-bucket steps', () => {
    const plan = planBuckets('minute', T0, T0 + 86_400_000, 0);
    const text = squash(seriesSql('ioc', { kind: 'type', type: 'water_level' }, plan));
    expect(text).toContain('SELECT intDiv(toUInt32(bucket), 300) * 300000 AS t, countMerge(n) AS `cnt`');
    expect(text).toContain('quantilesMerge(0.5, 0.9, 0.95, 0.99)(q) AS `qs`');
    expect(text).toContain('FROM `ioc`.`rollup_zone_1m`');
    expect(text).toContain("bucket >= toDateTime(1780272000, 'UTC') AND bucket < toDateTime(1780358400, 'UTC')");
  });

  it("narrows a source's read to its own (type, zone) keys, looked up in the hour rollup or in events", () => {
    const text = squash(seriesSql('city', { kind: 'source', source: 'w1' }, planBuckets('minute', T0, T0 + 86_400_000, 0)));
    expect(text).toContain(
      "FROM `city`.`rollup_source_1m` WHERE (type, zone) IN (SELECT type, zone FROM `city`.`rollup_source_1h` WHERE source = 'w1' AND day >= toDate('2026-06-01') AND day <= toDate('2026-06-01') GROUP BY type, zone) AND source = 'w1' AND",
    );
    // Raw reads look up in events (rollups may lack days stored before they existed), over the same range.
    const raw = squash(seriesSql('city', { kind: 'source', source: 'w1' }, planBuckets('raw', T0, T0 + 1000, 1000)));
    expect(raw).toContain("WHERE (type, zone) IN (SELECT type, zone FROM `city`.`events` WHERE source = 'w1' AND day >= toDate('2026-06-01') AND day <= toDate('2026-06-01') AND time >= 1780272000000 AND time < 1780272001000 GROUP BY type, zone) AND source = 'w1'");
    expect(raw).not.toContain('rollup');
  });

  it('escapes every name as a literal', () => {
    const text = seriesSql('ioc', { kind: 'source', source: "w1' OR 1=1 --\\", type: 'a\nb' }, planBuckets('raw', T0, T0 + 1000, 1000)).text;
    expect(text).toContain("type = 'a\\x0ab' AND source = 'w1\\' OR 1=1 --\\\\'");
  });
});

describe('readSeriesPoint', () => {
  it('reads UInt64 counts given as strings and leaves value figures empty without values', () => {
    expect(readSeriesPoint({ t: '1000', cnt: '3', cnt_v: '2', total: 5, lo: 1, hi: 4, qs: [2.5, 3.7, 3.85, 3.97] })).toEqual({
      t: 1000, count: 3, valueCount: 2, sum: 5, avg: 2.5, min: 1, max: 4, p50: 2.5, p90: 3.7, p95: 3.85, p99: 3.97,
    });
    // Rollup states with no values merge to 0 and nan (null in JSON): neither is a reading.
    expect(readSeriesPoint({ t: '0', cnt: '2', cnt_v: '0', total: 0, lo: 0, hi: 0, qs: [null, null, null, null] })).toMatchObject({
      count: 2, valueCount: 0, sum: null, avg: null, min: null, max: null, p50: null,
    });
  });
});
