// Compiles a type-checked CEL AST into plain JavaScript closures for the
// shapes rule conditions almost always take (variable and field reads,
// comparisons, `in` a literal list, &&/||/!, has(), string prefix tests,
// double arithmetic, calls of the rule functions in functions.ts).
// The CEL interpreter walks its tree with type dispatch at every node; a
// closure does the same work about ten times faster. It must give exactly the
// interpreter's result or error for every event, so anything outside the
// subset (macros, int arithmetic, string ordering, dyn) returns undefined and
// the caller keeps the interpreter.

import type { ASTNode } from '@marcbachmann/cel-js';

/** What a closure reads: the variables of its scope by name (`e`, aggregates, `key`, sequence steps). */
export interface Activation {
  readonly [name: string]: unknown;
}

export type Closure = (a: Activation) => unknown;

/** What the closures may rely on beyond the checked types. */
export interface ClosureScope {
  /** Field names of the message types (the event, group keys). */
  readonly messages: ReadonlyMap<string, ReadonlySet<string>>;
  /** Implementations of the rule functions, by name, one per overload. */
  readonly functions: ReadonlyMap<string, readonly { params: readonly string[]; impl: (...args: never[]) => unknown }[]>;
}

/** A CEL evaluation error raised by a closure, shaped like cel-js's own (`code`, `summary`). */
export class CelClosureError extends Error {
  constructor(
    readonly code: string,
    readonly summary: string,
  ) {
    super(summary);
    this.name = 'EvaluationError';
  }
}

const PRIMITIVE = new Set(['string', 'double', 'int', 'bool']);
const NUMERIC = new Set(['double', 'int']);

/**
 * The closure for a checked AST, or undefined when the expression leaves the
 * supported subset.
 *
 * @example
 * const parsed = env.parse('e.value >= 2.0'); parsed.check();
 * compileClosure(parsed.ast, scope)?.({ e: celEvent }) // → true
 */
export function compileClosure(ast: ASTNode, scope: ClosureScope): Closure | undefined {
  try {
    return build(ast, scope);
  } catch (err) {
    if (err === UNSUPPORTED) return undefined;
    throw err;
  }
}

const UNSUPPORTED = Symbol('unsupported');

function typeOf(node: ASTNode): string | undefined {
  return (node as { checkedType?: { name?: string } }).checkedType?.name;
}

function unsupported(): never {
  throw UNSUPPORTED;
}

function noSuchKey(key: string): CelClosureError {
  return new CelClosureError('no_such_key', `No such key: ${key}`);
}

