// Reference tables: data that rules read through `ref(...)` in CEL (sensor
// registry with site, river and installed height; thresholds by zone, season
// or hour) and the registries that absence rules expect keys from. Loaded
// from `rules/reference/` and `rules/registry/` with the rules, and replaced
// with them on reload. Parsing only: a table never runs an expression.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { RuleDiagnostic } from './diagnostic.ts';
import { keysOf, nodeAt, parseYaml, startOf } from './yaml-source.ts';

/** The wildcard in a key column: the row applies to any value. */
export const ANY = '*';

const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ColumnType = 'double' | 'string';

/** One row: column name to a number or a string; a column left empty is absent. */
export type TableRow = Readonly<Record<string, number | string>>;

/** A loaded table, keyed by one or more columns. */
export interface RefTable {
  readonly name: string;
  readonly file: string;
  /** Key columns, in the order `ref(name, k1, k2, ...)` takes them. */
  readonly key: readonly string[];
  /** Every column and its type (numbers everywhere in a column make it `double`). */
  readonly columns: ReadonlyMap<string, ColumnType>;
  readonly rows: readonly TableRow[];
  /**
   * The most specific row for the key values: an exact match, else rows with
   * `*` in key columns (a wildcard on a later column beats one on an earlier
   * column), else undefined.
   */
  lookup(values: readonly string[]): TableRow | undefined;
}

class Table implements RefTable {
  private readonly index = new Map<string, TableRow>();
  /** Masks of key columns replaced by `*`, most specific first. */
  private readonly fallbacks: number[];

  constructor(
    readonly name: string,
    readonly file: string,
    readonly key: readonly string[],
    readonly columns: ReadonlyMap<string, ColumnType>,
    readonly rows: readonly TableRow[],
  ) {
    for (const row of rows) this.index.set(key.map((k) => String(row[k] ?? '')).join('\u0000'), row);
    const n = key.length;
    this.fallbacks = Array.from({ length: 1 << n }, (_, m) => m).sort((a, b) => popcount(a) - popcount(b) || lowest(b) - lowest(a));
  }

  lookup(values: readonly string[]): TableRow | undefined {
    for (const mask of this.fallbacks) {
      let k = '';
      for (let i = 0; i < values.length; i++) k += (i > 0 ? '\u0000' : '') + (mask & (1 << (values.length - 1 - i)) ? ANY : values[i]);
      const row = this.index.get(k);
      if (row !== undefined) return row;
    }
    return undefined;
  }
}

function popcount(m: number): number {
  let c = 0;
  for (; m; m &= m - 1) c++;
  return c;
}

/** Position of the lowest set bit (wildcards on the last columns come first among equals). */
function lowest(m: number): number {
  return m === 0 ? 32 : 31 - Math.clz32(m & -m);
}

export interface TablesResult {
  tables: Map<string, RefTable>;
  diagnostics: RuleDiagnostic[];
}

/** The folders of a rules directory that hold tables, and the default key column of each. */
export const TABLE_DIRS = [
  { dir: 'reference', defaultKey: undefined },
  { dir: 'registry', defaultKey: 'id' },
] as const;

/**
 * Reads every `*.yaml`/`*.yml`/`*.csv` table of `rules/reference/` and
 * `rules/registry/`. Missing folders are fine; a broken table is a diagnostic
 * and is left out, and table names are unique across both folders.
 *
 * @example
 * const { tables } = await loadTables('rules');
 * tables.get('aq-thresholds')?.lookup(['hoan-kiem', 'dry'])?.pm25_major // → 150.5
 */
export async function loadTables(rulesDir: string): Promise<TablesResult> {
  const tables = new Map<string, RefTable>();
  const diagnostics: RuleDiagnostic[] = [];
  for (const { dir, defaultKey } of TABLE_DIRS) {
    const root = join(rulesDir, dir);
    let names: string[];
    try {
      names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isFile() && /\.(ya?ml|csv)$/.test(d.name)).map((d) => d.name).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = join(root, name);
      const text = await readFile(file, 'utf8');
      const r = name.endsWith('.csv') ? parseCsvTable(text, file, defaultKey) : parseYamlTable(text, file, defaultKey);
      diagnostics.push(...r.diagnostics);
      if (r.table === undefined) continue;
      const before = tables.get(r.table.name);
      if (before !== undefined) {
        diagnostics.push({ file, line: 1, column: 1, message: `table \`${r.table.name}\` is already defined in ${before.file}` });
        continue;
      }
      tables.set(r.table.name, r.table);
    }
  }
  return { tables, diagnostics };
}

