// Message templates: literal text with `{{ cel-expr }}` placeholders over the
// event `e`, compiled once at load and rendered per alert. Rendering never
// formats numbers with float noise, and never hides a failed placeholder: it
// throws, and the alert tracker falls back to the rule's title.

import type { IocEvent } from '../events/index.ts';
import { compileCel, type CelProgram, type CompileOptions } from './cel.ts';

export type Locale = 'vi' | 'en';

/** A compiled message template for one language. */
export interface Template {
  readonly source: string;
  render(e: IocEvent): string;
}

/** A problem in a template; `offset` is in the template source. */
export interface TemplateProblem {
  message: string;
  offset: number;
}

export type TemplateCompileResult = { ok: true; template: Template } | { ok: false; problems: TemplateProblem[] };

/**
 * Compiles a template, reporting every bad placeholder, not just the first.
 *
 * @example
 * const r = compileTemplate('Mực nước {{ e.value }} m tại {{ e.source }}', 'vi');
 * if (r.ok) r.template.render(event); // → 'Mực nước 2,35 m tại wl-to-lich-01'
 */
export function compileTemplate(source: string, locale: Locale, opts: CompileOptions = {}): TemplateCompileResult {
  const parts: (string | CelProgram)[] = [];
  const problems: TemplateProblem[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) break;
    const close = source.indexOf('}}', open + 2);
    if (close < 0) {
      problems.push({ message: 'unclosed `{{` in message; close the placeholder with `}}`', offset: open });
      break;
    }
    if (open > i) parts.push(source.slice(i, open));
    const expr = source.slice(open + 2, close);
    if (expr.trim() === '') {
      problems.push({ message: 'empty placeholder `{{ }}`; put a CEL expression inside, e.g. {{ e.value }}', offset: open });
    } else {
      const r = compileCel(expr, opts);
      if (r.ok) parts.push(r.program);
      else problems.push({ message: r.message, offset: open + 2 + r.offset });
    }
    i = close + 2;
  }
  if (problems.length > 0) return { ok: false, problems };
  if (i < source.length) parts.push(source.slice(i));
  return { ok: true, template: makeTemplate(source, parts, locale) };
}

function makeTemplate(source: string, parts: readonly (string | CelProgram)[], locale: Locale): Template {
  if (parts.every((p) => typeof p === 'string')) {
    const fixed = parts.join('');
    return { source, render: () => fixed };
  }
  return {
    source,
    render(e: IocEvent): string {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : formatValue(p.run(e), locale);
      return out;
    },
  };
}

/**
 * A CEL value as message text: numbers without float noise (rounded to 6
 * significant digits, never dropping integer digits), integers without `.0`,
 * a decimal comma in Vietnamese; lists joined with ", ".
 *
 * @example
 * formatValue(2.3500000001, 'en') // → '2.35'
 * formatValue(2.3500000001, 'vi') // → '2,35'
 * formatValue(7n, 'vi')           // → '7'
 */
export function formatValue(v: unknown, locale: Locale): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatNumber(v, locale);
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'undefined':
      return '';
    default:
      if (v === null) return '';
      if (v instanceof Date) return v.toISOString();
      if (Array.isArray(v)) return v.map((x) => formatValue(x, locale)).join(', ');
      if (v instanceof Map) return [...v].map(([k, x]) => `${formatValue(k, locale)}: ${formatValue(x, locale)}`).join(', ');
      return String(v);
  }
}

function formatNumber(x: number, locale: Locale): string {
  if (!Number.isFinite(x)) return String(x);
  let s: string;
  if (Number.isInteger(x)) s = String(x);
  else {
    const integerDigits = Math.max(1, Math.floor(Math.log10(Math.abs(x))) + 1);
    s = String(Number(x.toPrecision(Math.min(100, Math.max(6, integerDigits)))));
  }
  return locale === 'vi' ? s.replace('.', ',') : s;
}
