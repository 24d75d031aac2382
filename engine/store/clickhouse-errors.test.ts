import { describe, expect, it } from 'vitest';
import { IocError, UnavailableError } from '../errors/index.ts';
import { ClickHouseQueryError, parseServerError, toStoreError } from './clickhouse-errors.ts';

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

// Messages as ClickHouse 18.16 sends them (captured from the Debian package) and as current servers do.
const old60 = "Code: 60, e.displayText() = DB::Exception: Table ioc.nope doesn't exist., e.what() = DB::Exception\n";
const old241 = 'Code: 241, e.displayText() = DB::Exception: Memory limit (for query) exceeded: would use 9.32 GiB, e.what() = DB::Exception\n';
const new60 = 'Code: 60. DB::Exception: Table ioc.nope does not exist. (UNKNOWN_TABLE) (version 24.3.2.23 (official build))';

describe('parseServerError', () => {
  it('reads the 18.16 form', () => {
    expect(parseServerError(old60)).toEqual({ code: 60, message: "Table ioc.nope doesn't exist." });
  });

  it('reads the current form', () => {
    expect(parseServerError(new60)).toEqual({ code: 60, message: 'Table ioc.nope does not exist. (UNKNOWN_TABLE)' });
  });

  it('returns undefined for text that is not a server error', () => {
    expect(parseServerError('<html>502 Bad Gateway</html>')).toBeUndefined();
  });
});

describe('toStoreError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'])('maps %s to UnavailableError', (code) => {
    const err = toStoreError(systemError(code, `connect ${code} 127.0.0.1:8123`), 'insert into `ioc`.`events`');
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain('insert into `ioc`.`events`');
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('maps the client timeout and a hung-up socket to UnavailableError', () => {
    expect(toStoreError(new Error('Timeout error.'), 'query')).toBeInstanceOf(UnavailableError);
    expect(toStoreError(new Error('socket hang up'), 'query')).toBeInstanceOf(UnavailableError);
    expect(toStoreError(new Error('x', { cause: systemError('ECONNRESET', 'reset') }), 'query')).toBeInstanceOf(UnavailableError);
  });

  it('maps overload codes to UnavailableError', () => {
    const err = toStoreError(new Error(old241), 'insert');
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain('code 241');
  });

  it('maps other server errors to ClickHouseQueryError with the server message', () => {
    const err = toStoreError(new Error(old60), 'insert into `ioc`.`nope`');
    expect(err).toBeInstanceOf(ClickHouseQueryError);
    expect((err as ClickHouseQueryError).serverCode).toBe(60);
    expect(err.message).toBe("ClickHouse insert into `ioc`.`nope` failed (code 60): Table ioc.nope doesn't exist.");
  });

  it('reads errors the client already parsed (current servers)', () => {
    const parsed = Object.assign(new Error('Table ioc.nope does not exist. '), { code: '60', type: 'UNKNOWN_TABLE' });
    const err = toStoreError(parsed, 'query');
    expect((err as ClickHouseQueryError).serverCode).toBe(60);
    const busy = Object.assign(new Error('Too many parts (300).'), { code: '252', type: 'TOO_MANY_PARTS' });
    expect(toStoreError(busy, 'insert')).toBeInstanceOf(UnavailableError);
  });

  it('keeps unknown failures as non-retryable with their text', () => {
    const err = toStoreError(new Error('<html>502 Bad Gateway</html>'), 'query');
    expect(err).toBeInstanceOf(ClickHouseQueryError);
    expect((err as ClickHouseQueryError).serverCode).toBeUndefined();
    expect(toStoreError('thrown string', 'query').message).toContain('thrown string');
  });

  it('passes our own errors through', () => {
    const own = new UnavailableError('already typed');
    expect(toStoreError(own, 'query')).toBe(own);
    expect(toStoreError(new ClickHouseQueryError('m', 1), 'q')).toBeInstanceOf(IocError);
  });
});
