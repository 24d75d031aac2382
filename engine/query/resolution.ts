// Which data a ranged query reads (raw events, minute or hour rollups) and the
// buckets it returns, from the range alone, so a request never scans more rows
// than its answer needs. Pure; must never pick raw events for a long range
// unless the caller forces it, and never over more than 2 days even then.

import { InvalidArgumentError } from '../errors/index.ts';

export type Resolution = 'raw' | 'minute' | 'hour';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Longest range AUTO reads from raw events. */
export const RAW_MAX_RANGE_MS = 2 * HOUR;
/** Longest range AUTO reads from minute rollups; longer ones read hour rollups. */
export const MINUTE_MAX_RANGE_MS = 3 * DAY;
/** Longest range a caller may force to raw events. */
export const FORCED_RAW_MAX_RANGE_MS = 2 * DAY;
/** Smallest bucket of any series. */
export const MIN_STEP_MS = SECOND;
/** AUTO steps aim at about this many buckets: enough for a chart a screen wide. */
export const AUTO_POINTS = 300;

/** Bucket width of each resolution's stored rows (raw: any). */
export const BUCKET_MS: Record<Resolution, number> = { raw: 1, minute: MINUTE, hour: HOUR };

/** Steps AUTO chooses from: round numbers on a time axis. */
const NICE_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY,
];

/**
 * The resolution for a range: the caller's if forced, else raw up to 2 h,
 * minute rollups up to 3 days, hour rollups beyond.
 * Throws InvalidArgumentError when raw is forced over more than 2 days.
 *
 * @example chooseResolution(24 * 3600_000) === 'minute'
 */
export function chooseResolution(rangeMs: number, forced?: Resolution): Resolution {
  if (forced === 'raw' && rangeMs > FORCED_RAW_MAX_RANGE_MS) {
    throw new InvalidArgumentError(
      `raw resolution is refused for ranges over 2 days (this one is ${(rangeMs / DAY).toFixed(1)} days): use minute or hour resolution, or a shorter range`,
    );
  }
  if (forced !== undefined) return forced;
  if (rangeMs <= RAW_MAX_RANGE_MS) return 'raw';
  if (rangeMs <= MINUTE_MAX_RANGE_MS) return 'minute';
  return 'hour';
}

/** What a ranged query reads: the resolution, its bucket width and the range widened to whole buckets. */
export interface BucketPlan {
  resolution: Resolution;
  stepMs: number;
  /** Epoch ms, inclusive; a multiple of the resolution's bucket. */
  from: number;
  /** Epoch ms, exclusive; a multiple of the resolution's bucket. */
  to: number;
}

/**
 * The buckets of a series: `stepMs` 0 picks a round step for about 300
 * points; any step is rounded up to whole buckets of the resolution (minutes,
 * hours), and the range is widened to whole buckets (rollups hold nothing finer).
 * Buckets start at multiples of the step since the epoch (UTC).
 *
 * @example planBuckets('minute', 90_000, 3_690_000, 0) // { resolution: 'minute', stepMs: 60_000, from: 60_000, to: 3_720_000 }
 */
export function planBuckets(resolution: Resolution, from: number, to: number, stepMs: number): BucketPlan {
  const bucket = BUCKET_MS[resolution];
  const alignedFrom = Math.floor(from / bucket) * bucket;
  const alignedTo = Math.ceil(to / bucket) * bucket;
  const wanted = stepMs > 0 ? stepMs : autoStep(alignedTo - alignedFrom);
  return { resolution, stepMs: Math.max(bucket, Math.ceil(wanted / bucket) * bucket), from: alignedFrom, to: alignedTo };
}

function autoStep(rangeMs: number): number {
  const ideal = rangeMs / AUTO_POINTS;
  return NICE_STEPS.find((s) => s >= ideal) ?? NICE_STEPS[NICE_STEPS.length - 1]!;
}

/** Buckets a plan can return at most (the series' row count when every bucket has events). */
export function bucketCount(plan: BucketPlan): number {
  return Math.ceil(plan.to / plan.stepMs) - Math.floor(plan.from / plan.stepMs);
}
