import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { formatNumber, ident, isIdentifier, literal, quoteIdentifier, quoteString, Sql, sql, toWellFormed } from './sql-escape.ts';

/**
 * Reads a ClickHouse single-quoted literal starting at `pos` the way the
 * server's lexer does (backslash escapes, `\xHH`, doubled quote) and returns
 * the decoded text and where the literal ends. A reference for the properties
 * below; the integration test checks the real server agrees.
 */
function readQuoted(text: string, pos = 0): { value: string; end: number } {
  if (text[pos] !== "'") throw new Error(`no opening quote at ${pos}`);
  let value = '';
  let i = pos + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      const e = text[i + 1];
      if (e === 'x') {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', a: '\x07', v: '\v' };
      value += e !== undefined && e in simple ? simple[e]! : (e ?? '');
      i += 2;
      continue;
    }
    if (ch === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += ch;
    i++;
  }
  throw new Error('unterminated literal');
}

/** Any UTF-16 code unit, so lone surrogates, NUL and controls all occur. */
const codeUnitString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const hostileString = fc.oneof(
  codeUnitString,
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    "'; DROP TABLE events; --",
    "\\'; DROP TABLE events; --",
    'ends with backslash\\',
    '\\',
    "''",
    "'",
    '\0',
    'a\0b',
    '😀',
    '\ud83d',
    '\ude00x',
    'x\ud83d',
    '{x:String}',
    '\u2028\u2029',
    '`ident`',
    '\\x41',
    '\r\n\t\b\f\v\x07\x7f',
    'Hồ Hoàn Kiếm',
  ),
);

const hostileStrings = [
  "'; DROP TABLE events; --",
  'ends with backslash\\',
  '\0',
  '😀',
  '\ud83d',
  '\ude00',
  '\\x41',
  'Hồ Hoàn Kiếm',
];

describe('quoteString', () => {
  it('produces one literal that decodes to the well-formed input', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const q = quoteString(s);
        const read = readQuoted(q);
        expect(read.end).toBe(q.length);
        expect(read.value).toBe(toWellFormed(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('never emits a raw control character or lone surrogate', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const q = quoteString(s);
        expect(q).not.toMatch(/[\u0000-\u001f\u007f]/);
        expect(toWellFormed(q)).toBe(q);
      }),
      { numRuns: 2000 },
    );
  });

  it('stays one literal when followed by more SQL', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (a, b) => {
        const text = `${quoteString(a)}, ${quoteString(b)}`;
        const first = readQuoted(text);
        expect(first.value).toBe(toWellFormed(a));
        expect(readQuoted(text, first.end + 2).value).toBe(toWellFormed(b));
      }),
    );
  });

  it.each(hostileStrings)('escapes %j', (s) => {
    expect(readQuoted(quoteString(s)).value).toBe(toWellFormed(s));
  });

  it('leaves plain text and paired surrogates alone', () => {
    expect(quoteString('Hồ Hoàn Kiếm 😀')).toBe("'Hồ Hoàn Kiếm 😀'");
    expect(quoteString("a'b\\c\0")).toBe("'a\\'b\\\\c\\x00'");
  });
});

describe('toWellFormed', () => {
  it('replaces only lone surrogates', () => {
    expect(toWellFormed('a\ud800b')).toBe('a\ufffdb');
    expect(toWellFormed('\udc00')).toBe('\ufffd');
    expect(toWellFormed('😀')).toBe('😀');
    expect(toWellFormed('\ud83d\ud83d\ude00')).toBe('\ufffd😀');
  });

  it('is what encoding to UTF-8 and back yields', () => {
    fc.assert(
      fc.property(codeUnitString, (s) => {
        expect(toWellFormed(s)).toBe(Buffer.from(s, 'utf8').toString('utf8'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatNumber', () => {
  it('round-trips every finite normal double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        fc.pre(n === 0 || Math.abs(n) >= 2.2250738585072014e-308);
        const text = formatNumber(n);
        expect(text).toMatch(/^(\(-[0-9.e+-]+\)|[0-9.e+-]+)$/);
        expect(Number(text.replace(/[()]/g, ''))).toBe(n === 0 ? 0 : n);
      }),
      { numRuns: 2000 },
    );
  });

  it('parenthesises negatives so `a-${n}` cannot become a comment', () => {
    expect(`a-${formatNumber(-5)}`).toBe('a-(-5)');
    expect(formatNumber(-5n)).toBe('(-5)');
    expect(formatNumber(18446744073709551615n)).toBe('18446744073709551615');
  });

  it.each([NaN, Infinity, -Infinity, 5e-324, -1e-310])('rejects %d', (n) => {
    expect(() => formatNumber(n)).toThrow(InvalidArgumentError);
  });
});

describe('quoteIdentifier', () => {
  it('accepts exactly the strict pattern and backquotes it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/)), (s) => {
        if (/^[A-Za-z_][A-Za-z0-9_]{0,126}$/.test(s)) {
          expect(isIdentifier(s)).toBe(true);
          expect(quoteIdentifier(s)).toBe(`\`${s}\``);
        } else {
          expect(isIdentifier(s)).toBe(false);
          expect(() => quoteIdentifier(s)).toThrow(InvalidArgumentError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['', '1abc', 'a-b', 'a.b', 'a`b', 'a b', 'ioc;', 'é', 'x'.repeat(128)])('rejects %j', (s) => {
    expect(() => quoteIdentifier(s)).toThrow(InvalidArgumentError);
  });

  it('joins qualified names', () => {
    expect(quoteIdentifier('ioc', 'events')).toBe('`ioc`.`events`');
    expect(() => quoteIdentifier()).toThrow(InvalidArgumentError);
  });
});

describe('literal', () => {
  it('writes every kind of value', () => {
    expect(literal(null)).toBe('NULL');
    expect(literal(true)).toBe('1');
    expect(literal(false)).toBe('0');
    expect(literal(['a', -1, null, [2.5]])).toBe("['a', (-1), NULL, [2.5]]");
    expect(literal([])).toBe('[]');
  });

  it('refuses values that are not SqlValues', () => {
    expect(() => literal(undefined as never)).toThrow(InvalidArgumentError);
    expect(() => literal({} as never)).toThrow(InvalidArgumentError);
    expect(() => literal([NaN])).toThrow(InvalidArgumentError);
  });
});

describe('sql', () => {
  it('escapes values and inserts Sql fragments as they are', () => {
    const source = "x'); DROP TABLE events; --";
    const q = sql`SELECT count() FROM ${ident('ioc', 'events')} WHERE source = ${source} AND time > ${-1}`;
    expect(q.text).toBe("SELECT count() FROM `ioc`.`events` WHERE source = 'x\\'); DROP TABLE events; --' AND time > (-1)");
    expect(String(q)).toBe(q.text);
    expect(sql`${sql`a`} ${[1, 'b']}`.text).toBe("a [1, 'b']");
  });

  it('cannot be forged from a string', () => {
    expect(() => new Sql(Symbol('Sql') as never, 'DROP TABLE events')).toThrow(TypeError);
  });
});
