// The functions rules may call in CEL besides CEL's own: geography (`distance`,
// `within`, `near`, `cell`), reference tables (`ref`) and local time (`hour`,
// `season`). Declared once: the CEL environment registers them, the closure
// compiler calls the same implementations, the loader checks their literal
// arguments, and docs/rules.md lists them from here. An implementation throws
// a CEL-shaped error for bad input; it never returns a made-up value.

import type { ASTNode } from '@marcbachmann/cel-js';
import { CelClosureError } from './cel-closures.ts';
import { MIN_CELL_METERS } from '../geo/index.ts';
import type { RuleContext } from './context.ts';
import { didYouMean } from './suggest.ts';

/** The CEL type name of events (`e`, and the steps of a sequence). */
export const EVENT_TYPE_NAME = 'ioc.v1.Event';

/** What the implementations read from an event (the CEL view of it, see cel.ts). */
interface EventView {
  readonly lat?: number;
  readonly lon?: number;
  readonly zone: string;
  readonly time: bigint;
}

export interface CelFunctionOverload {
  /** CEL parameter types. */
  params: readonly string[];
  returns: string;
}

/** A problem with a call's literal arguments: at `node`, or at its end when `atEnd` (a `.column` after the call). */
export interface CallProblem {
  node: ASTNode;
  message: string;
  atEnd?: number;
}

export interface CelFunction {
  name: string;
  overloads: readonly CelFunctionOverload[];
  description: string;
  example: string;
  /** The implementation for a context; arguments as CEL passes them (ints are bigints). */
  impl(ctx: RuleContext): (...args: never[]) => unknown;
  /** Problems with literal arguments, found at load (unknown zone, table, column ...). */
  check?(ctx: RuleContext, call: ASTNode & { op: 'call' }, parent: ASTNode | undefined): CallProblem | undefined;
}

function noSuchKey(key: string): CelClosureError {
  return new CelClosureError('no_such_key', `No such key: ${key}`);
}

function position(e: EventView): [number, number] {
  if (e.lat === undefined) throw noSuchKey('lat');
  if (e.lon === undefined) throw noSuchKey('lon');
  return [e.lat, e.lon];
}

function literal(node: ASTNode | undefined): unknown {
  if (node === undefined) return undefined;
  if (node.op === 'value') return node.args;
  if (node.op === '-_' && node.args.op === 'value') {
    const v = node.args.args;
    return typeof v === 'number' ? -v : typeof v === 'bigint' ? -v : undefined;
  }
  return undefined;
}

function localDate(ctx: RuleContext, e: EventView): Date {
  return new Date(Number(e.time) + ctx.utcOffsetMinutes * 60_000);
}

