// Message templates: literal text with `{{ cel-expr }}` placeholders over the
// event `e` (or a scope's variables), compiled once at load and rendered per alert. Rendering never
// formats numbers with float noise, and never hides a failed placeholder: it
// throws, and the alert tracker falls back to the rule's title.

import type { IocEvent } from '../events/index.ts';
import type { Activation } from './cel-closures.ts';
import { compileCel, type CelCompileResult, type CelExpr, type CelScope, type CompileOptions } from './cel.ts';

export type Locale = 'vi' | 'en';

/** A compiled message template for one language; `A` is what it renders from (the event, or a scope's activation). */
export interface Template<A = IocEvent> {
  readonly source: string;
  render(a: A): string;
}

/** A problem in a template; `offset` is in the template source. */
export interface TemplateProblem {
  message: string;
  offset: number;
}

export type TemplateCompileResult<A = IocEvent> = { ok: true; template: Template<A> } | { ok: false; problems: TemplateProblem[] };

/**
 * Compiles a template, reporting every bad placeholder, not just the first.
 *
 * @example
 * const r = compileTemplate('Mực nước {{ e.value }} m tại {{ e.source }}', 'vi');
 * if (r.ok) r.template.render(event); // → 'Mực nước 2,35 m tại wl-to-lich-01'
 */
export function compileTemplate(source: string, locale: Locale, opts: CompileOptions = {}): TemplateCompileResult {
  return compileWith(source, locale, (expr) => compileCel(expr, opts), (p, e: IocEvent) => (p as ReturnType<typeof asProgram>).run(e));
}

function asProgram(p: CelExpr) {
  return p as CelExpr & { run(e: IocEvent): unknown };
}

/**
 * A template whose placeholders are CEL over a scope's variables (aggregates,
 * `key`, the steps of a sequence).
 *
 * @example
 * compileScopedTemplate('PM2.5 trung bình {{ avg }} tại {{ key.zone }}', 'vi', scope)
 */
export function compileScopedTemplate(source: string, locale: Locale, scope: CelScope): TemplateCompileResult<Activation> {
  return compileWith(source, locale, (expr) => scope.compile(expr), (p, a: Activation) => p.eval(a));
}

function compileWith<A>(source: string, locale: Locale, compile: (expr: string) => CelCompileResult<CelExpr>, run: (p: CelExpr, a: A) => unknown): TemplateCompileResult<A> {
  const parts: (string | CelExpr)[] = [];
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
      const r = compile(expr);
      if (r.ok) parts.push(r.program);
      else problems.push({ message: r.message, offset: open + 2 + r.offset });
    }
    i = close + 2;
  }
  if (problems.length > 0) return { ok: false, problems };
  if (i < source.length) parts.push(source.slice(i));
  return { ok: true, template: makeTemplate(source, parts, locale, run) };
}

function makeTemplate<A>(source: string, parts: readonly (string | CelExpr)[], locale: Locale, run: (p: CelExpr, a: A) => unknown): Template<A> {
  if (parts.every((p) => typeof p === 'string')) {
    const fixed = parts.join('');
    return { source, render: () => fixed };
  }
  return {
    source,
    render(a: A): string {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : formatValue(run(p, a), locale);
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
