// The aggregate state of a window pane as flat numbers: slot 0 counts the
// events, then each argument gets only the slots its aggregates need (sum,
// min, max, first and last with their times, Welford mean and M2). Distinct
// values and quantile sketches are the only objects. Panes merge (sliding
// windows, out-of-order events) and finish into the values `when` sees.
// Nothing here evaluates CEL or allocates per event beyond a sketch bucket.

import type { AggregatePlan, WindowPlan } from '../rules/index.ts';
import { QuantileSketch } from './sketch.ts';

const OP_SUM = 1;
const OP_MIN = 2;
const OP_MAX = 3;
const OP_FIRST = 4;
const OP_LAST = 5;
const OP_WELFORD = 6;

const QUANTILES: Readonly<Record<string, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** Counts are CEL ints (bigints); the small ones, which are nearly all, come from a table instead of an allocation. */
const SMALL_INTS = Array.from({ length: 4096 }, (_, i) => BigInt(i));

function int(n: number): bigint {
  return n < SMALL_INTS.length ? SMALL_INTS[n]! : BigInt(n);
}

/** What one aggregate reads when a window finishes. */
interface Output {
  fn: AggregatePlan['fn'];
  /** Slot of its numbers (sum, min, first's time, Welford mean), or the object index for distinct and quantiles. */
  at: number;
}

export class PaneLayout {
  /** Numbers per pane. */
  readonly width: number;
  /** Objects per pane (distinct sets, sketches). */
  readonly objects: number;
  /** (op, slot, arg) triples applied to each event. */
  private readonly ops: Int32Array;
  /** (kind 0 = distinct / 1 = sketch, arg) per object. */
  private readonly objectArgs: Int32Array;
  private readonly outputs: Output[];
  /** Initial numbers of an empty pane. */
  readonly empty: Float64Array;

  constructor(plan: WindowPlan) {
    let width = 1;
    let objects = 0;
    const ops: number[] = [];
    const objectArgs: number[] = [];
    const slots = new Map<string, number>();
    const objectOf = new Map<string, number>();
    const slot = (op: number, arg: number, size: number): number => {
      const k = `${op}:${arg}`;
      let at = slots.get(k);
      if (at === undefined) {
        at = width;
        width += size;
        slots.set(k, at);
        ops.push(op, at, arg);
      }
      return at;
    };
    const object = (kind: number, arg: number): number => {
      const k = `${kind}:${arg}`;
      let at = objectOf.get(k);
      if (at === undefined) {
        at = objects++;
        objectOf.set(k, at);
        objectArgs.push(kind, arg);
      }
      return at;
    };
    this.outputs = plan.aggregates.map((a): Output => {
      switch (a.fn) {
        case 'count':
        case 'rate':
          return { fn: a.fn, at: 0 };
        case 'sum':
        case 'avg':
          return { fn: a.fn, at: slot(OP_SUM, a.arg, 1) };
        case 'min':
          return { fn: a.fn, at: slot(OP_MIN, a.arg, 1) };
        case 'max':
          return { fn: a.fn, at: slot(OP_MAX, a.arg, 1) };
        case 'first':
          return { fn: a.fn, at: slot(OP_FIRST, a.arg, 2) };
        case 'last':
          return { fn: a.fn, at: slot(OP_LAST, a.arg, 2) };
        case 'stddev':
          return { fn: a.fn, at: slot(OP_WELFORD, a.arg, 2) };
        case 'distinct':
          return { fn: a.fn, at: object(0, a.arg) };
        default:
          return { fn: a.fn, at: object(1, a.arg) };
      }
    });
    this.width = width;
    this.objects = objects;
    this.ops = Int32Array.from(ops);
    this.objectArgs = Int32Array.from(objectArgs);
    this.empty = new Float64Array(width);
    for (let i = 0; i < ops.length; i += 3) {
      const op = ops[i]!;
      const at = ops[i + 1]!;
      if (op === OP_MIN) this.empty[at] = Infinity;
      else if (op === OP_MAX) this.empty[at] = -Infinity;
      else if (op === OP_FIRST) this.empty[at] = Infinity;
      else if (op === OP_LAST) this.empty[at] = -Infinity;
    }
  }

  /** Resets the pane at `base` of `panes` (and its objects) to empty. */
  reset(panes: Float64Array, base: number, objs: unknown[] | undefined, objBase: number): void {
    // A loop, not TypedArray#set: panes are a few numbers, and the builtin's call costs more than the copy.
    const empty = this.empty;
    for (let i = 0; i < empty.length; i++) panes[base + i] = empty[i]!;
    if (objs !== undefined) for (let i = 0; i < this.objects; i++) objs[objBase + i] = undefined;
  }

