// CEL for rules: a typed environment per rule context in which `e` is the
// event (or, for conditions over windows and sequences, the aggregates, the
// group key and the steps), with the rule functions bound to the context's
// geography and tables; expressions parsed and type-checked once when a rule
// loads, and the event activation built once per event and shared by every
// rule that looks at it. Nothing here may run at load time beyond parsing and
// checks, and a CEL runtime error is thrown to the caller, never swallowed.

import { Environment, type ParseResult, type ASTNode } from '@marcbachmann/cel-js';
import { zoneGuard } from './zone-guard.ts';
import type { IocEvent } from '../events/index.ts';
import { compileClosure, type Activation, type ClosureScope } from './cel-closures.ts';
import { baseContext, type RuleContext } from './context.ts';
import { celFunctions, celFunctionsByName, EVENT_TYPE_NAME, type CallProblem } from './functions.ts';
import { eventFields, type EventField } from './schema.ts';
import { closest, didYouMean } from './suggest.ts';

/**
 * The event as CEL sees it. Strings that the protobuf contract leaves empty
 * (`zone`, `unit`) are `""` rather than absent, as in proto3; optional numbers
 * (`value`, `lat`, `lon`) are absent when the event has none, so `has(e.value)`
 * is false and reading `e.value` is a CEL `no such key` error. `time` is a
 * CEL int (epoch ms), hence a bigint.
 */
class CelEvent implements Activation {
  readonly [field: string]: unknown;
  id!: string;
  type!: string;
  source!: string;
  unit!: string;
  zone!: string;
  attrs!: Readonly<Record<string, string>>;
  // Absent is undefined (not a missing property): one shape for every event, and
  // both the closures and cel-js read undefined as "no such field".
  value: number | undefined;
  lat: number | undefined;
  lon: number | undefined;
  private ms!: number;

  /** A CEL int is a bigint: made only when a rule reads the time, not for every event. */
  get time(): bigint {
    return BigInt(this.ms);
  }

  constructor(e: IocEvent) {
    this.load(e);
  }

  /** Becomes the view of another event (the shared activation is reused, not reallocated, per event). */
  load(e: IocEvent): void {
    this.id = e.id;
    this.type = e.type;
    this.source = e.source;
    this.ms = e.time;
    this.unit = e.unit ?? '';
    this.zone = e.zone ?? '';
    this.attrs = e.attrs;
    this.value = e.value;
    this.lat = e.lat;
    this.lon = e.lon;
  }
}

const eventFieldTypes = Object.fromEntries(Object.entries(eventFields).map(([k, f]) => [k, f.type]));

/** One CEL environment per rule context: the event type and the rule functions bound to the context's geography and tables. */
interface ContextEnv {
  /** Everything but variables; scopes clone it. */
  base: Environment;
  /** `e` is the event. */
  event: Environment;
  closures: ClosureScope;
}

const environments = new WeakMap<RuleContext, ContextEnv>();

function environmentOf(ctx: RuleContext): ContextEnv {
  let env = environments.get(ctx);
  if (env !== undefined) return env;
  const base = new Environment({ enableOptionalTypes: true }).registerType(EVENT_TYPE_NAME, { ctor: CelEvent, fields: eventFieldTypes });
  const functions = new Map<string, { params: readonly string[]; impl: (...args: never[]) => unknown }[]>();
  for (const f of celFunctions) {
    const impl = f.impl(ctx);
    const overloads: { params: readonly string[]; impl: (...args: never[]) => unknown }[] = [];
    for (const o of f.overloads) {
      base.registerFunction(`${f.name}(${o.params.join(', ')}): ${o.returns}`, impl as (...args: unknown[]) => unknown);
      overloads.push({ params: o.params, impl });
    }
    functions.set(f.name, overloads);
  }
  const event = base.clone().registerVariable('e', EVENT_TYPE_NAME, { description: 'The event being evaluated.' });
  env = { base, event, closures: { messages: new Map([[EVENT_TYPE_NAME, new Set(Object.keys(eventFields))]]), functions } };
  environments.set(ctx, env);
  return env;
}

interface EventActivation extends Activation {
  readonly e: CelEvent;
}

// Single-slot memo: the runtime asks every rule of a type about the same event
// object in a row, so the activation is loaded once per event, not per rule,
// into one object reused for every event (nothing keeps it: evaluation is
// synchronous). Identity is a safe key because the pipeline changes an event
// (zone enrichment) only before any rule sees it.
let lastEvent: IocEvent | undefined;
const shared: { readonly e: CelEvent } = { e: new CelEvent({ id: '', type: '', source: '', time: 0, attrs: {} }) };

