// Problems found in rule and rule test files, each pinned to file:line:column
// so an editor or CI log can jump to it. Only data and formatting: nothing here
// reads files or decides what is wrong.

import { isAbsolute, relative, sep } from 'node:path';
import type { LineCounter, Scalar } from 'yaml';

/** One problem in a rules source. `line` and `column` are 1-based. */
export interface RuleDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * `file:line:column: message`, the file relative to `cwd` when it lies inside it.
 *
 * @example
 * formatDiagnostic({ file: '/work/main/rules/flood.yaml', line: 4, column: 12, message: 'severity must be ...' }, '/work/main')
 * // → 'rules/flood.yaml:4:12: severity must be ...'
 */
export function formatDiagnostic(d: RuleDiagnostic, cwd: string = process.cwd()): string {
  return `${formatPlace(d, cwd)}: ${d.message}`;
}

/** `file:line:column`, the file relative to `cwd` when it lies inside it. */
export function formatPlace(p: { file: string; line: number; column: number }, cwd: string = process.cwd()): string {
  let file = p.file;
  if (isAbsolute(file)) {
    const rel = relative(cwd, file);
    if (rel !== '' && rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel)) file = rel;
  }
  return `${file}:${p.line}:${p.column}`;
}

/** A source text and its line index, turning offsets into diagnostics. */
export class SourceText {
  constructor(
    readonly file: string,
    readonly text: string,
    private readonly lines: LineCounter,
  ) {}

  /** `{ file, line, column }` of an offset. */
  place(offset: number): { file: string; line: number; column: number } {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line, column: col };
  }

  diagnostic(offset: number, message: string): RuleDiagnostic {
    return { ...this.place(offset), message };
  }
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Maps an offset in a scalar's parsed value to an offset in the source text.
 * YAML folds lines, strips indentation and unescapes quotes, so the value's
 * characters appear in the source in order with only whitespace, quotes and
 * backslashes in between; walk both side by side. When they cannot be
 * aligned (an escape like `\u00e9`), fall back to the scalar's start.
 */
export function scalarSourceOffset(text: string, node: Scalar, valueOffset: number): number {
  const range = node.range;
  if (!range) return 0;
  const [start, end] = range;
  const value = String(node.value);
  let i = start;
  if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') i = start + 1;
  else if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', start);
    if (nl < 0 || nl >= end) return start;
    i = nl + 1;
  }
  const target = Math.min(valueOffset, value.length);
  for (let v = 0; v <= target; v++) {
    const c = value[v];
    if (v === target) {
      // Land on the character itself, not on the indentation before it.
      if (c !== undefined && !isSpace(c)) i = seek(text, i, end, c);
      return i < 0 ? start : i;
    }
    if (isSpace(c)) {
      if (isSpace(text[i])) i++;
      else if (text[i] === '\\') i += 2;
      else return start;
    } else {
      i = seek(text, i, end, c!);
      if (i < 0) return start;
      i++;
    }
  }
  return start;
}

/** The offset of `c` at or after `i`, skipping only what YAML removes (whitespace, quotes, backslashes); -1 if something else is in the way. */
function seek(text: string, i: number, end: number, c: string): number {
  while (i < end && text[i] !== c) {
    const s = text[i];
    if (!isSpace(s) && s !== '\\' && s !== '"' && s !== "'") return -1;
    i++;
  }
  return i < end ? i : -1;
}
