// Generates the reference half of docs/rules.md from schema.ts, so the
// documented keys, types, defaults and examples are the ones the loader
// enforces. Run `npx tsx engine/rules/generate-docs.ts`; a unit test fails
// when the file is out of date. It rewrites only the text between the markers.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { z } from 'zod';
import { celFunctions, signatureOf } from './functions.ts';
import { aggregateFunctions } from './plan.ts';
import { eventFields, ruleSchema, ruleTestFileSchema } from './schema.ts';

export const BEGIN_MARKER = '<!-- BEGIN GENERATED REFERENCE (npx tsx engine/rules/generate-docs.ts) -->';
export const END_MARKER = '<!-- END GENERATED REFERENCE -->';

/** docs/rules.md, resolved from this file so the script works from any cwd. */
export const RULES_DOC_PATH = fileURLToPath(new URL('../../docs/rules.md', import.meta.url));

/** The subset of JSON Schema that z.toJSONSchema produces for our schemas. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  default?: unknown;
  description?: string;
  examples?: unknown[];
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** A short human type: `string`, `list of string`, `one of info, minor`, `map with vi, en`. */
export function typeLabel(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(typeLabel).join(' or ');
  if (s.enum) return `one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (Array.isArray(s.type)) return s.type.map((type) => typeLabel({ type })).join(' or ');
  switch (s.type) {
    case 'array':
      return s.items ? `list of ${typeLabel(s.items)}` : 'list';
    case 'object':
      if (s.properties) return `map with ${Object.keys(s.properties).map((k) => `\`${k}\``).join(', ')}`;
      if (typeof s.additionalProperties === 'object') return `map of string to ${typeLabel(s.additionalProperties)}`;
      return 'map';
    case 'integer':
    case 'number':
      return 'number';
    case undefined:
      return 'any';
    default:
      return s.type;
  }
}

/** `value` as a fenced YAML block. */
export function yamlBlock(value: unknown): string {
  return '```yaml\n' + stringify(value, { lineWidth: 0, flowCollectionPadding: true }).trimEnd() + '\n```';
}

/** One `### key` section per property, in declaration order. */
function keySections(schema: JsonSchema, level: string): string[] {
  const out: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const facts = [`Type: ${typeLabel(prop)}`];
    if (required.has(key)) facts.push('required');
    else if (prop.default !== undefined) facts.push(`default: \`${JSON.stringify(prop.default)}\``);
    else facts.push('optional');
    out.push(`${level} \`${key}\``, '', facts.join(' · '), '');
    if (prop.description) out.push(prop.description, '');
    const nested = prop.type === 'object' && prop.properties ? prop : undefined;
    if (nested) {
      const subRequired = new Set(nested.required ?? []);
      for (const [k, p] of Object.entries(nested.properties!)) {
        out.push(`- \`${key}.${k}\` (${typeLabel(p)}${subRequired.has(k) ? ', required' : ''}): ${p.description ?? ''}`);
      }
      out.push('');
    }
    for (const example of prop.examples ?? []) out.push('Example:', '', yamlBlock({ [key]: example }), '');
  }
  return out;
}

/** A Markdown table; `|` inside cells is escaped. */
export function table(head: string[], rows: string[][]): string[] {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** The generated reference, Markdown, without the markers. */
export function renderReference(): string {
  const rule = jsonSchemaOf(ruleSchema);
  const tests = jsonSchemaOf(ruleTestFileSchema);
  const testCase = tests.properties!.tests!.items!;
  const lines: string[] = [
    '## Reference',
    '',
    'Generated from `engine/rules/schema.ts`; edit the schema, not this section.',
    '',
    '### Rule keys',
    '',
    'A rules file holds `rules: [ ... ]`, a single rule, or a list of rules. Unknown keys are errors.',
    '',
    ...keySections(rule, '####'),
    '### Functions',
    '',
    'Besides CEL\'s standard functions and macros, rules may call:',
    '',
    ...table(
      ['function', 'meaning', 'example'],
      celFunctions.map((f) => [`\`${signatureOf(f)}\``, f.description, `\`${f.example}\``]),
    ),
    '',
    `Aggregate functions (in \`aggregate:\` only): ${aggregateFunctions.map((f) => `\`${f}\``).join(', ')}.`,
    '',
    '### The event `e`',
    '',
    ...table(
      ['field', 'CEL type', 'meaning'],
      Object.entries(eventFields).map(([k, f]) => [`\`e.${k}\``, `\`${f.type}\``, f.description]),
    ),
    '',
    '### Rule test files',
    '',
    'A file `x.test.yaml` beside `x.yaml` holds `tests:`, a list of cases run against the rules of `x.yaml`.',
    '',
    '#### Test case keys',
    '',
    ...keySections(testCase, '#####'),
    '#### Event keys (`events[]`)',
    '',
    ...table(
      ['key', 'type', 'meaning'],
      Object.entries(testCase.properties!.events!.items!.properties!).map(([k, p]) => [`\`${k}\``, typeLabel(p), p.description ?? '']),
    ),
    '',
    '#### Expected change keys (`expect[]`)',
    '',
    ...table(
      ['key', 'type', 'meaning'],
      Object.entries(testCase.properties!.expect!.items!.properties!).map(([k, p]) => [`\`${k}\``, typeLabel(p), p.description ?? '']),
    ),
  ];
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/**
 * The document with its generated section replaced (appended when the markers are missing).
 *
 * @example
 * writeFileSync(RULES_DOC_PATH, updateRulesDoc(readFileSync(RULES_DOC_PATH, 'utf8')));
 */
export function updateRulesDoc(current: string): string {
  const block = `${BEGIN_MARKER}\n\n${renderReference()}\n${END_MARKER}`;
  const begin = current.indexOf(BEGIN_MARKER);
  const end = current.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return current.trimEnd() + '\n\n' + block + '\n';
  return current.slice(0, begin) + block + current.slice(end + END_MARKER.length);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const current = readFileSync(RULES_DOC_PATH, 'utf8');
  const next = updateRulesDoc(current);
  if (next === current) console.log('docs/rules.md is up to date');
  else {
    writeFileSync(RULES_DOC_PATH, next);
    console.log('docs/rules.md: reference regenerated');
  }
}