/** Every function, in the order docs/rules.md lists them. */
export const celFunctions: readonly CelFunction[] = [
  {
    name: 'distance',
    overloads: [{ params: [EVENT_TYPE_NAME, 'double', 'double'], returns: 'double' }],
    description: 'Meters from the event position (`lat`, `lon`) to a point. An event without a position is an evaluation error, like reading `e.lat`.',
    example: 'distance(e, 21.0285, 105.8542) < 500.0',
    impl: (ctx) => (e: EventView, lat: number, lon: number) => {
      const [a, b] = position(e);
      return ctx.geo.distance(a, b, lat, lon);
    },
  },
  {
    name: 'within',
    overloads: [{ params: [EVENT_TYPE_NAME, 'string'], returns: 'bool' }],
    description: 'True when the event position lies in the zone (a district id). An event without a position is within the zone it names in `zone`.',
    example: 'within(e, "hoan-kiem")',
    impl: (ctx) => (e: EventView, zone: string) => (e.lat === undefined || e.lon === undefined ? e.zone === zone : ctx.geo.inZone(zone, e.lat, e.lon)),
    check(ctx, call) {
      const arg = call.args[1][1];
      const zone = literal(arg);
      if (typeof zone === 'string' && !ctx.geo.hasZone(zone)) return { node: arg!, message: `unknown zone \`${zone}\`` };
      return undefined;
    },
  },
  {
    name: 'near',
    overloads: [
      { params: [EVENT_TYPE_NAME, 'string', 'double'], returns: 'bool' },
      { params: [EVENT_TYPE_NAME, 'string', 'int'], returns: 'bool' },
    ],
    description: 'True when the event position is at most that many meters from a point of interest (pumping station, underpass, hospital) of the geography. An event without a position is an evaluation error.',
    example: 'near(e, "underpass-kim-lien", 300)',
    impl: (ctx) => (e: EventView, id: string, meters: number | bigint) => {
      const p = ctx.geo.poi(id);
      if (p === undefined) throw new CelClosureError('no_such_key', `unknown point of interest: ${id}`);
      const [a, b] = position(e);
      return ctx.geo.distance(a, b, p.lat, p.lon) <= Number(meters);
    },
    check(ctx, call) {
      const arg = call.args[1][1];
      const id = literal(arg);
      if (typeof id === 'string' && ctx.geo.poi(id) === undefined) return { node: arg!, message: `unknown point of interest \`${id}\`` };
      return undefined;
    },
  },
  {
    name: 'cell',
    overloads: [
      { params: [EVENT_TYPE_NAME, 'int'], returns: 'string' },
      { params: [EVENT_TYPE_NAME, 'double'], returns: 'string' },
    ],
    description: `The square grid cell, about that many meters wide, that holds the event position, named by its size and center (\`"500m@21.02839,105.85410"\`, engine/geo's \`cellOf\`). Made for \`groupBy\`: counting events per cell finds clusters (see decision 0214 for what a grid can and cannot see). At least ${MIN_CELL_METERS} m. An event without a position is an evaluation error.`,
    example: 'cell(e, 500)',
    impl: (ctx) => (e: EventView, meters: number | bigint) => {
      const [a, b] = position(e);
      return ctx.geo.cell(a, b, Number(meters));
    },
    check(_ctx, call) {
      const arg = call.args[1][1];
      const m = literal(arg);
      if ((typeof m === 'number' || typeof m === 'bigint') && Number(m) < MIN_CELL_METERS) return { node: arg!, message: `cell size must be at least ${MIN_CELL_METERS} meters` };
      return undefined;
    },
  },
  {
    name: 'ref',
    overloads: [
      { params: ['string', 'string'], returns: 'map<string, dyn>' },
      { params: ['string', 'string', 'string'], returns: 'map<string, dyn>' },
      { params: ['string', 'string', 'string', 'string'], returns: 'map<string, dyn>' },
    ],
    description:
      'The row of a reference table (`rules/reference/`, `rules/registry/`) for the key values, one per key column: read a column with `.column`. A row whose key column holds `*` matches any value, so a table can give defaults. No matching row is an evaluation error (the rule skips the event and the error is counted); the table and column names are checked when the rule loads.',
    example: 'e.value >= ref("aq-thresholds", e.zone, season(e)).pm25_alert',
    impl: (ctx) => (table: string, ...keys: string[]) => {
      const t = ctx.tables.get(table);
      if (t === undefined) throw new CelClosureError('no_such_key', `unknown reference table: ${table}`);
      const row = t.lookup(keys);
      if (row === undefined) throw new CelClosureError('no_such_key', `no row (${keys.join(', ')}) in reference table ${table}, and no default row (*)`);
      return row;
    },
    check(ctx, call, parent) {
      const [, args] = call.args;
      const name = literal(args[0]);
      if (typeof name !== 'string') return { node: args[0]!, message: 'the table name must be a string literal' };
      const t = ctx.tables.get(name);
      if (t === undefined) {
        const known = [...ctx.tables.keys()];
        return { node: args[0]!, message: `unknown reference table \`${name}\`${didYouMean(name, known) || (known.length > 0 ? `; the tables are ${known.join(', ')}` : '; there are no tables in rules/reference or rules/registry')}` };
      }
      if (args.length - 1 !== t.key.length) return { node: call, message: `table \`${name}\` is keyed by ${t.key.join(', ')}: give ${t.key.length} key value(s), not ${args.length - 1}` };
      if (parent?.op === '.' && parent.args[0] === call) {
        const col = parent.args[1];
        if (!t.columns.has(col)) return { node: parent, atEnd: col.length, message: `table \`${name}\` has no column \`${col}\`${didYouMean(col, [...t.columns.keys()]) || `; its columns are ${[...t.columns.keys()].join(', ')}`}` };
      }
      return undefined;
    },
  },
  {
    name: 'hour',
    overloads: [{ params: [EVENT_TYPE_NAME], returns: 'int' }],
    description: 'The local hour of the event time (0-23; Hanoi time, UTC+7), for thresholds by time of day.',
    example: 'hour(e) >= 22 || hour(e) < 6',
    impl: (ctx) => (e: EventView) => BigInt(localDate(ctx, e).getUTCHours()),
  },
  {
    name: 'season',
    overloads: [{ params: [EVENT_TYPE_NAME], returns: 'string' }],
    description: '`"wet"` (May to October in Hanoi) or `"dry"`, from the local month of the event time; a key for thresholds by season.',
    example: 'ref("aq-thresholds", e.zone, season(e)).pm25_alert',
    impl: (ctx) => (e: EventView) => (ctx.wetMonths.has(localDate(ctx, e).getUTCMonth() + 1) ? 'wet' : 'dry'),
  },
];

export const celFunctionsByName: ReadonlyMap<string, CelFunction> = new Map(celFunctions.map((f) => [f.name, f]));

/** The signature as docs print it: `near(event, string, double|int): bool`. */
export function signatureOf(f: CelFunction): string {
  const pretty = (t: string) => (t === EVENT_TYPE_NAME ? 'event' : t);
  const arity = new Set(f.overloads.map((o) => o.params.length));
  if (arity.size === 1) {
    const params = f.overloads[0]!.params.map((_, i) => [...new Set(f.overloads.map((o) => pretty(o.params[i]!)))].join('|'));
    return `${f.name}(${params.join(', ')}): ${f.overloads[0]!.returns}`;
  }
  // Overloads that only add arguments of the same type read as one variadic signature.
  const shortest = f.overloads.reduce((a, b) => (a.params.length <= b.params.length ? a : b));
  return `${f.name}(${shortest.params.map(pretty).join(', ')}, ...): ${shortest.returns}`;
}