function activationOf(e: IocEvent): EventActivation {
  if (e !== lastEvent) {
    shared.e.load(e);
    lastEvent = e;
  }
  return shared;
}

/** The event as CEL values see it, for activations other than `{ e }` (the steps of a sequence); a new object, safe to keep. */
export function celEvent(e: IocEvent): Activation {
  return new CelEvent(e);
}

/** A type-checked CEL expression over the variables of its scope. */
export interface CelExpr {
  readonly source: string;
  /** The CEL type the expression gives (`bool`, `double`, `dyn`, ...). */
  readonly type: string;
  /** How it runs: as JavaScript closures, or in the CEL interpreter when it uses more of CEL than the closures cover. */
  readonly engine: 'closure' | 'interpreter';
  /** Evaluates against an activation of the scope's variables; throws the CEL error when evaluation fails. */
  eval(a: Activation): unknown;
}

/** A type-checked CEL expression over the event `e`. */
export interface CelProgram extends CelExpr {
  /** Evaluates against the event; throws the CEL error when evaluation fails. */
  run(e: IocEvent): unknown;
  /** The districts the condition can be true in, when it says (see zone-guard.ts). */
  readonly zones: ReadonlySet<string> | undefined;
}

export interface CompileOptions {
  /** Always use the CEL interpreter (to compare it with the closures). */
  interpret?: boolean;
  /** Geography, tables and local time for the rule functions; Hanoi without tables when absent. */
  context?: RuleContext;
}

export type CelCompileResult<P = CelProgram> =
  | { ok: true; program: P }
  /** `offset` is where in `source` the problem is (0 when unknown). */
  | { ok: false; message: string; offset: number };

/**
 * Parses and type-checks an expression over the event `e` once.
 *
 * @example
 * const r = compileCel('e.value >= 2.0');
 * if (r.ok) r.program.run(event); // → true or false
 */
export function compileCel(source: string, opts: CompileOptions = {}): CelCompileResult {
  const ctx = opts.context ?? baseContext();
  const env = environmentOf(ctx);
  const r = compileIn(env.event, env.closures, ctx, source, opts);
  if (!r.ok) return r;
  const p = r.program;
  return { ok: true, program: { source, type: p.type, engine: p.engine, eval: p.eval, run: (e: IocEvent): unknown => p.eval(activationOf(e)), zones: r.ast ? zoneGuard(r.ast) : undefined } };
}

/** Variables of a scope other than the event scope: the steps of a sequence, aggregates, a group key. */
export interface ScopeSpec {
  /** Variables that are events (`rain`, `rise` in a sequence). */
  events?: readonly string[];
  /** Numeric variables: aggregates (`avg` is a double, `n` from count() an int). */
  numbers?: Readonly<Record<string, 'double' | 'int'>>;
  /** The names of the group key's values, read as `key.<name>`; no `key` variable when absent. */
  key?: readonly string[];
}

/** A scope compiled once per rule: its expressions and the constructor of its `key` values. */
export interface CelScope {
  compile(source: string, opts?: { interpret?: boolean }): CelCompileResult<CelExpr>;
  /** The `key` value of an activation, from the group values in `key` order. */
  makeKey(values: readonly string[]): Activation;
}

let keyTypes = 0;

/**
 * A CEL scope with its own variables, for the conditions over aggregates and
 * the steps of sequences.
 *
 * @example
 * const scope = celScope({ numbers: { avg: 'double', n: 'int' }, key: ['zone'] });
 * const r = scope.compile('avg > 150.0 && n >= 5 && key.zone == "hoan-kiem"');
 * if (r.ok) r.program.eval({ avg: 160, n: 7n, key: scope.makeKey(['hoan-kiem']) }); // → true
 */
export function celScope(spec: ScopeSpec, opts: CompileOptions = {}): CelScope {
  const ctx = opts.context ?? baseContext();
  const ctxEnv = environmentOf(ctx);
  const env = ctxEnv.base.clone();
  const messages = new Map(ctxEnv.closures.messages);
  for (const name of spec.events ?? []) env.registerVariable(name, EVENT_TYPE_NAME);
  for (const [name, type] of Object.entries(spec.numbers ?? {})) env.registerVariable(name, type);
  let makeKey: (values: readonly string[]) => Activation = () => ({});
  if (spec.key !== undefined) {
    const names = [...spec.key];
    // A class per scope: cel-js finds a value's type by its constructor.
    const Key = class implements Activation {
      readonly [name: string]: unknown;
    };
    const typeName = `ioc.v1.Key${++keyTypes}`;
    env.registerType(typeName, { ctor: Key, fields: Object.fromEntries(names.map((n) => [n, 'string'])) });
    env.registerVariable('key', typeName, { description: 'The group key values by name.' });
    messages.set(typeName, new Set(names));
    makeKey = (values) => {
      const k = new Key() as Record<string, unknown>;
      names.forEach((n, i) => (k[n] = values[i] ?? ''));
      return k;
    };
  }
  const closures: ClosureScope = { messages, functions: ctxEnv.closures.functions };
  const names: ScopeNames = { variables: [...(spec.events ?? []), ...Object.keys(spec.numbers ?? {}), ...(spec.key !== undefined ? ['key'] : [])], key: spec.key };
  return { compile: (source, o = {}) => compileIn(env, closures, ctx, source, { ...opts, ...o }, names), makeKey };
}

