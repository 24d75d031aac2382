// CEL for rules: one typed environment in which `e` is the event, expressions
// parsed and type-checked once when a rule loads, and the evaluation
// activation built once per event and shared by every rule that looks at it.
// Nothing here may run at load time beyond parsing and type checks, and a
// CEL runtime error (a missing field) is thrown to the caller, never swallowed.

import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { IocEvent } from '../events/index.ts';
import { compileClosure, type ClosureEvent } from './cel-closures.ts';
import { eventFields, type EventField } from './schema.ts';
import { closest, didYouMean } from './suggest.ts';

/**
 * The event as CEL sees it. Strings that the protobuf contract leaves empty
 * (`zone`, `unit`) are `""` rather than absent, as in proto3; optional numbers
 * (`value`, `lat`, `lon`) are absent when the event has none, so `has(e.value)`
 * is false and reading `e.value` is a CEL `no such key` error. `time` is a
 * CEL int (epoch ms), hence a bigint.
 */
class CelEvent implements ClosureEvent {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time: bigint;
  readonly unit: string;
  readonly zone: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly value?: number;
  readonly lat?: number;
  readonly lon?: number;

  constructor(e: IocEvent) {
    this.id = e.id;
    this.type = e.type;
    this.source = e.source;
    this.time = BigInt(e.time);
    this.unit = e.unit ?? '';
    this.zone = e.zone ?? '';
    this.attrs = e.attrs;
    if (e.value !== undefined) this.value = e.value;
    if (e.lat !== undefined) this.lat = e.lat;
    if (e.lon !== undefined) this.lon = e.lon;
  }
}

/** The CEL type name of the event. */
const EVENT_TYPE_NAME = 'ioc.v1.Event';

// Building an Environment is expensive: one for the process. Functions the
// later geography work adds (distance, within, near) are registered here.
const environment = new Environment({ enableOptionalTypes: true })
  .registerType(EVENT_TYPE_NAME, { ctor: CelEvent, fields: Object.fromEntries(Object.entries(eventFields).map(([k, f]) => [k, f.type])) })
  .registerVariable('e', EVENT_TYPE_NAME, { description: 'The event being evaluated.' });

interface Activation {
  readonly e: CelEvent;
}

// Single-slot memo: the tracker asks every rule of a type about the same event
// object in a row, so the activation is built once per event, not per rule.
// Identity is a safe key because the pipeline changes an event (zone
// enrichment) only before any rule sees it.
let lastEvent: IocEvent | undefined;
let lastActivation: Activation | undefined;

function activationOf(e: IocEvent): Activation {
  if (e !== lastEvent) {
    lastActivation = { e: new CelEvent(e) };
    lastEvent = e;
  }
  return lastActivation!;
}

/** A type-checked CEL expression over the event `e`. */
export interface CelProgram {
  readonly source: string;
  /** The CEL type the expression gives (`bool`, `double`, `dyn`, ...). */
  readonly type: string;
  /** How it runs: as JavaScript closures, or in the CEL interpreter when it uses more of CEL than the closures cover. */
  readonly engine: 'closure' | 'interpreter';
  /** Evaluates against the event; throws the CEL error when evaluation fails. */
  run(e: IocEvent): unknown;
}

export interface CompileOptions {
  /** Always use the CEL interpreter (to compare it with the closures). */
  interpret?: boolean;
}

export type CelCompileResult =
  | { ok: true; program: CelProgram }
  /** `offset` is where in `source` the problem is (0 when unknown). */
  | { ok: false; message: string; offset: number };

/**
 * Parses and type-checks an expression once.
 *
 * @example
 * const r = compileCel('e.value >= 2.0');
 * if (r.ok) r.program.run(event); // → true or false
 */
export function compileCel(source: string, opts: CompileOptions = {}): CelCompileResult {
  let parsed: ParseResult;
  try {
    parsed = environment.parse(source);
  } catch (err) {
    return failure(err);
  }
  // check() also annotates the AST with types, which the closures and the interpreter both rely on.
  const checked = parsed.check();
  if (!checked.valid) return failure(checked.error);
  const type = checked.type ?? 'dyn';
  const closure = opts.interpret ? undefined : compileClosure(parsed.ast, fieldSet);
  if (closure !== undefined) {
    return { ok: true, program: { source, type, engine: 'closure', run: (e: IocEvent): unknown => closure(activationOf(e).e) } };
  }
  return { ok: true, program: { source, type, engine: 'interpreter', run: (e: IocEvent): unknown => parsed(activationOf(e)) } };
}

interface CelErrorLike {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
}

function failure(err: unknown): { ok: false; message: string; offset: number } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as CelErrorLike;
  const summary = e.summary ?? e.message ?? String(err);
  return { ok: false, message: explain(e.code, summary), offset: e.range?.start ?? 0 };
}

const fieldNames = Object.keys(eventFields) as EventField[];
const fieldSet: ReadonlySet<string> = new Set(fieldNames);

/** Adds what an author needs to fix the common mistakes. */
function explain(code: string | undefined, summary: string): string {
  const key = /^No such key: (.+)$/.exec(summary)?.[1];
  if (code === 'no_such_key' && key !== undefined) {
    return `the event has no field \`${key}\`${didYouMean(key, fieldNames)}; its fields are ${fieldNames.join(', ')}`;
  }
  const variable = /^Unknown variable: (.+)$/.exec(summary)?.[1];
  if (variable !== undefined) return `unknown name \`${variable}\`; the event is \`e\` (e.g. e.${closest(variable, fieldNames) ?? 'value'})`;
  if (/^no such overload: (int|double|uint) [-+*\/%] (int|double|uint)$/.test(summary) || /^no such overload: (int|double|uint) [!=]= (int|double|uint)$/.test(summary)) {
    return `${summary}: CEL does not mix int and double here; write 1.0 instead of 1, or convert with double(...)`;
  }
  return summary;
}
