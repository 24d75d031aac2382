// Turns the text of one rules file into compiled rules: YAML with positions,
// schema validation, CEL type checks of `where` and the message placeholders,
// group-key accessors. Every problem in the file is reported with its
// file:line:column; a file with any problem yields no rules at all, so a
// half-valid file never runs in part.

import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { AlertRule, LocalizedText, Severity } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import { compileCel, type CelProgram, type CompileOptions } from './cel.ts';
import { formatPlace, scalarSourceOffset, type RuleDiagnostic, type SourceText } from './diagnostic.ts';
import { RuleEvaluationError } from './errors.ts';
import { plannedKeys, ruleFileSchema, ruleSchema, type RuleSpec } from './schema.ts';
import { compileTemplate, type Template } from './template.ts';
import { byPosition, keysOf, nodeAt, parseYaml, startOf, validateNode } from './yaml-source.ts';

/** Where a rule is written: the position of its `id`. */
export interface RuleOrigin {
  file: string;
  line: number;
  column: number;
}

/** A loaded, type-checked rule, ready for the alert tracker. */
export interface CompiledRule extends AlertRule {
  readonly id: string;
  readonly severity: Severity;
  readonly title: LocalizedText;
  readonly description: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** Event types and globs, as written. */
  readonly on: readonly string[];
  /** The CEL condition as written; undefined matches every event. */
  readonly where: string | undefined;
  /** Field paths of the alert key. */
  readonly groupBy: readonly string[];
  readonly enabled: boolean;
  readonly origin: RuleOrigin;
}

export interface CompileResult {
  rules: CompiledRule[];
  diagnostics: RuleDiagnostic[];
}

/**
 * Compiles one rules source: `rules: [...]`, a single rule, or a list of rules.
 * Ids are checked for duplicates within the text; across files, see `loadRulesDir`.
 *
 * @example
 * compileRuleText('id: flood.high\ntitle: { vi: Cao, en: High }\non: water.level\nwhere: e.value > 1.5\nseverity: major\n', 'inline.yaml')
 * // → { rules: [CompiledRule flood.high], diagnostics: [] }
 */
export function compileRuleText(text: string, file: string, opts: CompileOptions = {}): CompileResult {
  const parsed = parseYaml(text, file);
  if (parsed.doc === undefined) return { rules: [], diagnostics: parsed.diagnostics };
  const { doc, src } = parsed;
  const diagnostics: RuleDiagnostic[] = [];
  const rules: CompiledRule[] = [];
  const seen = new Map<string, RuleOrigin>();
  for (const node of ruleNodes(doc, src, diagnostics)) {
    if (!isMap(node)) {
      diagnostics.push(src.diagnostic(startOf(node), 'a rule must be a map with at least id, title, on and severity'));
      continue;
    }
    const validated = validateNode(ruleSchema, node, doc, src, { planned: plannedKeys });
    if (!validated.ok) {
      // The expressions are still checked, so one run reports every problem.
      const raw = node.toJS(doc, { maxAliasCount: 100 }) as Record<string, unknown>;
      diagnostics.push(...validated.diagnostics, ...compileExpressions(raw, node, src, opts).diagnostics);
      continue;
    }
    const spec = validated.value;
    const idNode = nodeAt(node, ['id']);
    const origin = src.place(startOf(idNode));
    const before = seen.get(spec.id);
    if (before !== undefined) {
      diagnostics.push(src.diagnostic(startOf(idNode), `duplicate rule id \`${spec.id}\`; it is already used at ${formatPlace(before)}`));
      continue;
    }
    seen.set(spec.id, origin);
    const compiled = compileRule(spec, node, src, origin, opts);
    if (compiled.ok) rules.push(compiled.rule);
    else diagnostics.push(...compiled.diagnostics);
  }
  if (diagnostics.length > 0) return { rules: [], diagnostics: diagnostics.sort(byPosition) };
  return { rules, diagnostics };
}

/** The rule nodes of a file in its three accepted shapes. */
function ruleNodes(doc: Document.Parsed, src: SourceText, diagnostics: RuleDiagnostic[]): Node[] {
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (isSeq(root)) return root.items as Node[];
  if (isMap(root)) {
    if (!keysOf(root).some((k) => k.key === 'rules')) return [root];
    const validated = validateNode(ruleFileSchema, root, doc, src);
    // The rules themselves are still checked when only a sibling key was wrong.
    if (!validated.ok) diagnostics.push(...validated.diagnostics);
    const rules = nodeAt(root, ['rules']);
    return isSeq(rules) ? (rules.items as Node[]) : [];
  }
  diagnostics.push(src.diagnostic(startOf(root), 'a rules file holds `rules: [...]`, one rule (a map), or a list of rules'));
  return [];
}

type RuleCompileResult = { ok: true; rule: CompiledRule } | { ok: false; diagnostics: RuleDiagnostic[] };

