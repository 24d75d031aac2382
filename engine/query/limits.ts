// The row and time limit every query runs under, and the one place a
// ClickHouse limit error becomes RESOURCE_EXHAUSTED with what to narrow.
// Must never run a query without both limits.

import { ResourceExhaustedError } from '../errors/index.ts';
import { ClickHouseQueryError, sql, type Sql } from '../store/index.ts';

/** ClickHouse settings sent with a query, by name. */
export type QuerySettings = Record<string, string | number>;

/**
 * What the query methods need from ClickHouse; ClickHouseStore provides it.
 * A runner that can send `settings` with the request (URL settings) should:
 * 18.16 applies `max_result_rows` only from there, not from a SETTINGS clause.
 */
export interface QueryRunner {
  queryRows<T = Record<string, unknown>>(query: Sql, settings?: QuerySettings): Promise<T[]>;
}

export interface QueryLimits {
  /** Rows one query may return. */
  maxRows: number;
  /** Seconds one query may run (ClickHouse 18.16 takes whole seconds only). */
  maxSeconds: number;
}

/** 100k rows is ~70 days of minute points; 8 s stays under the store's 10 s request timeout. */
export const DEFAULT_LIMITS: QueryLimits = { maxRows: 100_000, maxSeconds: 8 };

/** Throws RangeError unless both limits are positive integers (a configuration mistake, caught at start). */
export function checkLimits(limits: QueryLimits): QueryLimits {
  if (!Number.isSafeInteger(limits.maxRows) || limits.maxRows < 1) throw new RangeError(`query maxRows must be a positive integer, got ${limits.maxRows}`);
  if (!Number.isSafeInteger(limits.maxSeconds) || limits.maxSeconds < 1) {
    throw new RangeError(`query maxSeconds must be a positive whole number of seconds (ClickHouse 18.16 takes no fractions), got ${limits.maxSeconds}`);
  }
  return limits;
}

/** The limits as ClickHouse settings. `throw` makes an overflow an error instead of a silently cut answer. */
export function limitSettings(limits: QueryLimits): QuerySettings {
  return {
    max_result_rows: limits.maxRows,
    result_overflow_mode: 'throw',
    max_execution_time: limits.maxSeconds,
    timeout_overflow_mode: 'throw',
  };
}

/**
 * The tail every query ends with: `LIMIT maxRows + 1` (the row limit that
 * works on every server: one row more than allowed tells the limit was
 * passed, without reading the rest), or the caller's smaller `take`, then the
 * limits as a SETTINGS clause (18.16 honours max_execution_time there, current
 * releases all four).
 *
 * @example limitClause({ maxRows: 10, maxSeconds: 2 }).text
 * // "LIMIT 11 SETTINGS max_result_rows = 10, result_overflow_mode = 'throw', max_execution_time = 2, timeout_overflow_mode = 'throw'"
 */
export function limitClause(limits: QueryLimits, take?: number): Sql {
  return sql`LIMIT ${Math.min(take ?? Infinity, limits.maxRows + 1)} SETTINGS max_result_rows = ${limits.maxRows}, result_overflow_mode = 'throw', max_execution_time = ${limits.maxSeconds}, timeout_overflow_mode = 'throw'`;
}

/** ClickHouse error codes (src/Common/ErrorCodes.cpp) that mean "a query limit was passed". */
const TOO_MANY_ROWS = 158;
const TIMEOUT_EXCEEDED = 159;
const TOO_SLOW = 160;
const TOO_MANY_ROWS_OR_BYTES = 396;

/**
 * The server's error code. ClickHouseQueryError carries it; the store's
 * UnavailableError (it counts timeouts as transient) names it as `(code N)`;
 * a runner that throws the client's errors has current servers' code in
 * `code` and 18.16's as `Code: N` in the message.
 */
function serverCode(err: unknown): number | undefined {
  if (err instanceof ClickHouseQueryError) return err.serverCode;
  if (!(err instanceof Error)) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && /^\d+$/.test(own)) return Number(own);
  const m = /\(code (\d+)\)|\bCode:\s*(\d+)/.exec(err.message);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** What a limit error means for the caller; undefined for any other error. */
export function overLimit(err: unknown, what: string, limits: QueryLimits, narrow: string): ResourceExhaustedError | undefined {
  const code = serverCode(err);
  if (code === TIMEOUT_EXCEEDED || code === TOO_SLOW) {
    return new ResourceExhaustedError(`${what} ran past the query time limit (${limits.maxSeconds} s): ${narrow}`, { cause: err });
  }
  if (code === TOO_MANY_ROWS || code === TOO_MANY_ROWS_OR_BYTES) return tooManyRows(what, limits, narrow, err);
  return undefined;
}

function tooManyRows(what: string, limits: QueryLimits, narrow: string, cause?: unknown): ResourceExhaustedError {
  return new ResourceExhaustedError(`${what} would return more than ${limits.maxRows} rows (the query row limit): ${narrow}`, { cause });
}

/**
 * Runs a query under the limits and returns its rows (at most `take`, when
 * given). `query` must not end in LIMIT or SETTINGS (they are added here).
 * Past either limit it throws ResourceExhaustedError saying `what` and how to
 * `narrow` it; other errors pass through.
 *
 * @example await runLimited(store, sql`SELECT zone FROM …`, { limits: DEFAULT_LIMITS, what: 'Top', narrow: 'use a shorter range', take: 10 })
 */
export async function runLimited<T>(runner: QueryRunner, query: Sql, how: { limits: QueryLimits; what: string; narrow: string; take?: number }): Promise<T[]> {
  const { limits, what, narrow } = how;
  let rows: T[];
  try {
    rows = await runner.queryRows<T>(sql`${query}
      ${limitClause(limits, how.take)}`, limitSettings(limits));
  } catch (err) {
    throw overLimit(err, what, limits, narrow) ?? err;
  }
  if (rows.length > limits.maxRows) throw tooManyRows(what, limits, narrow);
  return rows;
}