  /** Adds one event (time `t`, argument values `vals`, numbers already checked) to a pane. */
  add(panes: Float64Array, base: number, objs: unknown[] | undefined, objBase: number, t: number, vals: readonly unknown[]): void {
    const n = ++panes[base]!;
    const ops = this.ops;
    for (let i = 0; i < ops.length; i += 3) {
      const at = base + ops[i + 1]!;
      const v = vals[ops[i + 2]!] as number;
      switch (ops[i]) {
        case OP_SUM:
          panes[at]! += v;
          break;
        case OP_MIN:
          if (v < panes[at]!) panes[at] = v;
          break;
        case OP_MAX:
          if (v > panes[at]!) panes[at] = v;
          break;
        case OP_FIRST:
          if (t < panes[at]!) {
            panes[at] = t;
            panes[at + 1] = v;
          }
          break;
        case OP_LAST:
          if (t >= panes[at]!) {
            panes[at] = t;
            panes[at + 1] = v;
          }
          break;
        default: {
          // Welford: a running mean and sum of squared deviations, stable where sum of squares is not.
          const d = v - panes[at]!;
          panes[at]! += d / n;
          panes[at + 1]! += d * (v - panes[at]!);
        }
      }
    }
    const oa = this.objectArgs;
    for (let i = 0; i < oa.length; i += 2) {
      const k = objBase + (i >> 1);
      const v = vals[oa[i + 1]!];
      if (oa[i] === 0) {
        let set = objs![k] as Set<string> | undefined;
        if (set === undefined) objs![k] = set = new Set();
        set.add(typeof v === 'string' ? v : String(v));
      } else {
        let sk = objs![k] as QuantileSketch | undefined;
        if (sk === undefined) objs![k] = sk = new QuantileSketch();
        sk.add(v as number);
      }
    }
  }

  /**
   * Merges `count` panes (at `bases[i]` in `panes`, each after its pane number in a slot of
   * `stride` numbers; objects at `(bases[i] - 1) / stride * objects`) into `acc`: the close
   * of a window, one pass per aggregate slot.
   */
  mergeAll(acc: Float64Array, accObjs: unknown[], panes: Float64Array, bases: Int32Array, count: number, objs: unknown[] | undefined, objects: number, stride: number): void {
    if (count === 1) {
      const b = bases[0]!;
      for (let s = 0; s < this.width; s++) acc[s] = panes[b + s]!;
      if (objs !== undefined && objects > 0) this.merge(acc, accObjs, panes, b, objs, ((b - 1) / stride) * objects, true);
      return;
    }
    let n = 0;
    for (let i = 0; i < count; i++) n += panes[bases[i]!]!;
    const ops = this.ops;
    for (let j = 0; j < ops.length; j += 3) {
      const s = ops[j + 1]!;
      switch (ops[j]) {
        case OP_SUM: {
          let x = 0;
          for (let i = 0; i < count; i++) x += panes[bases[i]! + s]!;
          acc[s] = x;
          break;
        }
        case OP_MIN: {
          let x = Infinity;
          for (let i = 0; i < count; i++) {
            const v = panes[bases[i]! + s]!;
            if (v < x) x = v;
          }
          acc[s] = x;
          break;
        }
        case OP_MAX: {
          let x = -Infinity;
          for (let i = 0; i < count; i++) {
            const v = panes[bases[i]! + s]!;
            if (v > x) x = v;
          }
          acc[s] = x;
          break;
        }
        case OP_FIRST:
        case OP_LAST: {
          const first = ops[j] === OP_FIRST;
          let t = first ? Infinity : -Infinity;
          let v = 0;
          for (let i = 0; i < count; i++) {
            const pt = panes[bases[i]! + s]!;
            if (first ? pt < t : pt >= t) {
              t = pt;
              v = panes[bases[i]! + s + 1]!;
            }
          }
          acc[s] = t;
          acc[s + 1] = v;
          break;
        }
        default: {
          // Chan et al.: combine (n, mean, M2) pane by pane.
          let cn = 0;
          let mean = 0;
          let m2 = 0;
          for (let i = 0; i < count; i++) {
            const b = bases[i]!;
            const nb = panes[b]!;
            if (nb === 0) continue;
            const total = cn + nb;
            const d = panes[b + s]! - mean;
            mean += (d * nb) / total;
            m2 += panes[b + s + 1]! + (d * d * cn * nb) / total;
            cn = total;
          }
          acc[s] = mean;
          acc[s + 1] = m2;
        }
      }
    }
    acc[0] = n;
    if (objs === undefined || this.objects === 0) return;
    for (let i = 0; i < count; i++) this.merge(acc, accObjs, panes, bases[i]!, objs, ((bases[i]! - 1) / stride) * objects, true);
  }

