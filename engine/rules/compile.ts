// Turns the text of one rules file into compiled rules: YAML with positions,
// schema validation, CEL type checks of `where` and the message placeholders,
// group-key accessors. Every problem in the file is reported with its
// file:line:column; a file with any problem yields no rules at all, so a
// half-valid file never runs in part.

import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { AlertRule, LocalizedText, Severity } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { Activation } from './cel-closures.ts';
import { celScope, compileCel, type CelCompileResult, type CelExpr, type CelProgram, type CelScope, type CompileOptions } from './cel.ts';
import { baseContext } from './context.ts';
import { formatPlace, scalarSourceOffset, type RuleDiagnostic, type SourceText } from './diagnostic.ts';
import { parseDuration } from './duration.ts';
import { RuleEvaluationError } from './errors.ts';
import { aggregateFunctions, type AbsencePlan, type AggregateFunction, type AggregatePlan, type EventPlan, type KeyPlan, type RuleKind, type SequencePlan, type SequenceStep, type WindowPlan } from './plan.ts';
import { typeMatches } from './rule-set.ts';
import { ruleFileSchema, ruleSchema, type RuleSpec } from './schema.ts';
import { didYouMean } from './suggest.ts';
import { compileScopedTemplate, compileTemplate, type Template } from './template.ts';
import { byPosition, keysOf, nodeAt, parseYaml, startOf, validateNode, type Path } from './yaml-source.ts';

/** Where a rule is written: the position of its `id`. */
export interface RuleOrigin {
  file: string;
  line: number;
  column: number;
}

/** Groups a rule may hold when it sets no `maxKeys`. */
export const DEFAULT_MAX_KEYS = 100_000;
/** Partial matches per key of a sequence rule when it sets no `maxPartials`. */
export const DEFAULT_MAX_PARTIALS = 100;
/** How long a sequence alert stays firing after its match when the rule sets no `keepFiringFor`. */
export const DEFAULT_SEQUENCE_KEEP_FIRING_MS = 30 * 60_000;