function compileRule(spec: RuleSpec, node: Node, src: SourceText, origin: RuleOrigin, opts: CompileOptions): RuleCompileResult {
  const compiled = compileExpressions(spec, node, src, opts);
  if (compiled.diagnostics.length > 0) return { ok: false, diagnostics: compiled.diagnostics };
  const { where, vi, en } = compiled;
  return { ok: true, rule: new Rule(spec, origin, where, vi !== undefined && en !== undefined ? { vi, en } : undefined) };
}

interface CompiledExpressions {
  where?: CelProgram;
  vi?: Template;
  en?: Template;
  diagnostics: RuleDiagnostic[];
}

/** Compiles `where` and the message templates, whichever are strings; works on unvalidated rules too. */
function compileExpressions(rule: { where?: unknown; message?: unknown }, node: Node, src: SourceText, opts: CompileOptions): CompiledExpressions {
  const out: CompiledExpressions = { diagnostics: [] };
  const at = (path: readonly (string | number)[], offset: number, message: string) => {
    const n = nodeAt(node, path);
    const o = isScalar(n) ? scalarSourceOffset(src.text, n, offset) : startOf(n);
    out.diagnostics.push(src.diagnostic(o, message));
  };

  if (typeof rule.where === 'string' && rule.where.trim() !== '') {
    const r = compileCel(rule.where, opts);
    if (!r.ok) at(['where'], r.offset, `where: ${r.message}`);
    else if (r.program.type !== 'bool' && r.program.type !== 'dyn') at(['where'], 0, `where must be a condition (bool), but this expression gives ${r.program.type}`);
    else out.where = r.program;
  }

  const message = typeof rule.message === 'object' && rule.message !== null ? (rule.message as Record<string, unknown>) : {};
  for (const locale of ['vi', 'en'] as const) {
    const text = message[locale];
    if (typeof text !== 'string') continue;
    const r = compileTemplate(text, locale, opts);
    if (r.ok) out[locale] = r.template;
    else for (const p of r.problems) at(['message', locale], p.offset, `message.${locale}: ${p.message}`);
  }
  return out;
}

/** Reads one group-by field from an event; a missing field reads as "". */
type FieldAccessor = (e: IocEvent) => string;

function fieldAccessor(path: string): FieldAccessor {
  const attr = /^e\.attrs(?:\.([A-Za-z_][A-Za-z0-9_]*)|\["([^"\\]+)"\])$/.exec(path);
  if (attr !== null) {
    const name = (attr[1] ?? attr[2])!;
    return (e) => e.attrs[name] ?? '';
  }
  const field = path.slice(2) as Exclude<keyof IocEvent, 'attrs' | 'extra'>;
  return (e) => {
    const v = e[field];
    return v === undefined ? '' : String(v);
  };
}

class Rule implements CompiledRule {
  readonly id: string;
  readonly severity: Severity;
  readonly title: LocalizedText;
  readonly description: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly on: readonly string[];
  readonly where: string | undefined;
  readonly groupBy: readonly string[];
  readonly enabled: boolean;
  private readonly accessors: readonly FieldAccessor[];

  constructor(
    spec: RuleSpec,
    readonly origin: RuleOrigin,
    private readonly condition: CelProgram | undefined,
    private readonly message: { vi: Template; en: Template } | undefined,
  ) {
    this.id = spec.id;
    this.severity = spec.severity;
    this.title = Object.freeze({ vi: spec.title.vi, en: spec.title.en });
    this.description = spec.description;
    this.labels = Object.freeze({ ...spec.labels });
    this.on = Object.freeze(typeof spec.on === 'string' ? [spec.on] : [...spec.on]);
    this.where = spec.where;
    this.groupBy = Object.freeze([...spec.groupBy]);
    this.enabled = spec.enabled;
    this.accessors = this.groupBy.map(fieldAccessor);
  }

  matches(e: IocEvent): boolean {
    if (this.condition === undefined) return true;
    let r: unknown;
    try {
      r = this.condition.run(e);
    } catch (err) {
      throw this.failure('where', err);
    }
    if (typeof r === 'boolean') return r;
    throw new RuleEvaluationError(this.id, 'not_bool', `where gave ${typeof r}, not a bool`);
  }

  keyOf(e: IocEvent): string {
    const a = this.accessors;
    if (a.length === 1) return a[0]!(e);
    let key = a[0]!(e);
    for (let i = 1; i < a.length; i++) key += '|' + a[i]!(e);
    return key;
  }

  render(e: IocEvent): LocalizedText {
    if (this.message === undefined) return { vi: this.title.vi, en: this.title.en };
    try {
      return { vi: this.message.vi.render(e), en: this.message.en.render(e) };
    } catch (err) {
      throw this.failure('message', err);
    }
  }

  private failure(part: string, err: unknown): RuleEvaluationError {
    const e = err as { code?: unknown; summary?: unknown; message?: unknown };
    const code = typeof e?.code === 'string' ? e.code : 'evaluation_error';
    const summary = typeof e?.summary === 'string' ? e.summary : typeof e?.message === 'string' ? e.message : String(err);
    return new RuleEvaluationError(this.id, code, `${part}: ${summary}`, { cause: err });
  }
}