  /** Merges the pane at `base` into the accumulator `acc` (same layout; objects merged into fresh ones). */
  merge(acc: Float64Array, accObjs: unknown[], panes: Float64Array, base: number, objs: unknown[] | undefined, objBase: number, objectsOnly = false): void {
    const nA = acc[0]!;
    const nB = panes[base]!;
    if (nB === 0) return;
    if (objectsOnly) {
      this.mergeObjects(accObjs, objs, objBase);
      return;
    }
    const ops = this.ops;
    for (let i = 0; i < ops.length; i += 3) {
      const s = ops[i + 1]!;
      const at = base + s;
      switch (ops[i]) {
        case OP_SUM:
          acc[s]! += panes[at]!;
          break;
        case OP_MIN:
          if (panes[at]! < acc[s]!) acc[s] = panes[at]!;
          break;
        case OP_MAX:
          if (panes[at]! > acc[s]!) acc[s] = panes[at]!;
          break;
        case OP_FIRST:
          if (panes[at]! < acc[s]!) {
            acc[s] = panes[at]!;
            acc[s + 1] = panes[at + 1]!;
          }
          break;
        case OP_LAST:
          if (panes[at]! >= acc[s]!) {
            acc[s] = panes[at]!;
            acc[s + 1] = panes[at + 1]!;
          }
          break;
        default: {
          // Chan et al.: combine two (n, mean, M2).
          const n = nA + nB;
          const d = panes[at]! - acc[s]!;
          acc[s]! += (d * nB) / n;
          acc[s + 1]! += panes[at + 1]! + (d * d * nA * nB) / n;
        }
      }
    }
    acc[0] = nA + nB;
    this.mergeObjects(accObjs, objs, objBase);
  }

  private mergeObjects(accObjs: unknown[], objs: unknown[] | undefined, objBase: number): void {
    if (objs === undefined) return;
    const oa = this.objectArgs;
    for (let i = 0; i < oa.length; i += 2) {
      const k = i >> 1;
      const from = objs[objBase + k];
      if (from === undefined) continue;
      if (oa[i] === 0) {
        let set = accObjs[k] as Set<string> | undefined;
        if (set === undefined) accObjs[k] = set = new Set();
        for (const v of from as Set<string>) set.add(v);
      } else {
        let sk = accObjs[k] as QuantileSketch | undefined;
        if (sk === undefined) accObjs[k] = sk = new QuantileSketch();
        sk.merge(from as QuantileSketch);
      }
    }
  }

  /** The aggregate values of a finished window, in plan order: bigints for count and distinct. */
  finish(acc: Float64Array, objs: readonly unknown[], windowMs: number, out: (number | bigint)[] = new Array(this.outputs.length)): (number | bigint)[] {
    const n = acc[0]!;
    const outputs = this.outputs;
    for (let i = 0; i < outputs.length; i++) out[i] = this.output(outputs[i]!, n, acc, objs, windowMs);
    return out;
  }

  private output(o: Output, n: number, acc: Float64Array, objs: readonly unknown[], windowMs: number): number | bigint {
      switch (o.fn) {
        case 'count':
          return int(n);
        case 'rate':
          return windowMs > 0 ? n / (windowMs / 60_000) : 0;
        case 'sum':
          return acc[o.at]!;
        case 'avg':
          return acc[o.at]! / n;
        case 'min':
        case 'max':
          return acc[o.at]!;
        case 'first':
        case 'last':
          return acc[o.at + 1]!;
        case 'stddev':
          return Math.sqrt(acc[o.at + 1]! / n);
        case 'distinct':
          return int((objs[o.at] as Set<string> | undefined)?.size ?? 0);
        default:
          return (objs[o.at] as QuantileSketch | undefined)?.quantile(QUANTILES[o.fn]!) ?? NaN;
      }
  }

  /**
   * Merges a pane that came as plain values (another process's share of the
   * same pane: `numbers` in this layout, `saved` objects as `saveObjects`
   * gives them) into the pane at `base`, in place.
   */
  absorb(panes: Float64Array, base: number, objs: unknown[] | undefined, objBase: number, numbers: readonly number[], saved: readonly unknown[] | null): void {
    if (numbers.length !== this.width) throw new RangeError(`a pane of this window has ${this.width} numbers, got ${numbers.length}`);
    const incoming = Float64Array.from(numbers, (v) => (typeof v === 'number' ? v : NaN));
    const incomingObjs: unknown[] = [];
    if (saved !== null && this.objects > 0) this.loadObjects(saved, incomingObjs, 0);
    const mine: unknown[] = [];
    if (objs !== undefined) for (let i = 0; i < this.objects; i++) mine.push(objs[objBase + i]);
    // An empty pane's numbers are its identity (0 count, ±Infinity extremes): merging into it is taking the other.
    this.merge(panes.subarray(base, base + this.width), mine, incoming, 0, this.objects > 0 ? incomingObjs : undefined, 0);
    if (objs !== undefined) for (let i = 0; i < this.objects; i++) objs[objBase + i] = mine[i];
  }

  /** A pane's objects as plain values. */
  saveObjects(objs: unknown[] | undefined, objBase: number): unknown[] | null {
    if (objs === undefined || this.objects === 0) return null;
    const out: unknown[] = [];
    for (let i = 0; i < this.objects; i++) {
      const o = objs[objBase + i];
      out.push(o === undefined ? null : o instanceof Set ? [...o] : (o as QuantileSketch).toJSON());
    }
    return out;
  }

  loadObjects(saved: readonly unknown[], objs: unknown[], objBase: number): void {
    for (let i = 0; i < this.objects; i++) {
      const o = saved[i];
      objs[objBase + i] = o === null || o === undefined ? undefined : this.objectArgs[2 * i] === 0 ? new Set(o as string[]) : QuantileSketch.fromJSON(o as number[]);
    }
  }
}
