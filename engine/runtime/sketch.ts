// A DDSketch (Masson, Rim, Lee, VLDB 2019): quantiles with a relative error
// bound, mergeable by adding bucket counts, so sliding-window panes merge
// exactly. Values map to buckets ⌈log_γ(x)⌉ with γ = (1+α)/(1−α); any
// quantile is returned within α·|x| of a true sample value of that rank.
// Small and allocation-light on purpose: it lives in every pane of every
// key of a percentile rule, and must serialize to plain numbers.

/** Relative accuracy of every sketch: 1%. */
export const SKETCH_ALPHA = 0.01;
const GAMMA = (1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA);
const LN_GAMMA = Math.log(GAMMA);
/** Values closer to 0 than this count as 0 (no bucket could hold them with the bound). */
const MIN_INDEXABLE = 1e-9;

/** Buckets of one sign: a Map from bucket index to count. */
type Buckets = Map<number, number>;

export class QuantileSketch {
  private pos: Buckets = new Map();
  private neg: Buckets = new Map();
  private zeros = 0;
  count = 0;

  add(x: number): void {
    this.count++;
    if (x > MIN_INDEXABLE) bump(this.pos, Math.ceil(Math.log(x) / LN_GAMMA), 1);
    else if (x < -MIN_INDEXABLE) bump(this.neg, Math.ceil(Math.log(-x) / LN_GAMMA), 1);
    else this.zeros++;
  }

  /** Adds another sketch's counts (the merge of two panes). */
  merge(other: QuantileSketch): void {
    this.count += other.count;
    this.zeros += other.zeros;
    for (const [i, c] of other.pos) bump(this.pos, i, c);
    for (const [i, c] of other.neg) bump(this.neg, i, c);
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) by the lower rank convention, NaN when empty.
   *
   * @example
   * const s = new QuantileSketch(); for (let i = 1; i <= 100; i++) s.add(i);
   * s.quantile(0.5) // → 50 ± 1%
   */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.floor(q * (this.count - 1));
    let seen = 0;
    // Negative values, most negative first: larger index = larger magnitude.
    const negKeys = [...this.neg.keys()].sort((a, b) => b - a);
    for (const i of negKeys) {
      seen += this.neg.get(i)!;
      if (seen > rank) return -value(i);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const posKeys = [...this.pos.keys()].sort((a, b) => a - b);
    for (const i of posKeys) {
      seen += this.pos.get(i)!;
      if (seen > rank) return value(i);
    }
    return value(posKeys[posKeys.length - 1]!);
  }

  /** Plain numbers: `[zeros, n_pos, i, c, i, c, ..., n_neg, i, c, ...]`. */
  toJSON(): number[] {
    const out = [this.zeros, this.pos.size];
    for (const [i, c] of this.pos) out.push(i, c);
    out.push(this.neg.size);
    for (const [i, c] of this.neg) out.push(i, c);
    return out;
  }

  static fromJSON(a: readonly number[]): QuantileSketch {
    const s = new QuantileSketch();
    let k = 0;
    s.zeros = a[k++]!;
    s.count = s.zeros;
    for (let n = a[k++]!; n > 0; n--) {
      const c = a[k + 1]!;
      s.pos.set(a[k]!, c);
      s.count += c;
      k += 2;
    }
    for (let n = a[k++]!; n > 0; n--) {
      const c = a[k + 1]!;
      s.neg.set(a[k]!, c);
      s.count += c;
      k += 2;
    }
    return s;
  }
}

function bump(b: Buckets, i: number, c: number): void {
  b.set(i, (b.get(i) ?? 0) + c);
}

/** The value a bucket stands for: the point with equal relative error to both bucket bounds. */
function value(i: number): number {
  return (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
}