function build(node: ASTNode, fields: ClosureScope): Closure {
  switch (node.op) {
    case 'value': {
      const c = constant(node);
      return c === NOT_CONSTANT ? unsupported() : () => c;
    }
    case 'id': {
      const name = node.args;
      return (a) => a[name];
    }
    case '.': {
      const [obj, key] = node.args;
      const known = fields.messages.get(typeOf(obj) ?? '');
      if (known !== undefined) {
        if (!known.has(key)) return unsupported();
        if (obj.op === 'id') {
          const name = obj.args;
          return (a) => {
            const v = (a[name] as Activation)[key];
            if (v === undefined) throw noSuchKey(key);
            return v;
          };
        }
        const message = build(obj, fields);
        return (a) => {
          const v = (message(a) as Activation)[key];
          if (v === undefined) throw noSuchKey(key);
          return v;
        };
      }
      if (isMap(obj)) {
        const map = build(obj, fields);
        return (e) => mapGet(map(e), key);
      }
      return unsupported();
    }
    case '[]': {
      const [obj, index] = node.args;
      if (!isMap(obj) || typeOf(index) !== 'string') return unsupported();
      const map = build(obj, fields);
      const key = build(index, fields);
      return (e) => mapGet(map(e), key(e) as string);
    }
    case 'call': {
      const [name, args] = node.args;
      if (name !== 'has') return call(name, args, fields);
      if (args.length !== 1) return unsupported();
      const target = args[0]!;
      if (target.op !== '.') return unsupported();
      const [obj, key] = target.args;
      const known = fields.messages.get(typeOf(obj) ?? '');
      if (known !== undefined) {
        if (!known.has(key)) return unsupported();
        const message = build(obj, fields);
        return (a) => (message(a) as Activation)[key] !== undefined;
      }
      if (!isMap(obj)) return unsupported();
      const map = build(obj, fields);
      return (e) => Object.hasOwn(map(e) as object, key);
    }
    case 'rcall': {
      const [name, receiver, args] = node.args;
      if (typeOf(receiver) !== 'string' || args.length !== 1 || typeOf(args[0]!) !== 'string') return unsupported();
      const r = build(receiver, fields);
      const a = build(args[0]!, fields);
      switch (name) {
        case 'startsWith':
          return (e) => (r(e) as string).startsWith(a(e) as string);
        case 'endsWith':
          return (e) => (r(e) as string).endsWith(a(e) as string);
        case 'contains':
          return (e) => (r(e) as string).includes(a(e) as string);
        default:
          return unsupported();
      }
    }
    case '&&': {
      const [l, r] = node.args.map((n) => bool(n, fields)) as [Closure, Closure];
      // CEL's commutative &&: false wins over an error on either side.
      return (e) => {
        let left: unknown;
        try {
          left = l(e);
        } catch (err) {
          if (r(e) === false) return false;
          throw err;
        }
        return left === false ? false : r(e);
      };
    }
    case '||': {
      const [l, r] = node.args.map((n) => bool(n, fields)) as [Closure, Closure];
      return (e) => {
        let left: unknown;
        try {
          left = l(e);
        } catch (err) {
          if (r(e) === true) return true;
          throw err;
        }
        return left === true ? true : r(e);
      };
    }
    case '!_': {
      const inner = bool(node.args, fields);
      return (e) => !inner(e);
    }
    case '-_': {
      const c = constant(node);
      if (c !== NOT_CONSTANT) return () => c;
      if (typeOf(node) !== 'double') return unsupported();
      const inner = build(node.args, fields);
      return (e) => -(inner(e) as number);
    }
    case '?:': {
      const [c, a, b] = node.args;
      const cond = bool(c, fields);
      const then = build(a, fields);
      const otherwise = build(b, fields);
      return (e) => (cond(e) ? then(e) : otherwise(e));
    }
    case '==':
    case '!=': {
      const [l, r] = node.args;
      const t = typeOf(l);
      if (t === undefined || t !== typeOf(r) || !PRIMITIVE.has(t)) return unsupported();
      const left = build(l, fields);
      const right = build(r, fields);
      return node.op === '==' ? (e) => left(e) === right(e) : (e) => left(e) !== right(e);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [l, r] = node.args;
      // JS compares number with bigint by mathematical value, as CEL compares double with int.
      if (!NUMERIC.has(typeOf(l) ?? '') || !NUMERIC.has(typeOf(r) ?? '')) return unsupported();
      const left = build(l, fields);
      const right = build(r, fields);
      switch (node.op) {
        case '<':
          return (e) => (left(e) as number) < (right(e) as number);
        case '<=':
          return (e) => (left(e) as number) <= (right(e) as number);
        case '>':
          return (e) => (left(e) as number) > (right(e) as number);
        default:
          return (e) => (left(e) as number) >= (right(e) as number);
      }
    }
    case 'in': {
      const [l, r] = node.args;
      const t = typeOf(l);
      if (r.op === 'list' && t !== undefined && PRIMITIVE.has(t)) {
        const items = r.args.map((n) => (typeOf(n) === t ? constant(n) : NOT_CONSTANT));
        if (items.includes(NOT_CONSTANT)) return unsupported();
        const set = new Set(items);
        const left = build(l, fields);
        return (e) => set.has(left(e) as never);
      }
      if (isMap(r) && t === 'string') {
        const left = build(l, fields);
        const map = build(r, fields);
        return (e) => Object.hasOwn(map(e) as object, left(e) as string);
      }
      return unsupported();
    }
    case '+':
    case '-':
    case '*':
    case '/': {
      const [l, r] = node.args;
      const t = typeOf(node);
      const left = build(l, fields);
      const right = build(r, fields);
      if (t === 'string' && node.op === '+' && typeOf(l) === 'string' && typeOf(r) === 'string') return (e) => (left(e) as string) + (right(e) as string);
      if (t !== 'double' || typeOf(l) !== 'double' || typeOf(r) !== 'double') return unsupported();
      switch (node.op) {
        case '+':
          return (e) => (left(e) as number) + (right(e) as number);
        case '-':
          return (e) => (left(e) as number) - (right(e) as number);
        case '*':
          return (e) => (left(e) as number) * (right(e) as number);
        default:
          return (e) => (left(e) as number) / (right(e) as number);
      }
    }
    default:
      return unsupported();
  }
}

const NOT_CONSTANT = Symbol('not constant');

/** The value of a literal, or of a minus sign before a numeric literal (`-2.25` parses as negation). */
function constant(node: ASTNode): unknown {
  if (node.op === 'value') {
    const v = node.args;
    return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? v : NOT_CONSTANT;
  }
  if (node.op === '-_' && node.args.op === 'value') {
    const v = node.args.args;
    if (typeof v === 'number') return -v;
    // -(-2^63) would overflow int64; leave that to the interpreter's error.
    if (typeof v === 'bigint' && v !== -(2n ** 63n)) return -v;
  }
  return NOT_CONSTANT;
}

/** A closure for a node the checker typed bool (dyn operands would need runtime checks: left to the interpreter). */
function bool(node: ASTNode, fields: ClosureScope): Closure {
  return typeOf(node) === 'bool' ? build(node, fields) : unsupported();
}

/** A call of a rule function whose overload the checker picked by argument types. */
function call(name: string, args: readonly ASTNode[], fields: ClosureScope): Closure {
  const types = args.map(typeOf);
  const overload = fields.functions.get(name)?.find((o) => o.params.length === types.length && o.params.every((p, i) => p === types[i]));
  if (overload === undefined) return unsupported();
  const f = overload.impl as (...a: unknown[]) => unknown;
  const a = args.map((n) => build(n, fields));
  switch (a.length) {
    case 1: {
      const [x] = a as [Closure];
      return (v) => f(x(v));
    }
    case 2: {
      const [x, y] = a as [Closure, Closure];
      return (v) => f(x(v), y(v));
    }
    case 3: {
      const [x, y, z] = a as [Closure, Closure, Closure];
      return (v) => f(x(v), y(v), z(v));
    }
    default:
      return (v) => f(...a.map((c) => c(v)));
  }
}

function isMap(node: ASTNode): boolean {
  return typeOf(node)?.startsWith('map<string, ') ?? false;
}

function mapGet(map: unknown, key: string): unknown {
  const m = map as Record<string, unknown>;
  if (!Object.hasOwn(m, key)) throw noSuchKey(key);
  return m[key];
}
