// City-wide windows from per-partition partial aggregates. A window rule
// keyed by something that spans zones (an event type, a river, the city) is
// aggregated in every partition over that partition's events only: at each
// pane end the partition hands on its pane (count, sums, extremes, distinct
// sets, quantile sketches: everything merges) with its watermark. Here, in
// the city slot's process, the panes of all partitions are merged into one
// runtime holding the same rules, and its windows close when every partition
// has passed their end: the combined watermark is the least of the
// partitions'. What comes out is what one engine over every event would
// give, for a fraction of the traffic (one pane per key and slide per
// partition instead of every event).
//
// Exactly once: a partition hands on each pane in a commit, before it
// acknowledges the events; after a restart it may hand on the same panes
// again, so the last pane end taken from each partition and window is kept
// and anything not after it is a repeat. Panes wait here until every
// partition has passed their end, then merge in pane order, so the runtime
// never holds more panes than one window and its lateness.

import type { PanePartial, Runtime } from '../runtime/index.ts';

/** What a partition hands on in one commit. */
export interface PartialReport {
  partition: number;
  /** The partition's watermark: every pane ending at or before it is in this report or an earlier one. */
  watermark: number;
  panes: PanePartial[];
}

export interface CombineCounts {
  /** Panes merged into the city's windows. */
  absorbed: number;
  /** Panes seen before (a partition's replay after a restart). */
  repeated: number;
  /** Panes whose windows had closed here already (a partition that joined late). */
  late: number;
  /** Panes of a window no rule here holds (partitions running another version of the rules). */
  unknown: number;
  /** Panes that could not be merged (another pane layout under the same window: a rolling upgrade); left out. */
  invalid: number;
}

interface Waiting {
  partition: number;
  pane: PanePartial;
}

/** The combining state, without I/O: reports in, alerts out of `runtime.takeChanges()`. */
export class CityCombine {
  /** Each partition's watermark, as last reported. */
  private readonly progress = new Map<number, number>();
  /** `partition/state` → the last pane end taken. */
  private readonly lastEnd = new Map<string, number>();
  /** Panes not yet merged: some partition has not passed their end. */
  private waiting: Waiting[] = [];
  /** Partitions known to hold events: nothing closes before each has reported. */
  private readonly expected = new Set<number>();
  readonly counts: CombineCounts = { absorbed: 0, repeated: 0, late: 0, unknown: 0, invalid: 0 };
  /** The last pane that could not be merged, and why (for the log). */
  lastInvalid: string | undefined;

  constructor(readonly runtime: Runtime) {}

  /** Takes one report (in the order the partition sent them). */
  offer(report: PartialReport): void {
    const p = report.partition;
    for (const pane of report.panes) {
      const k = `${p}/${pane.state}`;
      if (pane.end <= (this.lastEnd.get(k) ?? -Infinity)) {
        this.counts.repeated++;
        continue;
      }
      this.lastEnd.set(k, pane.end);
      if (pane.rows.length === 0) continue; // a pane end with nothing in it: progress only
      if (pane.end <= this.runtime.watermark()) {
        this.counts.late++;
        continue;
      }
      this.waiting.push({ partition: p, pane });
    }
    if (report.watermark > (this.progress.get(p) ?? -Infinity)) this.progress.set(p, report.watermark);
  }

  /**
   * Partitions that hold events (their stream says so): the combined
   * watermark waits until each of them has reported, so a partition whose
   * process starts later than the others does not find its first windows
   * closed. A partition without events cannot be waited for (it has no
   * watermark to report); one first heard after the city moved on has its
   * earlier panes counted late.
   */
  expect(partitions: Iterable<number>): void {
    for (const p of partitions) this.expected.add(p);
  }

  /** The least watermark of the partitions heard from (-Infinity before any, or while an expected one is silent). */
  watermark(): number {
    for (const p of this.expected) if (!this.progress.has(p)) return -Infinity;
    let w = Infinity;
    for (const v of this.progress.values()) if (v < w) w = v;
    return w === Infinity ? -Infinity : w;
  }

  /** Expected partitions not heard from yet. */
  silent(): number[] {
    return [...this.expected].filter((p) => !this.progress.has(p)).sort((a, b) => a - b);
  }

  /** Partitions heard from and their watermarks (for status and metrics). */
  partitions(): ReadonlyMap<number, number> {
    return this.progress;
  }

  /**
   * Merges the panes every partition has passed, pane end by pane end (the
   * windows ending before a pane close before it merges), then moves the
   * runtime to the combined watermark: windows close and alerts change.
   */
  advance(): void {
    const w = this.watermark();
    if (!(w > this.runtime.watermark())) return;
    const due: Waiting[] = [];
    const later: Waiting[] = [];
    for (const x of this.waiting) (x.pane.end <= w ? due : later).push(x);
    this.waiting = later;
    due.sort((a, b) => a.pane.end - b.pane.end);
    for (const { pane } of due) {
      this.runtime.advanceWatermark(pane.end - 1);
      try {
        const verdict = this.runtime.absorb(pane);
        if (verdict === 'absorbed') this.counts.absorbed++;
        else this.counts[verdict]++;
      } catch (err) {
        // One bad pane must not stop the city's windows (nor crash the process holding them).
        this.counts.invalid++;
        this.lastInvalid = `${pane.rule} pane ending ${new Date(pane.end).toISOString()}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    this.runtime.advanceWatermark(w);
  }

  /** Everything but the runtime's own state, JSON-safe. */
  snapshot(): unknown {
    return { v: 1, progress: [...this.progress], lastEnd: [...this.lastEnd], waiting: this.waiting.map((x) => [x.partition, x.pane]) };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as { v: number; progress: [number, number][]; lastEnd: [string, number][]; waiting: [number, PanePartial][] };
    if (s.v !== 1) throw new Error(`unknown city combine snapshot version ${String(s.v)}`);
    this.progress.clear();
    for (const [p, w] of s.progress) this.progress.set(p, w);
    this.lastEnd.clear();
    for (const [k, e] of s.lastEnd) this.lastEnd.set(k, e);
    this.waiting = s.waiting.map(([partition, pane]) => ({ partition, pane }));
  }
}
