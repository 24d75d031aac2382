// YAML with positions: parses a rules or rule test source keeping the node
// ranges, validates a node against a schema from schema.ts, and turns every
// problem into a diagnostic at the offending key or value. It must never
// stop at the first problem, and never report one without a position.

import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { z } from 'zod';
import { SourceText, type RuleDiagnostic } from './diagnostic.ts';
import { didYouMean } from './suggest.ts';

export type Path = readonly (string | number)[];

/** A parsed YAML source; `doc` is undefined when the YAML itself is broken. */
export interface ParsedYaml {
  src: SourceText;
  doc: Document.Parsed | undefined;
  diagnostics: RuleDiagnostic[];
}

/** Parses YAML 1.2 (so `on:` is a string key, not `true`), reporting the parser's own positions. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const src = new SourceText(file, text, lines);
  if (doc.errors.length === 0) return { src, doc, diagnostics: [] };
  return { src, doc: undefined, diagnostics: doc.errors.map((err) => src.diagnostic(err.pos[0], `YAML: ${firstLine(err.message)}`)) };
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return nl < 0 ? s : s.slice(0, nl);
}

/** The node at `path` under `node` (map keys, sequence indexes), or undefined. */
export function nodeAt(node: Node | null | undefined, path: Path): Node | undefined {
  let cur: unknown = node;
  for (const seg of path) {
    if (isMap(cur)) cur = pairOf(cur.items, seg)?.value;
    else if (isSeq(cur) && typeof seg === 'number') cur = cur.items[seg];
    else return undefined;
  }
  return (cur ?? undefined) as Node | undefined;
}

/** The key node of `key` in the map at `path`. */
export function keyNodeAt(node: Node | null | undefined, path: Path, key: string): Node | undefined {
  const map = nodeAt(node, path);
  if (!isMap(map)) return undefined;
  const k = pairOf(map.items, key)?.key;
  return isScalar(k) ? k : undefined;
}

function pairOf(items: readonly Pair<unknown, unknown>[], key: string | number): Pair<unknown, unknown> | undefined {
  return items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
}

/** The keys written in a map node, with their key nodes, in source order. */
export function keysOf(node: Node): { key: string; node: Scalar }[] {
  if (!isMap(node)) return [];
  const out: { key: string; node: Scalar }[] = [];
  for (const p of node.items) if (isScalar(p.key)) out.push({ key: String(p.key.value), node: p.key });
  return out;
}

/** Start offset of a node (0 when it has no range). */
export function startOf(node: Node | undefined): number {
  return node?.range?.[0] ?? 0;
}

export interface ValidateOptions {
  /** Extra words for the diagnostics, e.g. `rule flood.x: `. */
  prefix?: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; diagnostics: RuleDiagnostic[] };

/**
 * Validates a YAML node against a schema, reporting every problem at the key
 * or value it concerns.
 *
 * @example
 * validateNode(ruleSchema, ruleNode, doc, src)
 */
export function validateNode<S extends z.ZodType>(schema: S, node: Node, doc: Document.Parsed, src: SourceText, opts: ValidateOptions = {}): Validated<z.output<S>> {
  const diagnostics: RuleDiagnostic[] = [];
  let data: unknown;
  try {
    data = node.toJS(doc, { maxAliasCount: 100 });
  } catch (err) {
    // An alias to no anchor, or aliases nested past the limit (a "billion laughs" document).
    return { ok: false, diagnostics: [src.diagnostic(startOf(node), `YAML: ${(err as Error).message}`)] };
  }
  const result = schema.safeParse(data);
  if (result.success && diagnostics.length === 0) return { ok: true, value: result.data };
  if (!result.success) {
    const seen = new Set<string>();
    for (const issue of result.error.issues) {
      for (const d of issueDiagnostics(issue, schema, node, data, src)) {
        const k = `${d.line}:${d.column}:${d.message}`;
        if (seen.has(k)) continue;
        seen.add(k);
        diagnostics.push({ ...d, message: (opts.prefix ?? '') + d.message });
      }
    }
  }
  return { ok: false, diagnostics: diagnostics.sort(byPosition) };
}

export function byPosition(a: RuleDiagnostic, b: RuleDiagnostic): number {
  return a.line - b.line || a.column - b.column;
}

function issueDiagnostics(issue: z.core.$ZodIssue, schema: z.ZodType, root: Node, data: unknown, src: SourceText): RuleDiagnostic[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = keysOfSchema(schemaAt(schema, path));
    const candidates = known;
    return issue.keys.map((key) => {
      const at = keyNodeAt(root, path, key) ?? nodeAt(root, path) ?? root;
      const where = path.length === 0 ? '' : ` in ${label(path)}`;
      const hint = didYouMean(key, candidates) || `; known keys: ${known.join(', ')}`;
      return src.diagnostic(startOf(at), `unknown key \`${key}\`${where}${hint}`);
    });
  }
  const value = valueAt(data, path);
  if (value === undefined) {
    // A missing key: point at the map that should hold it.
    const parentPath = path.slice(0, -1);
    const parent = nodeAt(root, parentPath) ?? root;
    return [src.diagnostic(startOf(parent), `${label(path)} is required`)];
  }
  if (issue.code === 'invalid_key') {
    const key = String(path[path.length - 1]);
    const at = keyNodeAt(root, path.slice(0, -1), key) ?? root;
    return [src.diagnostic(startOf(at), `${label(path.slice(0, -1))}: key \`${key}\`: ${issue.issues[0]?.message ?? issue.message}`)];
  }
  const at = nodeAt(root, path) ?? root;
  let message = `${label(path)} ${issue.message}, got ${describe(value)}`;
  if (typeof value === 'string') {
    // Enums suggest their values; other schemas may declare `suggestions` in their meta.
    const suggestions = issue.code === 'invalid_value' ? issue.values.map(String) : schemaAt(schema, path)?.meta()?.suggestions;
    if (Array.isArray(suggestions)) message += didYouMean(value, suggestions.map(String));
  }
  return [src.diagnostic(startOf(at), message)];
}

/** `title.vi`, `groupBy[1]`, or `the value` for the root. */
function label(path: Path): string {
  if (path.length === 0) return 'the value';
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s;
}

function valueAt(data: unknown, path: Path): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** How a wrong value reads in a message: `"severe"`, `5`, `a list`, `nothing`. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return String(v);
}

/** The schema that validates the value at `path`. */
function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const seg of path) {
    cur = unwrap(cur);
    if (cur instanceof z.ZodObject && typeof seg === 'string') cur = (cur.shape as Record<string, z.ZodType>)[seg];
    else if (cur instanceof z.ZodArray && typeof seg === 'number') cur = cur.element as z.ZodType;
    else if (cur instanceof z.ZodRecord) cur = cur.valueType as z.ZodType;
    else return undefined;
  }
  return unwrap(cur);
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
  return cur;
}

function keysOfSchema(s: z.ZodType | undefined): string[] {
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}
