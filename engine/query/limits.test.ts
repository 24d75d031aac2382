import { describe, expect, it } from 'vitest';
import { ResourceExhaustedError, UnavailableError } from '../errors/index.ts';
import { ClickHouseQueryError, sql, type Sql } from '../store/index.ts';
import { checkLimits, limitClause, overLimit, runLimited, type QueryRunner, type QuerySettings } from './limits.ts';

const limits = { maxRows: 3, maxSeconds: 2 };
const how = { limits, what: 'the series', narrow: 'use a larger step' };

/** Answers every query with `rows` and remembers what it was sent. */
class FixedRunner implements QueryRunner {
  readonly sent: { text: string; settings: QuerySettings | undefined }[] = [];
  constructor(private readonly answer: () => unknown[]) {}
  async queryRows<T>(query: Sql, settings?: QuerySettings): Promise<T[]> {
    this.sent.push({ text: query.text, settings });
    return this.answer() as T[];
  }
}

describe('query limits', () => {
  it('end every query with LIMIT one past the row limit and the limits as SETTINGS', () => {
    expect(limitClause(limits).text).toBe(
      "LIMIT 4 SETTINGS max_result_rows = 3, result_overflow_mode = 'throw', max_execution_time = 2, timeout_overflow_mode = 'throw'",
    );
    expect(limitClause(limits, 2).text).toMatch(/^LIMIT 2 SETTINGS/);
  });

  it('also go to the runner as settings (URL settings, which 18.16 applies to the result)', async () => {
    const runner = new FixedRunner(() => []);
    await runLimited(runner, sql`SELECT 1`, how);
    expect(runner.sent[0]!.settings).toEqual({ max_result_rows: 3, result_overflow_mode: 'throw', max_execution_time: 2, timeout_overflow_mode: 'throw' });
    expect(runner.sent[0]!.text).toMatch(/^SELECT 1\s+LIMIT 4 SETTINGS/);
  });

  it('turn an answer past the row limit into RESOURCE_EXHAUSTED that says what to narrow', async () => {
    const runner = new FixedRunner(() => [{}, {}, {}, {}]);
    await expect(runLimited(runner, sql`SELECT 1`, how)).rejects.toThrow(
      new ResourceExhaustedError('the series would return more than 3 rows (the query row limit): use a larger step'),
    );
    await expect(runLimited(new FixedRunner(() => [{}, {}, {}]), sql`SELECT 1`, how)).resolves.toHaveLength(3);
  });

  it("recognise the server's limit errors in every form the store or the client throws", () => {
    const timeout = new UnavailableError('ClickHouse busy during query (code 159): Timeout exceeded: elapsed 2.0001 seconds, maximum: 2');
    expect(overLimit(timeout, 'the series', limits, 'narrow it')?.message).toBe('the series ran past the query time limit (2 s): narrow it');
    expect(overLimit(new ClickHouseQueryError('Limit for result exceeded', 396), 'x', limits, 'y')).toBeInstanceOf(ResourceExhaustedError);
    expect(overLimit(new ClickHouseQueryError('too many rows', 158), 'x', limits, 'y')).toBeInstanceOf(ResourceExhaustedError);
    expect(overLimit(new Error('Code: 396, e.displayText() = DB::Exception: Limit for result exceeded'), 'x', limits, 'y')).toBeInstanceOf(ResourceExhaustedError);
    expect(overLimit(Object.assign(new Error('Timeout exceeded'), { code: '159' }), 'x', limits, 'y')).toBeInstanceOf(ResourceExhaustedError);
  });

  it('let every other error through unchanged', async () => {
    expect(overLimit(new ClickHouseQueryError('unknown table', 60), 'x', limits, 'y')).toBeUndefined();
    expect(overLimit(new UnavailableError('ClickHouse unreachable during query: connect ECONNREFUSED'), 'x', limits, 'y')).toBeUndefined();
    const down = new UnavailableError('ClickHouse unreachable');
    const failing: QueryRunner = { queryRows: () => Promise.reject(down) };
    await expect(runLimited(failing, sql`SELECT 1`, how)).rejects.toBe(down);
  });

  it('must be positive whole numbers', () => {
    expect(() => checkLimits({ maxRows: 0, maxSeconds: 1 })).toThrow(RangeError);
    expect(() => checkLimits({ maxRows: 1, maxSeconds: 0.5 })).toThrow(/no fractions/);
    expect(checkLimits(limits)).toBe(limits);
  });
});