function compileIn(env: Environment, closures: ClosureScope, ctx: RuleContext, source: string, opts: CompileOptions, names?: ScopeNames): CelCompileResult<CelExpr> & { ast?: ASTNode } {
  let parsed: ParseResult;
  try {
    parsed = env.parse(source);
  } catch (err) {
    return failure(err, names);
  }
  // check() also annotates the AST with types, which the closures and the interpreter both rely on.
  const checked = parsed.check();
  if (!checked.valid) return failure(checked.error, names);
  const lint = checkCalls(parsed.ast, undefined, ctx);
  if (lint !== undefined) {
    const range = (lint.node as { range?: { start: number; end: number } }).range;
    const offset = range === undefined ? 0 : lint.atEnd !== undefined ? range.end - lint.atEnd : range.start;
    return { ok: false, message: lint.message, offset };
  }
  const type = checked.type ?? 'dyn';
  const closure = opts.interpret ? undefined : compileClosure(parsed.ast, closures);
  if (closure !== undefined) return { ok: true, program: { source, type, engine: 'closure', eval: closure }, ast: parsed.ast };
  return { ok: true, program: { source, type, engine: 'interpreter', eval: (a: Activation): unknown => parsed(a) }, ast: parsed.ast };
}

/** The load-time checks of the rule functions' literal arguments, anywhere in the tree. */
function checkCalls(node: ASTNode, parent: ASTNode | undefined, ctx: RuleContext): CallProblem | undefined {
  if (node.op === 'call') {
    const f = celFunctionsByName.get(node.args[0]);
    const problem = f?.check?.(ctx, node, parent);
    if (problem !== undefined) return problem;
  }
  const args = node.args as unknown;
  const children = Array.isArray(args) ? args.flat() : [args];
  for (const c of children) {
    if (c !== null && typeof c === 'object' && 'op' in c) {
      const problem = checkCalls(c as ASTNode, node, ctx);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

interface CelErrorLike {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
}

/** The names of a scope other than the event's: its variables, and the values of its group key. */
interface ScopeNames {
  variables: readonly string[];
  key: readonly string[] | undefined;
}

function failure(err: unknown, names?: ScopeNames): { ok: false; message: string; offset: number } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as CelErrorLike;
  const summary = e.summary ?? e.message ?? String(err);
  return { ok: false, message: explain(e.code, summary, names), offset: e.range?.start ?? 0 };
}

const fieldNames = Object.keys(eventFields) as EventField[];

/** Adds what an author needs to fix the common mistakes; `names` are the variables of a scope other than the event's. */
function explain(code: string | undefined, summary: string, names?: ScopeNames): string {
  const key = /^No such key: (.+)$/.exec(summary)?.[1];
  const variable = /^Unknown variable: (.+)$/.exec(summary)?.[1];
  if (names !== undefined) {
    if (variable !== undefined) return `unknown name \`${variable}\`${didYouMean(variable, names.variables)}; the names here are ${names.variables.join(', ')}`;
    if (code === 'no_such_key' && key !== undefined) {
      const candidates = [...(names.key ?? []), ...fieldNames].filter((n) => n !== key);
      const keyHas = names.key === undefined ? '' : `; key has ${names.key.length > 0 ? names.key.join(', ') : 'no values'} (from groupBy or sameKey)`;
      return `no field \`${key}\`${didYouMean(key, candidates)}${keyHas}`;
    }
  }
  if (code === 'no_such_key' && key !== undefined) {
    return `the event has no field \`${key}\`${didYouMean(key, fieldNames)}; its fields are ${fieldNames.join(', ')}`;
  }
  if (variable !== undefined) return `unknown name \`${variable}\`; the event is \`e\` (e.g. e.${closest(variable, fieldNames) ?? 'value'})`;
  if (/^no such overload: (int|double|uint) [-+*\/%] (int|double|uint)$/.test(summary) || /^no such overload: (int|double|uint) [!=]= (int|double|uint)$/.test(summary)) {
    return `${summary}: CEL does not mix int and double here; write 1.0 instead of 1, or convert with double(...)`;
  }
  return summary;
}
