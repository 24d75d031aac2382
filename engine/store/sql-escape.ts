// The one way a value reaches ClickHouse SQL text. ClickHouse 18.16 has no
// query parameters, so every literal and identifier is escaped here; nothing
// else may splice strings into SQL. Must never emit text that 18.16 rejects
// or reads back as something other than the input.

import { InvalidArgumentError } from '../errors/index.ts';

/** A value that can become a ClickHouse literal. Booleans become 1/0 (18.16 has no Bool). */
export type SqlValue = string | number | bigint | boolean | null | readonly SqlValue[];

const token: unique symbol = Symbol('Sql');

/**
 * SQL text that is safe to send: made only by `sql`, `ident` and `literal`,
 * so a plain string can never be passed where SQL is expected.
 */
export class Sql {
  readonly text: string;
  constructor(guard: typeof token, text: string) {
    if (guard !== token) throw new TypeError('Sql is made with sql``, ident() or literal(), not new');
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,126}$/;
/** Smallest positive normal double: 18.16 cannot parse subnormal literals and turns them into 0 via toFloat64. */
const MIN_NORMAL = 2.2250738585072014e-308;
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f\ud800-\udfff]/;
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** True when `name` may be used as a database, table or column name. */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * Replaces lone UTF-16 surrogates with U+FFFD: what every string the store
 * writes becomes (literals here, RowBinary via UTF-8). A JS string may hold
 * them, UTF-8 cannot, and 18.16 refuses a whole JSONEachRow insert over one
 * ("missing second part of surrogate pair"). Tests use it as the oracle.
 *
 * @example toWellFormed('a\ud800') === 'a\ufffd'
 */
export function toWellFormed(s: string): string {
  return SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s;
}

/**
 * A single-quoted string literal. Backslash and quote are escaped, control
 * characters become `\xHH`, lone surrogates become U+FFFD; all other text,
 * emoji included, passes through as is.
 *
 * @example quoteString("it's") === "'it\\'s'"
 */
export function quoteString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `'${s}'`;
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c < 0x20 || c === 0x7f) out += c < 0x10 ? `\\x0${c.toString(16)}` : `\\x${c.toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\ufffd';
    else out += s[i]!;
  }
  return out + "'";
}

/**
 * A numeric literal. Negative numbers are parenthesised so that `a-${n}` can
 * never turn into a `--` comment. Throws on NaN, infinities and subnormals,
 * which have no literal that 18.16 reads back exactly.
 *
 * @example formatNumber(-1.5) === '(-1.5)'
 */
export function formatNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n < 0n ? `(${n})` : String(n);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${n} cannot be written as a ClickHouse number`);
  if (n !== 0 && Math.abs(n) < MIN_NORMAL) {
    throw new InvalidArgumentError(`${n} is subnormal; ClickHouse 18.16 cannot read it back`);
  }
  return n < 0 ? `(${n})` : String(n);
}

/**
 * A backquoted identifier; several parts are joined with dots.
 * Throws unless each part matches `[A-Za-z_][A-Za-z0-9_]*` (at most 127 characters).
 *
 * @example quoteIdentifier('ioc', 'events') === '`ioc`.`events`'
 */
export function quoteIdentifier(...parts: readonly string[]): string {
  if (parts.length === 0) throw new InvalidArgumentError('an identifier needs at least one part');
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!IDENTIFIER.test(p)) {
      throw new InvalidArgumentError(`"${p.slice(0, 64)}" is not a valid identifier (letters, digits, _; not starting with a digit)`);
    }
    out += i === 0 ? `\`${p}\`` : `.\`${p}\``;
  }
  return out;
}

/**
 * Any SqlValue as a literal: strings quoted, numbers checked, booleans as 1/0,
 * null as NULL, arrays as `[a, b]` (recursively).
 *
 * @example literal(['a', 1, null]) === "['a', 1, NULL]"
 */
export function literal(v: SqlValue): string {
  switch (typeof v) {
    case 'string':
      return quoteString(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? '1' : '0';
    default:
      if (v === null) return 'NULL';
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ', ') + literal(v[i] as SqlValue);
        return out + ']';
      }
      throw new InvalidArgumentError(`cannot write a ${typeof v} as a ClickHouse literal`);
  }
}

/** An identifier as SQL, for interpolation into `sql`. */
export function ident(...parts: readonly string[]): Sql {
  return new Sql(token, quoteIdentifier(...parts));
}

/**
 * Builds SQL from a template: each interpolated value becomes a literal, each
 * interpolated `Sql` (from `ident` or another `sql`) is inserted as is.
 *
 * @example sql`SELECT count() FROM ${ident('ioc', 'events')} WHERE source = ${source}`
 */
export function sql(strings: TemplateStringsArray, ...values: readonly (SqlValue | Sql)[]): Sql {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out += (v instanceof Sql ? v.text : literal(v)) + strings[i + 1]!;
  }
  return new Sql(token, out);
}