/** A loaded, type-checked rule, ready for the runtime. */
export interface CompiledRule extends AlertRule {
  readonly id: string;
  readonly severity: Severity;
  readonly title: LocalizedText;
  readonly description: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** Event types and globs, as written (for a sequence, those of all its steps). */
  readonly on: readonly string[];
  /** The CEL condition as written; undefined matches every event. */
  readonly where: string | undefined;
  /** The group key as written (for a sequence, `sameKey`). */
  readonly groupBy: readonly string[];
  readonly enabled: boolean;
  /** `mode: shadow`: alerts are recorded, never published. Its `id` is `<declared id>~shadow` inside the engine, so it can run beside the live rule of the same id. */
  readonly shadow: boolean;
  /** The id its alerts carry: the declared id (for a shadow rule, without `~shadow`). */
  readonly alertId: string;
  readonly origin: RuleOrigin;
  readonly kind: RuleKind;
  /** Hash of the definition's evaluation keys: a reload keeps the state of a rule whose id and hash are unchanged. */
  readonly hash: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly throttleMs: number;
  readonly maxKeys: number;
  /** The districts `where` can be true in (a top-level `e.zone in [...]`), undefined when any. */
  readonly zones: ReadonlySet<string> | undefined;
  readonly key: KeyPlan;
  /** Stateless rules. */
  readonly event: EventPlan | undefined;
  readonly window: WindowPlan | undefined;
  readonly absence: AbsencePlan | undefined;
  readonly sequence: SequencePlan | undefined;
  /**
   * Scale-out: this process holds only part of the rule's events (a city-wide
   * window in one partition), so it aggregates panes and hands them on
   * (`Runtime.takePartials`) instead of evaluating; the city slot combines
   * them. Set by the cluster, never by a rule file.
   */
  readonly partial?: boolean;
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
    const validated = validateNode(ruleSchema, node, doc, src);
    if (!validated.ok) {
      // The expressions of a plain rule are still checked, so one run reports every problem.
      diagnostics.push(...validated.diagnostics);
      let raw: Record<string, unknown>;
      try {
        raw = node.toJS(doc, { maxAliasCount: 100 }) as Record<string, unknown>;
      } catch {
        continue; // validateNode has reported why the YAML cannot be read
      }
      const stateful = ['window', 'absent', 'sequence'].some((k) => k in raw);
      if (!stateful) diagnostics.push(...new RuleCompiler(raw as never, node, src, opts).plainExpressions());
      continue;
    }
    const spec = validated.value;
    const idNode = nodeAt(node, ['id']);
    const origin = src.place(startOf(idNode));
    // One live and one shadow rule may share an id (the shadow is a candidate for the live one).
    const identity = spec.mode === 'shadow' ? `${spec.id}${SHADOW_SUFFIX}` : spec.id;
    const before = seen.get(identity);
    if (before !== undefined) {
      diagnostics.push(src.diagnostic(startOf(idNode), `duplicate ${spec.mode === 'shadow' ? 'shadow ' : ''}rule id \`${spec.id}\`; it is already used at ${formatPlace(before)}`));
      continue;
    }
    seen.set(identity, origin);
    const compiled = new RuleCompiler(spec, node, src, opts).compile(origin);
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

/** The keys whose change restarts a rule's state on reload; title, message, severity, labels and description do not. */
const EVALUATION_KEYS = ['on', 'where', 'groupBy', 'window', 'aggregate', 'when', 'for', 'clear', 'keepFiringFor', 'absent', 'registry', 'sequence', 'sameKey', 'maxPartials', 'dedupKey', 'throttle', 'maxKeys'] as const;

function definitionHash(spec: RuleSpec): string {
  const picked: Record<string, unknown> = {};
  for (const k of EVALUATION_KEYS) if (spec[k] !== undefined) picked[k] = spec[k];
  return hashOf(picked);
}

function hashOf(v: unknown): string {
  return createHash('sha1').update(canonicalJson(v)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A group key value: how to read it from an event, and its name in `key.<name>`. */
interface KeyPart {
  name: string;
  read(e: IocEvent): string;
  /** True when the part can take a value per event (a bound is then required). */
  unbounded: boolean;
}

/** Event fields that hold a different value on (nearly) every event. */
const PER_EVENT_FIELDS = new Set(['e.id', 'e.time', 'e.value', 'e.lat', 'e.lon']);

/** Compiles one validated rule, collecting every problem with its position. */
class RuleCompiler {
  private readonly diagnostics: RuleDiagnostic[] = [];
  private readonly ctx;

  constructor(
    private readonly spec: RuleSpec,
    private readonly node: Node,
    private readonly src: SourceText,
    private readonly opts: CompileOptions,
  ) {
    this.ctx = opts.context ?? baseContext();
  }

  private at(path: Path, offset: number, message: string): void {
    const n = nodeAt(this.node, path);
    const o = isScalar(n) ? scalarSourceOffset(this.src.text, n, offset) : startOf(n ?? this.node);
    this.diagnostics.push(this.src.diagnostic(o, message));
  }

  private atKey(key: string, message: string): void {
    const k = keysOf(this.node).find((x) => x.key === key);
    this.diagnostics.push(this.src.diagnostic(startOf(k?.node ?? this.node), message));
  }

  private written(key: string): boolean {
    return keysOf(this.node).some((k) => k.key === key);
  }

  /** `where` and the message templates of a rule that did not validate, when they are plain strings. */
  plainExpressions(): RuleDiagnostic[] {
    const raw = this.spec as unknown as { where?: unknown; message?: unknown };
    if (typeof raw.where === 'string' && raw.where.trim() !== '') this.condition(['where'], raw.where, (x) => compileCel(x, this.opts));
    const message = typeof raw.message === 'object' && raw.message !== null ? (raw.message as Record<string, unknown>) : {};
    for (const locale of ['vi', 'en'] as const) {
      const text = message[locale];
      if (typeof text !== 'string') continue;
      const r = compileTemplate(text, locale, this.opts);
      if (!r.ok) for (const p of r.problems) this.at(['message', locale], p.offset, `message.${locale}: ${p.message}`);
    }
    return this.diagnostics;
  }

  compile(origin: RuleOrigin): RuleCompileResult {
    const kind = this.kind();
    const spec = this.spec;
    const where = spec.where !== undefined && kind !== 'sequence' ? this.condition(['where'], spec.where, (x) => compileCel(x, this.opts)) : undefined;
    const keyPaths = kind === 'sequence' ? (spec.sameKey ?? []) : spec.groupBy;
    const keyLabel = kind === 'sequence' ? 'sameKey' : 'groupBy';
    const key = this.keyPlan(keyPaths, keyLabel);
    let event: EventPlan | undefined;
    let window: WindowPlan | undefined;
    let absence: AbsencePlan | undefined;
    let sequence: SequencePlan | undefined;
    let message: { vi: Template; en: Template } | undefined;
    if (kind === 'stateless') {
      message = this.eventMessage();
      const clear = spec.clear !== undefined ? this.condition(['clear'], spec.clear, (x) => compileCel(x, this.opts)) : undefined;
      const dedup = spec.dedupKey !== undefined ? this.stringExpr(['dedupKey'], spec.dedupKey, (x) => compileCel(x, this.opts)) : undefined;
      event = {
        clear: clear && boolOf(spec.id, 'clear', (e: IocEvent) => clear.run(e)),
        dedupKey: dedup && stringOf(spec.id, 'dedupKey', (e: IocEvent) => dedup.run(e)),
      };
    } else if (kind === 'window') window = this.windowPlan(key);
    else if (kind === 'absence') absence = this.absencePlan(key);
    else sequence = this.sequencePlan(key);
    if (this.diagnostics.length > 0) return { ok: false, diagnostics: this.diagnostics };
    const on = kind === 'sequence' ? [...new Set(spec.sequence!.flatMap((s) => (typeof s.on === 'string' ? [s.on] : s.on)))] : typeof spec.on === 'string' ? [spec.on] : [...spec.on!];
    const rule = new Rule(spec, origin, kind, on, keyPaths.map(keyPartSource), where, message, key, { event, window, absence, sequence }, definitionHash(spec));
    return { ok: true, rule };
  }

  /** The rule's kind, after checking that its keys fit together. */
  private kind(): RuleKind {
    const s = this.spec;
    const kind: RuleKind = s.sequence !== undefined ? 'sequence' : s.absent !== undefined ? 'absence' : s.window !== undefined || s.aggregate !== undefined || s.when !== undefined ? 'window' : 'stateless';
    const not = (key: string, why: string) => {
      if (this.written(key)) this.atKey(key, `\`${key}\` ${why}`);
    };
    if (kind !== 'sequence' && s.on === undefined) this.diagnostics.push(this.src.diagnostic(startOf(this.node), 'on is required'));
    if (kind === 'sequence') {
      for (const k of ['on', 'where', 'groupBy']) not(k, `is not used in a sequence rule: each step has its own \`on\` and \`where\`, and \`sameKey\` correlates them`);
      for (const k of ['window', 'aggregate', 'when', 'absent', 'registry', 'for', 'clear']) not(k, 'does not apply to a sequence rule');
      const steps = s.sequence!;
      steps.forEach((step, i) => {
        if (step.not === true && i !== steps.length - 1) this.at(['sequence', i, 'not'], 0, 'only the last step can be a `not` step (A then no B within T)');
        if (step.not === true && step.within === undefined) this.at(['sequence', i], 0, 'a `not` step needs `within`: how long to wait for the event that must not come');
        if (i === 0 && step.within !== undefined) this.at(['sequence', 0, 'within'], 0, '`within` counts from the previous step; the first step has none');
      });
      const names = new Set<string>();
      steps.forEach((step, i) => {
        if (names.has(step.as)) this.at(['sequence', i, 'as'], 0, `step name \`${step.as}\` is used twice`);
        names.add(step.as);
      });
    } else {
      for (const k of ['sameKey', 'maxPartials']) not(k, 'belongs to sequence rules');
    }
    if (kind === 'absence') {
      for (const k of ['window', 'aggregate', 'when', 'for', 'clear']) not(k, 'does not apply to an absence rule');
    } else not('registry', 'belongs to absence rules (`absent:`)');
    if (kind === 'window') {
      if (s.window === undefined) this.atKey(s.aggregate !== undefined ? 'aggregate' : 'when', 'a windowed rule needs `window`, `aggregate` and `when`; `window` is missing');
      else if (s.aggregate === undefined) this.atKey('window', 'a windowed rule needs `aggregate`');
      else if (s.when === undefined) this.atKey('window', 'a windowed rule needs `when`: the condition over the aggregates');
    }
    return kind;
  }

  private condition<P extends CelExpr>(path: Path, source: string, compile: (x: string) => CelCompileResult<P>): P | undefined {
    const label = pathLabel(path);
    const r = compile(source);
    if (!r.ok) this.at(path, r.offset, `${label}: ${r.message}`);
    else if (r.program.type !== 'bool' && r.program.type !== 'dyn') this.at(path, 0, `${label} must be a condition (bool), but this expression gives ${r.program.type}`);
    else return r.program;
    return undefined;
  }

  private stringExpr<P extends CelExpr>(path: Path, source: string, compile: (x: string) => CelCompileResult<P>): P | undefined {
    const label = pathLabel(path);
    const r = compile(source);
    if (!r.ok) this.at(path, r.offset, `${label}: ${r.message}`);
    else if (!['string', 'int', 'double', 'bool', 'dyn'].includes(r.program.type)) this.at(path, 0, `${label} must give a string (or a number), but this expression gives ${r.program.type}`);
    else return r.program;
    return undefined;
  }

  private keyPlan(parts: readonly (string | Record<string, string>)[], label: string): KeyPlan {
    const compiled: KeyPart[] = [];
    const names = new Set<string>();
    parts.forEach((part, i) => {
      const k = this.keyPart(part, [label, i]);
      if (k === undefined) return;
      if (names.has(k.name)) this.at([label, i], 0, `two ${label} values are both named \`${k.name}\`; name one with \`{ other: <CEL> }\``);
      names.add(k.name);
      if (k.unbounded && this.spec.maxKeys === undefined) {
        this.at([label, i], 0, `${label} on \`${keyPartSource(part)}\` can make a new group for every event, so the rule's state would grow without bound: add \`maxKeys\` (e.g. maxKeys: 10000), or group by a bounded field such as e.source, e.zone or cell(e, 500)`);
      }
      compiled.push(k);
    });
    const reads = compiled.map((k) => k.read);
    const keyNames = compiled.map((k) => k.name);
    const scope = celScope({ key: keyNames }, this.opts);
    return { names: keyNames, keyOf: keyFunction(reads), valuesOf: (e) => reads.map((r) => r(e)), makeKey: scope.makeKey };
  }

  private keyPart(part: string | Record<string, string>, path: Path): KeyPart | undefined {
    if (typeof part === 'string' && /^e\./.test(part)) {
      const attr = /^e\.attrs(?:\.([A-Za-z_][A-Za-z0-9_]*)|\["([^"\\]+)"\])$/.exec(part);
      const name = attr !== null ? (attr[1] ?? attr[2]!).replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1') : part.slice(2);
      return { name, read: fieldAccessor(part), unbounded: attr !== null || PER_EVENT_FIELDS.has(part) };
    }
    const [name, source, exprPath] = typeof part === 'string' ? [/^([a-z]+)\(/.exec(part)![1]!, part, path] : [Object.keys(part)[0]!, Object.values(part)[0]!, [...path, Object.keys(part)[0]!]];
    const p = this.stringExpr(exprPath, source, (x) => compileCel(x, this.opts));
    if (p === undefined) return undefined;
    const bounded = typeof part === 'string' && name === 'cell';
    const id = this.spec.id;
    return {
      name,
      read: (e) => {
        let v: unknown;
        try {
          v = p.run(e);
        } catch (err) {
          throw failure(id, `group key ${name}`, err);
        }
        return typeof v === 'string' ? v : String(v);
      },
      unbounded: !bounded,
    };
  }

  private eventMessage(): { vi: Template; en: Template } | undefined {
    const m = this.spec.message;
    if (m === undefined) return undefined;
    const out: Partial<Record<'vi' | 'en', Template>> = {};
    for (const locale of ['vi', 'en'] as const) {
      const r = compileTemplate(m[locale], locale, this.opts);
      if (r.ok) out[locale] = r.template;
      else for (const p of r.problems) this.at(['message', locale], p.offset, `message.${locale}: ${p.message}`);
    }
    return out.vi !== undefined && out.en !== undefined ? { vi: out.vi, en: out.en } : undefined;
  }

  /** Messages over a scope's activation; the title when the rule has no message. */
  private scopedRender(scope: CelScope): (a: Activation) => LocalizedText {
    const m = this.spec.message;
    const title = this.spec.title;
    if (m === undefined) return () => ({ vi: title.vi, en: title.en });
    const out: Partial<Record<'vi' | 'en', Template<Activation>>> = {};
    for (const locale of ['vi', 'en'] as const) {
      const r = compileScopedTemplate(m[locale], locale, scope);
      if (r.ok) out[locale] = r.template;
      else for (const p of r.problems) this.at(['message', locale], p.offset, `message.${locale}: ${p.message}`);
    }
    const { vi, en } = out;
    if (vi === undefined || en === undefined) return () => ({ vi: title.vi, en: title.en });
    const id = this.spec.id;
    return (a) => {
      try {
        return { vi: vi.render(a), en: en.render(a) };
      } catch (err) {
        throw failure(id, 'message', err);
      }
    };
  }

  private scopedDedup(scope: CelScope): ((a: Activation) => string) | undefined {
    if (this.spec.dedupKey === undefined) return undefined;
    const p = this.stringExpr(['dedupKey'], this.spec.dedupKey, (x) => scope.compile(x));
    return p && stringOf(this.spec.id, 'dedupKey', p.eval);
  }

  private windowPlan(key: KeyPlan): WindowPlan | undefined {
    const s = this.spec;
    if (s.window === undefined || s.aggregate === undefined || s.when === undefined) return undefined;
    const w = s.window;
    const aggregates: AggregatePlan[] = [];
    const args: ((e: IocEvent) => unknown)[] = [];
    const argIndex = new Map<string, number>();
    for (const [name, call] of Object.entries(s.aggregate)) {
      const path = ['aggregate', name];
      const m = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*\(([\s\S]*)\)\s*$/.exec(call);
      if (m === null) {
        this.at(path, 0, `aggregate.${name} must be a call like \`avg(e.value)\` or \`count()\``);
        continue;
      }
      const fn = m[2]!;
      if (!(aggregateFunctions as readonly string[]).includes(fn)) {
        this.at(path, m[1]!.length, `unknown aggregate function \`${fn}\`${didYouMean(fn, aggregateFunctions)}; the functions are ${aggregateFunctions.join(', ')}`);
        continue;
      }
      const argText = m[3]!;
      const argOffset = call.indexOf('(') + 1;
      const noArg = fn === 'count' || fn === 'rate';
      if (noArg) {
        if (argText.trim() !== '') this.at(path, argOffset, `${fn}() takes no argument`);
        aggregates.push({ name, fn: fn as AggregateFunction, arg: -1, type: fn === 'count' ? 'int' : 'double' });
        continue;
      }
      if (argText.trim() === '') {
        this.at(path, argOffset, `${fn}(x) needs an argument, e.g. ${fn}(e.value)`);
        continue;
      }
      const r = compileCel(argText, this.opts);
      if (!r.ok) {
        this.at(path, argOffset + r.offset, `aggregate.${name}: ${r.message}`);
        continue;
      }
      const numeric = fn !== 'distinct';
      if (numeric && !['double', 'int', 'dyn'].includes(r.program.type)) {
        this.at(path, argOffset, `${fn}(x) needs a number, but this argument gives ${r.program.type}`);
        continue;
      }
      const norm = argText.trim();
      let idx = argIndex.get(norm);
      if (idx === undefined) {
        idx = args.length;
        argIndex.set(norm, idx);
        args.push(argReader(s.id, `aggregate.${name}`, norm, r.program));
      }
      aggregates.push({ name, fn: fn as AggregateFunction, arg: idx, type: fn === 'distinct' ? 'int' : 'double' });
    }
    // A broken aggregate would make every name in `when` look unknown: report it alone.
    if (aggregates.length < Object.keys(s.aggregate).length) return undefined;
    const numbers = Object.fromEntries(aggregates.map((a) => [a.name, a.type]));
    if ('key' in numbers) this.at(['aggregate', 'key'], 0, 'an aggregate cannot be named `key`: that name is the group key');
    const scope = celScope({ numbers, key: key.names }, this.opts);
    const when = this.condition(['when'], s.when, (x) => scope.compile(x));
    const clear = s.clear !== undefined ? this.condition(['clear'], s.clear, (x) => scope.compile(x)) : undefined;
    const render = this.scopedRender(scope);
    const dedupKey = this.scopedDedup(scope);
    if (when === undefined) return undefined;
    const size = w.size !== undefined ? parseDuration(w.size)! : 0;
    const slide = w.slide !== undefined ? parseDuration(w.slide)! : size;
    return {
      type: w.session !== undefined ? 'session' : w.slide !== undefined && slide !== size ? 'sliding' : 'tumbling',
      sizeMs: size,
      slideMs: slide,
      gapMs: w.session !== undefined ? parseDuration(w.session)! : 0,
      stateKey: hashOf({ on: s.on, where: s.where, groupBy: s.groupBy, window: s.window, aggregate: s.aggregate, maxKeys: s.maxKeys }),
      aggregates,
      args,
      when: boolOf(s.id, 'when', when.eval),
      clear: clear && boolOf(s.id, 'clear', clear.eval),
      render,
      dedupKey,
    };
  }

  private absencePlan(key: KeyPlan): AbsencePlan {
    const s = this.spec;
    const scope = celScope({ key: key.names }, this.opts);
    const expected: { key: string; values: string[] }[] = [];
    if (s.registry !== undefined) {
      const table = this.ctx.tables.get(s.registry);
      if (table === undefined) {
        const known = [...this.ctx.tables.keys()];
        this.at(['registry'], 0, `unknown registry \`${s.registry}\`${didYouMean(s.registry, known) || (known.length > 0 ? `; the tables are ${known.join(', ')}` : '; put it in rules/registry/')}`);
      } else {
        const columns = key.names.map((n) => (table.columns.has(n) ? n : n === 'source' && table.columns.has('id') ? 'id' : undefined));
        const missing = key.names.filter((_, i) => columns[i] === undefined);
        if (missing.length > 0) this.at(['registry'], 0, `registry \`${s.registry}\` has no column for the group value(s) ${missing.join(', ')}; its columns are ${[...table.columns.keys()].join(', ')}`);
        else {
          const on = typeof s.on === 'string' ? [s.on] : (s.on ?? []);
          for (const row of table.rows) {
            const type = row.type;
            if (typeof type === 'string' && !on.some((p) => typeMatches(p, type))) continue;
            const values = columns.map((c) => String(row[c!] ?? ''));
            expected.push({ key: values.join('|'), values });
          }
        }
      }
    }
    return { absentMs: parseDuration(s.absent!)!, expected, render: this.scopedRender(scope), dedupKey: this.scopedDedup(scope) };
  }

  private sequencePlan(key: KeyPlan): SequencePlan {
    const s = this.spec;
    const id = s.id;
    const steps: SequenceStep[] = s.sequence!.map((step, i) => {
      const patterns = typeof step.on === 'string' ? [step.on] : step.on;
      const exact = new Set(patterns.filter((p) => !p.includes('*')));
      const globs = patterns.filter((p) => p.includes('*'));
      const where = step.where !== undefined ? this.condition(['sequence', i, 'where'], step.where, (x) => compileCel(x, this.opts)) : undefined;
      return {
        as: step.as,
        watches: (type: string) => exact.has(type) || globs.some((g) => typeMatches(g, type)),
        matches:
          where === undefined
            ? () => true
            : (e: IocEvent) => {
                let r: unknown;
                try {
                  r = where.run(e);
                } catch (err) {
                  throw failure(id, `sequence[${i}].where`, err);
                }
                if (typeof r === 'boolean') return r;
                throw new RuleEvaluationError(id, 'not_bool', `sequence[${i}].where gave ${typeof r}, not a bool`);
              },
        withinMs: step.within !== undefined ? parseDuration(step.within) : undefined,
        not: step.not === true,
      };
    });
    const scope = celScope({ events: steps.filter((st) => !st.not).map((st) => st.as), key: key.names }, this.opts);
    return { steps, maxPartials: s.maxPartials ?? DEFAULT_MAX_PARTIALS, render: this.scopedRender(scope), dedupKey: this.scopedDedup(scope) };
  }
}

/** A condition that must give a bool, its CEL errors wrapped with the rule id. */
function boolOf<A>(ruleId: string, part: string, run: (a: A) => unknown): (a: A) => boolean {
  return (a) => {
    let r: unknown;
    try {
      r = run(a);
    } catch (err) {
      throw failure(ruleId, part, err);
    }
    if (typeof r === 'boolean') return r;
    throw new RuleEvaluationError(ruleId, 'not_bool', `${part} gave ${typeof r}, not a bool`);
  };
}

function stringOf<A>(ruleId: string, part: string, run: (a: A) => unknown): (a: A) => string {
  return (a) => {
    let r: unknown;
    try {
      r = run(a);
    } catch (err) {
      throw failure(ruleId, part, err);
    }
    return typeof r === 'string' ? r : String(r);
  };
}

/** Numeric event fields an aggregate reads directly, without CEL, when its argument is just the field. */
const NUMERIC_FIELDS = new Set(['value', 'lat', 'lon']);

/** An aggregate argument: a direct read for `e.value`, `e.lat`, `e.lon`, else the compiled CEL. */
function argReader(ruleId: string, part: string, source: string, p: CelProgram): (e: IocEvent) => unknown {
  const field = /^e\.([a-z]+)$/.exec(source)?.[1];
  if (field !== undefined && NUMERIC_FIELDS.has(field)) {
    const f = field as 'value' | 'lat' | 'lon';
    return (e) => {
      const v = e[f];
      if (v === undefined) throw new RuleEvaluationError(ruleId, 'no_such_key', `${part}: No such key: ${f}`);
      return v;
    };
  }
  return (e) => {
    try {
      return p.run(e);
    } catch (err) {
      throw failure(ruleId, part, err);
    }
  };
}

/** The key string of an event: field reads joined with `|`, shaped for the common one-field case. */
function keyFunction(reads: readonly ((e: IocEvent) => string)[]): (e: IocEvent) => string {
  if (reads.length === 0) return () => '';
  if (reads.length === 1) return reads[0]!;
  return (e) => {
    let key = reads[0]!(e);
    for (let i = 1; i < reads.length; i++) key += '|' + reads[i]!(e);
    return key;
  };
}

/** `groupBy[0]`, `sequence[1].where`, `when`. */
function pathLabel(path: Path): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s;
}

function keyPartSource(part: string | Record<string, string>): string {
  if (typeof part === 'string') return part;
  const [name, expr] = Object.entries(part)[0]!;
  return `{ ${name}: ${expr} }`;
}

function failure(ruleId: string, part: string, err: unknown): RuleEvaluationError {
  if (err instanceof RuleEvaluationError) return err;
  const e = err as { code?: unknown; summary?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'evaluation_error';
  const summary = typeof e?.summary === 'string' ? e.summary : typeof e?.message === 'string' ? e.message : String(err);
  return new RuleEvaluationError(ruleId, code, `${part}: ${summary}`, { cause: err });
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

interface Plans {
  event: EventPlan | undefined;
  window: WindowPlan | undefined;
  absence: AbsencePlan | undefined;
  sequence: SequencePlan | undefined;
}

/** Appended to a shadow rule's id inside the engine (rule state, snapshots, metrics); alerts carry the declared id. */
export const SHADOW_SUFFIX = '~shadow';

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
  readonly shadow: boolean;
  readonly alertId: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly throttleMs: number;
  readonly maxKeys: number;
  readonly zones: ReadonlySet<string> | undefined;
  readonly event: EventPlan | undefined;
  readonly window: WindowPlan | undefined;
  readonly absence: AbsencePlan | undefined;
  readonly sequence: SequencePlan | undefined;

  constructor(
    spec: RuleSpec,
    readonly origin: RuleOrigin,
    readonly kind: RuleKind,
    on: readonly string[],
    groupBy: readonly string[],
    private readonly condition: CelProgram | undefined,
    private readonly message: { vi: Template; en: Template } | undefined,
    readonly key: KeyPlan,
    plans: Plans,
    readonly hash: string,
  ) {
    this.shadow = spec.mode === 'shadow';
    this.alertId = spec.id;
    this.id = this.shadow ? `${spec.id}${SHADOW_SUFFIX}` : spec.id;
    this.severity = spec.severity;
    this.title = Object.freeze({ vi: spec.title.vi, en: spec.title.en });
    this.description = spec.description;
    this.labels = Object.freeze({ ...spec.labels });
    this.on = Object.freeze([...on]);
    this.where = spec.where;
    this.groupBy = Object.freeze([...groupBy]);
    this.enabled = spec.enabled;
    this.forMs = spec.for !== undefined ? parseDuration(spec.for)! : 0;
    this.keepFiringForMs = spec.keepFiringFor !== undefined ? parseDuration(spec.keepFiringFor)! : kind === 'sequence' ? DEFAULT_SEQUENCE_KEEP_FIRING_MS : 0;
    this.throttleMs = spec.throttle !== undefined ? parseDuration(spec.throttle)! : 0;
    this.maxKeys = spec.maxKeys ?? DEFAULT_MAX_KEYS;
    this.zones = condition?.zones;
    this.event = plans.event;
    this.window = plans.window;
    this.absence = plans.absence;
    this.sequence = plans.sequence;
  }

  matches(e: IocEvent): boolean {
    if (this.condition === undefined) return true;
    let r: unknown;
    try {
      r = this.condition.run(e);
    } catch (err) {
      throw failure(this.id, 'where', err);
    }
    if (typeof r === 'boolean') return r;
    throw new RuleEvaluationError(this.id, 'not_bool', `where gave ${typeof r}, not a bool`);
  }

  keyOf(e: IocEvent): string {
    return this.key.keyOf(e);
  }

  render(e: IocEvent): LocalizedText {
    if (this.message === undefined) return { vi: this.title.vi, en: this.title.en };
    try {
      return { vi: this.message.vi.render(e), en: this.message.en.render(e) };
    } catch (err) {
      throw failure(this.id, 'message', err);
    }
  }
}