type TableResult = { table?: RefTable; diagnostics: RuleDiagnostic[] };

/**
 * A YAML table: `table` (name, default: the file name), `description`, `key`
 * (column or list of columns), `rows` (list of maps).
 *
 * @example
 * parseYamlTable('table: t\nkey: zone\nrows:\n  - { zone: hoan-kiem, pm25_major: 150.5 }\n', 't.yaml')
 */
export function parseYamlTable(text: string, file: string, defaultKey?: string): TableResult {
  const parsed = parseYaml(text, file);
  if (parsed.doc === undefined) return { diagnostics: parsed.diagnostics };
  const { doc, src } = parsed;
  const root = doc.contents;
  const diagnostics: RuleDiagnostic[] = [];
  if (!isMap(root)) return { diagnostics: [src.diagnostic(0, 'a table file is a map with `key` and `rows`')] };
  for (const k of keysOf(root)) {
    if (!['table', 'description', 'key', 'rows'].includes(k.key)) diagnostics.push(src.diagnostic(startOf(k.node), `unknown key \`${k.key}\`; a table has table, description, key, rows`));
  }
  let raw: Record<string, unknown>;
  try {
    raw = root.toJS(doc, { maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (err) {
    return { diagnostics: [...diagnostics, src.diagnostic(startOf(root), `YAML: ${(err as Error).message}`)] };
  }
  const name = typeof raw.table === 'string' ? raw.table : stem(file);
  if (!NAME_PATTERN.test(name)) diagnostics.push(src.diagnostic(startOf(nodeAt(root, ['table']) ?? root), `table name must be lower-case letters, digits, \`-\` and \`_\`, got ${JSON.stringify(name)}`));
  const keyRaw = raw.key ?? defaultKey;
  const key = typeof keyRaw === 'string' ? [keyRaw] : Array.isArray(keyRaw) && keyRaw.length > 0 && keyRaw.every((k) => typeof k === 'string') ? (keyRaw as string[]) : undefined;
  if (key === undefined) diagnostics.push(src.diagnostic(startOf(nodeAt(root, ['key']) ?? root), 'key must be a column name or a list of column names'));
  const rowsNode = nodeAt(root, ['rows']);
  if (!isSeq(rowsNode)) {
    diagnostics.push(src.diagnostic(startOf(rowsNode ?? root), 'rows must be a list of maps'));
    return { diagnostics };
  }
  const rows: TableRow[] = [];
  rowsNode.items.forEach((item, i) => {
    const at = (n: unknown) => src.diagnostic(startOf((n ?? item) as never), '');
    if (!isMap(item)) {
      diagnostics.push({ ...at(item), message: `rows[${i}] must be a map of column to value` });
      return;
    }
    const row: Record<string, number | string> = {};
    for (const p of item.items) {
      const col = isScalar(p.key) ? String(p.key.value) : '';
      const v = isScalar(p.value) ? p.value.value : undefined;
      if (!COLUMN_PATTERN.test(col)) diagnostics.push({ ...at(p.key), message: `rows[${i}]: column names are letters, digits and \`_\`, got ${JSON.stringify(col)}` });
      else if (typeof v === 'number' && Number.isFinite(v)) row[col] = v;
      else if (typeof v === 'string' || typeof v === 'boolean') row[col] = String(v);
      else if (v !== null && v !== undefined) diagnostics.push({ ...at(p.value), message: `rows[${i}].${col} must be a number or a string` });
    }
    for (const k of key ?? []) if (row[k] === undefined) diagnostics.push({ ...at(item), message: `rows[${i}] has no value for the key column \`${k}\`` });
    rows.push(row);
  });
  return finish(name, file, key, rows, diagnostics, (i) => src.place(startOf(rowsNode.items[i] as never)));
}

/**
 * A CSV table: the file name (without `.csv`) is the table name, the first
 * line names the columns, the key is `defaultKey` (registries: `id`) or the
 * first column. Cells that read as numbers are numbers; empty cells are absent.
 * Quotes (`"a, b"`, `""`) follow RFC 4180; lines starting with `#` are comments.
 */
export function parseCsvTable(text: string, file: string, defaultKey?: string): TableResult {
  const lines = text.split(/\r?\n/);
  const diagnostics: RuleDiagnostic[] = [];
  // Comment lines (`#`) may precede the header and sit between rows.
  let headerLine = 0;
  while (headerLine < lines.length && (lines[headerLine]!.startsWith('#') || lines[headerLine]!.trim() === '')) headerLine++;
  const header = splitCsvLine(lines[headerLine] ?? '');
  const name = stem(file);
  if (!NAME_PATTERN.test(name)) diagnostics.push({ file, line: 1, column: 1, message: `table name (the file name) must be lower-case letters, digits, \`-\` and \`_\`, got ${JSON.stringify(name)}` });
  header.forEach((h, i) => {
    if (!COLUMN_PATTERN.test(h)) diagnostics.push({ file, line: headerLine + 1, column: 1, message: `column ${i + 1}: names are letters, digits and \`_\`, got ${JSON.stringify(h)}` });
  });
  const keyCol = defaultKey !== undefined && header.includes(defaultKey) ? defaultKey : header[0];
  if (defaultKey !== undefined && !header.includes(defaultKey)) diagnostics.push({ file, line: headerLine + 1, column: 1, message: `a registry needs an \`${defaultKey}\` column` });
  const rows: TableRow[] = [];
  const lineOf: number[] = [];
  for (let i = headerLine + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '' || lines[i]!.startsWith('#')) continue;
    const cells = splitCsvLine(lines[i]!);
    if (cells.length !== header.length) {
      diagnostics.push({ file, line: i + 1, column: 1, message: `this line has ${cells.length} cells; the header has ${header.length}` });
      continue;
    }
    const row: Record<string, number | string> = {};
    header.forEach((h, j) => {
      const c = cells[j]!;
      if (c === '') return;
      row[h] = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(c) && h !== keyCol ? Number(c) : c;
    });
    if (keyCol !== undefined && row[keyCol] === undefined) diagnostics.push({ file, line: i + 1, column: 1, message: `no value for the key column \`${keyCol}\`` });
    rows.push(row);
    lineOf.push(i + 1);
  }
  return finish(name, file, keyCol === undefined ? undefined : [keyCol], rows, diagnostics, (i) => ({ file, line: lineOf[i]!, column: 1 }));
}

function finish(
  name: string,
  file: string,
  key: string[] | undefined,
  rows: TableRow[],
  diagnostics: RuleDiagnostic[],
  placeOf: (row: number) => { file: string; line: number; column: number },
): TableResult {
  if (key === undefined || diagnostics.length > 0) return { diagnostics };
  const columns = new Map<string, ColumnType>();
  for (const row of rows) {
    for (const [c, v] of Object.entries(row)) {
      const t: ColumnType = typeof v === 'number' ? 'double' : 'string';
      const before = columns.get(c);
      // A column with a text cell is text; numbers in it are then read as text too, so CEL sees one type.
      if (before === undefined || (before === 'double' && t === 'string' && !key.includes(c))) columns.set(c, t);
    }
  }
  for (const k of key) columns.set(k, 'string');
  const normalized = rows.map((row) => {
    const out: Record<string, number | string> = {};
    for (const [c, v] of Object.entries(row)) out[c] = columns.get(c) === 'string' ? String(v) : v;
    return Object.freeze(out);
  });
  const seen = new Map<string, number>();
  normalized.forEach((row, i) => {
    const k = key.map((c) => String(row[c])).join(', ');
    const first = seen.get(k);
    if (first !== undefined) {
      const p = placeOf(first);
      diagnostics.push({ ...placeOf(i), message: `duplicate key (${k}); the same key is on line ${p.line}` });
    } else seen.set(k, i);
  });
  if (diagnostics.length > 0) return { diagnostics };
  return { table: new Table(name, file, key, columns, normalized), diagnostics };
}

function stem(file: string): string {
  return basename(file).replace(/\.(ya?ml|csv)$/, '');
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}
