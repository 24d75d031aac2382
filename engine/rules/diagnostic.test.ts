import { describe, expect, it } from 'vitest';
import { isScalar, parseDocument, type Scalar } from 'yaml';
import { formatDiagnostic, scalarSourceOffset } from './diagnostic.ts';

/** The source text at the offset that value offset `i` of the `v` scalar maps to. */
function mapped(yamlText: string, i: number): string {
  const doc = parseDocument(yamlText);
  const node = doc.get('v', true);
  if (!isScalar(node)) throw new Error('no scalar v');
  const o = scalarSourceOffset(yamlText, node as Scalar, i);
  return yamlText.slice(o, o + 4);
}

describe('scalarSourceOffset', () => {
  it('maps plain, folded, literal and quoted scalars', () => {
    expect(mapped('v: abc def\n', 4)).toBe('def\n');
    expect(mapped('v: abc\n  def ghi\n', 8)).toBe('ghi\n');
    expect(mapped('v: |\n  abc\n    def\n', 6)).toBe('def\n');
    expect(mapped('v: >-\n  abc\n  def\n', 4)).toBe('def\n');
    expect(mapped('v: "a \\"b\\" c"\n', 6)).toBe('c"\n');
    expect(mapped("v: 'it''s x'\n", 5)).toBe("x'\n");
  });

  it('falls back to the scalar start when an escape cannot be aligned', () => {
    expect(mapped('v: "\\u00e9 x"\n', 2)).toBe('"\\u0');
  });
});

describe('formatDiagnostic', () => {
  const d = { file: '/work/main/rules/flood.yaml', line: 4, column: 12, message: 'bad' };
  it('prints file:line:column: message, relative to the cwd when inside it', () => {
    expect(formatDiagnostic(d, '/work/main')).toBe('rules/flood.yaml:4:12: bad');
    expect(formatDiagnostic(d, '/work/other')).toBe('/work/main/rules/flood.yaml:4:12: bad');
    expect(formatDiagnostic({ ...d, file: 'inline.yaml' }, '/work/main')).toBe('inline.yaml:4:12: bad');
  });
});
