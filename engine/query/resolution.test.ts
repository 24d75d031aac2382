import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { bucketCount, chooseResolution, planBuckets } from './resolution.ts';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('chooseResolution', () => {
  it('reads raw events up to 2 h, minute rollups up to 3 days, hour rollups beyond', () => {
    expect(chooseResolution(1)).toBe('raw');
    expect(chooseResolution(2 * HOUR)).toBe('raw');
    expect(chooseResolution(2 * HOUR + 1)).toBe('minute');
    expect(chooseResolution(3 * DAY)).toBe('minute');
    expect(chooseResolution(3 * DAY + 1)).toBe('hour');
    expect(chooseResolution(400 * DAY)).toBe('hour');
  });

  it('takes a forced resolution, but refuses raw over more than 2 days', () => {
    expect(chooseResolution(10 * DAY, 'minute')).toBe('minute');
    expect(chooseResolution(MIN, 'hour')).toBe('hour');
    expect(chooseResolution(2 * DAY, 'raw')).toBe('raw');
    expect(() => chooseResolution(2 * DAY + 1, 'raw')).toThrow(InvalidArgumentError);
    expect(() => chooseResolution(3 * DAY, 'raw')).toThrow(/refused for ranges over 2 days \(this one is 3.0 days\): use minute or hour/);
  });
});

describe('planBuckets', () => {
  it('keeps a raw range as asked and any step of 1 s or more', () => {
    expect(planBuckets('raw', 1500, 7_201_500, 1500)).toEqual({ resolution: 'raw', stepMs: 1500, from: 1500, to: 7_201_500 });
  });

  it('widens rollup ranges to whole buckets and rounds steps up to whole buckets', () => {
    expect(planBuckets('minute', 90 * S, HOUR + 90 * S, 90 * S)).toEqual({ resolution: 'minute', stepMs: 2 * MIN, from: MIN, to: HOUR + 2 * MIN });
    expect(planBuckets('minute', 0, DAY, S)).toMatchObject({ stepMs: MIN });
    expect(planBuckets('hour', 30 * MIN, 5 * DAY + 30 * MIN, 90 * MIN)).toEqual({ resolution: 'hour', stepMs: 2 * HOUR, from: 0, to: 5 * DAY + HOUR });
  });

  it('chooses a round step for about 300 points when none is asked', () => {
    expect(planBuckets('raw', 0, HOUR, 0).stepMs).toBe(15 * S);
    expect(planBuckets('raw', 0, 2 * HOUR, 0).stepMs).toBe(30 * S);
    expect(planBuckets('minute', 0, DAY, 0).stepMs).toBe(5 * MIN);
    expect(planBuckets('hour', 0, 7 * DAY, 0).stepMs).toBe(HOUR);
    expect(planBuckets('hour', 0, 90 * DAY, 0).stepMs).toBe(12 * HOUR);
    expect(planBuckets('hour', 0, 400 * DAY, 0).stepMs).toBe(7 * DAY);
    expect(planBuckets('raw', 0, 10 * S, 0).stepMs).toBe(S);
  });

  it('counts the buckets a plan can return, partial ones at both ends included', () => {
    expect(bucketCount({ resolution: 'raw', stepMs: MIN, from: 0, to: HOUR })).toBe(60);
    expect(bucketCount({ resolution: 'raw', stepMs: MIN, from: 30 * S, to: HOUR + 30 * S })).toBe(61);
  });
});
