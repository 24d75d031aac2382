// Tumbling and sliding windows per group key, in event time. Each key keeps a
// ring of panes (one per `slide`, plus enough to cover the allowed lateness)
// as flat numbers; a window is the merge of its `size / slide` panes, closed
// and evaluated when the watermark passes its end (aligned to the epoch, so
// every key of a rule closes together and one loop serves them all). A key
// with no events in a closing window has no data: its alert resolves. Keys
// whose panes are all behind every open window are dropped. The state is
// columnar (one typed array, a row per key) because the close loop visits
// every key every slide: it must read memory in order. Rules that hold the
// same window (same `on`, `where`, `groupBy`, `window`, `aggregate`) share one
// store and differ only in what they conclude from it.

import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { Activation, CompiledRule, WindowPlan } from '../rules/index.ts';
import { PaneLayout } from './aggregates.ts';
import { AlertBook } from './alert-book.ts';
import type { ContextOps, Executor, RuntimeCore } from './executor.ts';
import { distinctOnly, readArgs } from './window-args.ts';

/**
 * One key's share of a closed pane, as a partition hands it to the city
 * slot: the key, its values (0 when the key is its only value), the facts of
 * its first event, the pane's numbers (PaneLayout order) and its objects.
 */
export type PartialRow = [key: string, values: 0 | readonly string[], source: string, zone: string, type: string, numbers: number[], objects: unknown[] | null];

/** A pane of a city-wide window that one partition closed: every key with data in it (none is a progress report). */
export interface PanePartial {
  /** The rule that feeds the window (diagnostics). */
  rule: string;
  /** The window's state identity (`on`, `where`, `groupBy`, `window`, `aggregate`): where the combiner merges it. */
  state: string;
  /** The pane's end, epoch ms: it holds events in [end - slide, end). */
  end: number;
  rows: PartialRow[];
}

/** What an alert of a windowed rule remembers of its window. */
export interface WindowCtx {
  values: readonly string[];
  aggs: readonly (number | bigint)[];
  /** Where the alert points: the source, zone and type of the group's first event; no single event id. */
  id: string;
  source: string;
  zone: string;
  type: string;
  /** Built on first use, not saved. */
  act?: Activation;
}

export function windowOps(x: { rule: CompiledRule }): ContextOps<WindowCtx> {
  return {
    render: (c) => x.rule.window!.render(activation(x.rule, c)),
    facts: (c) => ({ zone: c.zone, source: c.source, eventId: c.id, eventType: c.type, value: c.aggs.length > 0 ? Number(c.aggs[0]) : undefined, values: aggregateValues(x.rule, c) }),
    dedupKey: (c) => x.rule.window!.dedupKey!(activation(x.rule, c)),
    save: (c) => [c.values, c.aggs.map((v) => (typeof v === 'bigint' ? `${v}n` : Number.isNaN(v) ? null : v)), c.id, c.source, c.zone, c.type],
    load: (j) => {
      const [values, aggs, id, source, zone, type] = j as [string[], (number | string | null)[], string, string, string, string];
      return { values, aggs: aggs.map((v) => (typeof v === 'string' ? BigInt(v.slice(0, -1)) : v === null ? NaN : v)), id, source, zone, type };
    },
  };
}

/** The window's aggregates by name, as numbers (finite ones only): the evidence an alert carries. */
function aggregateValues(rule: CompiledRule, c: WindowCtx): Record<string, number> {
  const out: Record<string, number> = {};
  const aggs = rule.window!.aggregates;
  for (let i = 0; i < aggs.length; i++) {
    const v = Number(c.aggs[i]);
    if (Number.isFinite(v)) out[aggs[i]!.name] = v;
  }
  return out;
}

/** The activation of `when`, `clear` and the message: the aggregates by name and `key`. */
export function activation(rule: CompiledRule, c: WindowCtx): Activation {
  if (c.act !== undefined) return c.act;
  const a: Record<string, unknown> = { key: rule.key.makeKey(c.values) };
  const aggs = rule.window!.aggregates;
  for (let i = 0; i < aggs.length; i++) a[aggs[i]!.name] = c.aggs[i];
  c.act = a;
  return a;
}

export class WindowExecutor implements Executor {
  readonly book: AlertBook<WindowCtx>;
  store: WindowStore;
  /** After a restart of the rule: kept alerts are not resolved for lack of data before this window end. */
  graceUntil = -Infinity;

  constructor(
    public rule: CompiledRule,
    core: RuntimeCore,
    out: Alert[],
    store: WindowStore,
  ) {
    this.book = new AlertBook(rule, windowOps(this), core, out);
    this.store = store;
  }

  setRule(rule: CompiledRule): void {
    this.rule = rule;
    this.book.rule = rule;
  }

  onEvent(e: IocEvent, late: boolean, watermark: number): void {
    // The store is fed once per event, by its first rule; the others read it.
    if (this.store.feeder() === this) this.store.onEvent(e, late, watermark);
  }

  due(): number {
    const a = this.store.nextEnd;
    const b = this.book.due();
    return a < b ? a : b;
  }

  runDue(watermark: number): void {
    this.store.runDue(watermark);
  }

  start(watermark: number): void {
    // A partial window reports every pane end from the first watermark on, with data or not: the combiner waits for each partition's word.
    if (this.store.feeder() === this) this.store.startPartial(watermark);
  }

  firing(out: unknown[]): void {
    this.book.firing(out);
  }

  resolveAll(time: number): void {
    this.book.resolveAll(time);
  }

  /** The store is saved once, by the runtime; a rule saves its alerts and grace. */
  snapshot(): unknown[] {
    return [this.graceUntil === -Infinity ? null : this.graceUntil, this.book.snapshot()];
  }

  restore(snap: unknown): void {
    const [grace, book] = snap as [number | null, unknown];
    this.graceUntil = grace ?? -Infinity;
    this.book.restore(book);
  }

  alertSnapshot(): unknown {
    return this.book.snapshot();
  }

  /** Alerts of the rule's previous definition: kept until a whole window has passed without data for their key. */
  adoptAlerts(s: unknown, watermark: number): void {
    this.book.restore(s, true);
    const known = Number.isFinite(watermark);
    this.graceUntil = known ? watermark + this.store.plan.sizeMs : -Infinity;
    const alerts: Alert[] = [];
    this.book.firing(alerts);
    for (const a of alerts) this.store.ensureRow(a.key, { source: a.source, zone: a.zone, type: a.eventType }, watermark);
  }
}

/** The panes of one window definition, shared by the rules that hold it. */
export class WindowStore {
  readonly plan: WindowPlan;
  /** The rules reading the store, in rule order; the first feeds it. */
  members: WindowExecutor[] = [];
  nextEnd = Infinity;
  private readonly layout: PaneLayout;
  private readonly panesPerWindow: number;
  private readonly ring: number;
  private readonly slideMs: number;
  private readonly anyValue: boolean[];
  private readonly args: unknown[];
  private readonly acc: Float64Array;
  private readonly accObjs: unknown[] = [];
  /** Where the panes of the closing window start, for the key being closed. */
  private readonly bases: Int32Array;
  /** The aggregate values of the key being closed; copied only when an alert needs them. */
  private readonly vals: (number | bigint)[];
  /** The activation `when` and `clear` see, refilled for each key. */
  private readonly act: Record<string, unknown> = {};

  // The columns: row r holds one key; rows of dropped keys are reused.
  private readonly index = new Map<string, number>();
  private rows = 0;
  private readonly free: number[] = [];
  private keys: (string | undefined)[] = [];
  private values: (readonly string[])[] = [];
  private keyObjs: (Activation | undefined)[] = [];
  /** Source, zone and type of each row's first event: where its alerts point. */
  private facts: Facts[] = [];
  /**
   * `ring` slots per row, each `stride` numbers: the pane number (event time /
   * slide; -1 when empty), then the pane. One cache line or two per event.
   */
  private slots: Float64Array;
  private readonly stride: number;
  private objs: unknown[] | undefined;

  /**
   * `partials`: where a partial store (a city-wide rule in one partition)
   * hands each closed pane instead of evaluating it; undefined for a store
   * that evaluates (every other, and the combiner's).
   */
  constructor(
    rule: CompiledRule,
    private readonly core: RuntimeCore,
    private readonly out: Alert[],
    lateMs: number,
    private readonly partials?: PanePartial[],
  ) {
    this.plan = rule.window!;
    this.slideMs = this.plan.slideMs;
    this.layout = new PaneLayout(this.plan);
    this.panesPerWindow = this.plan.sizeMs / this.plan.slideMs;
    // Enough slots that a pane is never reused while a window holding it is still open.
    this.ring = this.panesPerWindow + Math.ceil(lateMs / this.plan.slideMs) + 1;
    this.anyValue = distinctOnly(this.plan);
    this.args = new Array(this.plan.args.length);
    this.acc = new Float64Array(this.layout.width);
    this.bases = new Int32Array(this.panesPerWindow);
    this.vals = new Array(this.plan.aggregates.length);
    this.stride = this.layout.width + 1;
    this.slots = new Float64Array(0);
    this.objs = this.layout.objects > 0 ? [] : undefined;
  }

  feeder(): WindowExecutor | undefined {
    return this.members[0];
  }

  onEvent(e: IocEvent, late: boolean, watermark: number): void {
    const rule = this.members[0]!.rule;
    if (!rule.matches(e)) return;
    readArgs(rule.id, rule.window!, this.anyValue, e, this.args);
    const slide = this.slideMs;
    const t = e.time;
    const p = Math.floor(t / slide);
    // A late event goes only into windows still open (for a partial store: panes not yet handed on).
    if (late && (p + (this.partials ? 1 : this.panesPerWindow)) * slide <= watermark) return;
    const key = rule.key.keyOf(e);
    let r = this.index.get(key);
    if (r === undefined) {
      if (this.index.size >= rule.maxKeys) {
        this.core.keyDropped(rule.id);
        return;
      }
      r = this.addRow(key, rule.key.valuesOf(e), { source: e.source, zone: e.zone ?? '', type: e.type });
    }
    const layout = this.layout;
    const slots = this.slots;
    const pi = r * this.ring + (p % this.ring);
    const at = pi * this.stride;
    const held = slots[at]!;
    if (held !== p) {
      // A newer pane already holds the slot: every window with this pane has closed.
      if (held > p) return;
      layout.reset(slots, at + 1, this.objs, pi * layout.objects);
      slots[at] = p;
    }
    layout.add(slots, at + 1, this.objs, pi * layout.objects, t, this.args);
    let end = (p + 1) * slide;
    if (end <= watermark) end = (Math.floor(watermark / slide) + 1) * slide;
    if (end < this.nextEnd) {
      this.nextEnd = end;
      this.core.wake(end);
    }
  }

  /** A row for a kept alert's key (no data), so the close loop visits it. */
  ensureRow(key: string, facts: Facts, watermark: number): void {
    if (!this.index.has(key)) this.addRow(key, key.split('|'), facts);
    if (Number.isFinite(watermark)) {
      const end = (Math.floor(watermark / this.slideMs) + 1) * this.slideMs;
      if (end < this.nextEnd) {
        this.nextEnd = end;
        this.core.wake(end);
      }
    }
  }

  private addRow(key: string, values: readonly string[], facts: Facts): number {
    let r = this.free.pop();
    if (r === undefined) {
      r = this.rows++;
      if ((r + 1) * this.ring * this.stride > this.slots.length) this.grow();
    }
    const l = this.layout;
    const { ring, stride, slots } = this;
    for (let i = 0; i < ring; i++) {
      const at = (r * ring + i) * stride;
      slots[at] = -1;
      l.reset(slots, at + 1, undefined, 0);
    }
    if (this.objs !== undefined) this.objs.fill(undefined, r * ring * l.objects, (r + 1) * ring * l.objects);
    this.keys[r] = key;
    this.values[r] = values;
    this.keyObjs[r] = undefined;
    this.facts[r] = facts;
    this.index.set(key, r);
    return r;
  }

  private dropRow(r: number): void {
    this.index.delete(this.keys[r]!);
    this.keys[r] = undefined;
    this.keyObjs[r] = undefined;
    this.free.push(r);
  }

  /** Doubles the columns. */
  private grow(): void {
    const rows = Math.max(64, (this.slots.length / (this.ring * this.stride)) * 2);
    const slots = new Float64Array(rows * this.ring * this.stride);
    slots.set(this.slots);
    this.slots = slots;
  }

  /**
   * Runs window ends and the members' deadlines up to the watermark, in time
   * order (a window end before deadlines at the same time).
   */
  runDue(watermark: number): void {
    const members = this.members;
    for (;;) {
      let first: WindowExecutor | undefined;
      let b = Infinity;
      for (let i = 0; i < members.length; i++) {
        const d = members[i]!.book.due();
        if (d < b) {
          b = d;
          first = members[i];
        }
      }
      const a = this.nextEnd;
      if (a <= b) {
        if (a > watermark) return;
        this.close(a, watermark);
      } else {
        if (b > watermark) return;
        first!.book.runDue();
      }
    }
  }

  /** A partial store's first pane end after the first watermark. */
  startPartial(watermark: number): void {
    if (!this.partials || this.nextEnd !== Infinity || !Number.isFinite(watermark)) return;
    this.nextEnd = (Math.floor(watermark / this.slideMs) + 1) * this.slideMs;
    this.core.wake(this.nextEnd);
  }

  /**
   * Merges panes another process closed (a partition's share of a city-wide
   * window) into this store; false when the pane's windows are closed here already.
   */
  absorb(end: number, rows: readonly PartialRow[], watermark: number): boolean {
    if (end <= watermark) return false;
    const p = end / this.slideMs - 1;
    if (!Number.isInteger(p)) throw new RangeError(`pane end ${end} is not on this window's ${this.slideMs} ms grid`);
    const rule = this.members[0]!.rule;
    const layout = this.layout;
    for (const [key, values, source, zone, type, numbers, objects] of rows) {
      let r = this.index.get(key);
      if (r === undefined) {
        if (this.index.size >= rule.maxKeys) {
          this.core.keyDropped(rule.id);
          continue;
        }
        r = this.addRow(key, values === 0 ? [key] : values, { source, zone, type });
      }
      const pi = r * this.ring + (p % this.ring);
      const at = pi * this.stride;
      const held = this.slots[at]!;
      if (held !== p) {
        if (held > p) continue;
        layout.reset(this.slots, at + 1, this.objs, pi * layout.objects);
        this.slots[at] = p;
      }
      layout.absorb(this.slots, at + 1, this.objs, pi * layout.objects, numbers, objects);
    }
    if (rows.length > 0 && end < this.nextEnd) {
      this.nextEnd = end;
      this.core.wake(end);
    }
    return true;
  }

  /**
   * A partial store's close: the pane ending at `end` goes out as a
   * PanePartial, keys with nothing later are dropped. With no key left, the
   * next close is the first pane end after the watermark: a long jump (a
   * restart, an idle advance) hands on one empty pane, not one per slide.
   */
  private closePartial(end: number, watermark: number): void {
    const { layout, ring, slots, stride } = this;
    const p = end / this.slideMs - 1;
    const slot = p % ring;
    const rows: PartialRow[] = [];
    for (let r = 0; r < this.rows; r++) {
      const key = this.keys[r];
      if (key === undefined) continue;
      const pi = r * ring + slot;
      const at = pi * stride;
      if (slots[at] === p && slots[at + 1]! > 0) {
        const values = this.values[r]!;
        const f = this.facts[r]!;
        rows.push([key, values.length === 1 && values[0] === key ? 0 : values, f.source, f.zone, f.type, Array.from(slots.subarray(at + 1, at + stride)), layout.saveObjects(this.objs, pi * layout.objects)]);
        slots[at] = -1;
        layout.reset(slots, at + 1, this.objs, pi * layout.objects);
      }
      if (!this.hasLater(r * ring, p)) this.dropRow(r);
    }
    const rule = this.members[0]!.rule;
    this.partials!.push({ rule: rule.id, state: this.plan.stateKey, end, rows });
    this.nextEnd = end + this.slideMs;
    if (this.index.size === 0 && this.nextEnd <= watermark) this.nextEnd = (Math.floor(watermark / this.slideMs) + 1) * this.slideMs;
    this.core.wake(this.nextEnd);
  }

  /** Closes the windows ending at `end`: evaluates every key with data for every member, resolves keys without. */
  private close(end: number, watermark: number): void {
    if (this.partials) {
      this.closePartial(end, watermark);
      return;
    }
    const { layout, plan, acc, accObjs, ring, act, bases, vals, slots, stride, keys, members } = this;
    const objects = layout.objects;
    const lastP = end / plan.slideMs - 1;
    const firstPane = lastP - this.panesPerWindow + 1;
    const aggs = plan.aggregates;
    const panesPerWindow = this.panesPerWindow;
    const keyPlan = members[0]!.rule.key;
    // Pane numbers are large (minutes since 1970): one modulo here, not one per pane and key.
    const firstSlot = firstPane % ring;
    const emitted = this.out.length;
    for (let r = 0; r < this.rows; r++) {
      const key = keys[r];
      if (key === undefined) continue;
      const row = r * ring;
      let count = 0;
      // Data in a pane after the first is data the next window holds too.
      let later = false;
      let slot = firstSlot;
      for (let i = 0; i < panesPerWindow; i++) {
        const at = (row + slot) * stride;
        if (slots[at] === firstPane + i && slots[at + 1]! > 0) {
          bases[count++] = at + 1;
          if (i > 0) later = true;
        }
        if (++slot === ring) slot = 0;
      }
      let alerting = false;
      if (count > 0) {
        if (objects > 0) accObjs.length = 0;
        layout.mergeAll(acc, accObjs, slots, bases, count, this.objs, objects, stride);
        layout.finish(acc, accObjs, plan.sizeMs, vals);
        act.key = this.keyObjs[r] ??= keyPlan.makeKey(this.values[r]!);
        for (let i = 0; i < aggs.length; i++) act[aggs[i]!.name] = vals[i];
        let ctx: WindowCtx | undefined;
        for (let m = 0; m < members.length; m++) {
          const member = members[m]!;
          const w = member.rule.window!;
          const book = member.book;
          const had = book.has(key);
          try {
            const holds = w.when(act);
            // Most groups are quiet: no alert and no reason for one, nothing to remember.
            if (holds || had) {
              const cleared = w.clear === undefined ? !holds : !holds && w.clear(act);
              const f = this.facts[r]!;
              ctx ??= { values: this.values[r]!, aggs: vals.slice(), id: '', source: f.source, zone: f.zone, type: f.type };
              book.observe(key, end, holds, cleared, ctx);
              alerting ||= book.has(key);
            }
          } catch (err) {
            this.core.ruleError(member.rule.id, undefined, err);
            alerting ||= had;
          }
        }
      } else {
        for (let m = 0; m < members.length; m++) {
          const member = members[m]!;
          if (end >= member.graceUntil && member.book.has(key)) member.book.noData(key, end);
          alerting ||= member.book.has(key);
        }
      }
      // The next window starts at firstPane + 1: a key with nothing there or later is done.
      if (!later && !alerting && !this.hasLater(row, firstPane)) this.dropRow(r);
    }
    if (this.out.length - emitted > 1) {
      // Changes come by rule, then by key: not by where keys sit in the columns.
      const order = new Map(members.map((m, i) => [m.rule.id, i]));
      const sorted = this.out.splice(emitted).sort((a, b) => order.get(a.rule)! - order.get(b.rule)! || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const a of sorted) this.out.push(a);
    }
    this.nextEnd = this.index.size > 0 ? end + plan.slideMs : Infinity;
    if (this.nextEnd !== Infinity) this.core.wake(this.nextEnd);
  }

  /** True when a slot of the row holds a pane after `pane`. */
  private hasLater(row: number, pane: number): boolean {
    const { slots, stride, ring } = this;
    for (let s = 0; s < ring; s++) if (slots[(row + s) * stride]! > pane) return true;
    return false;
  }

  snapshot(): unknown {
    const l = this.layout;
    const { ring, stride, slots } = this;
    const rows: unknown[] = [];
    for (let r = 0; r < this.rows; r++) {
      const key = this.keys[r];
      if (key === undefined) continue;
      // Only panes with data, as [paneNo, ...numbers, objects?].
      const panes: unknown[] = [];
      for (let s = 0; s < ring; s++) {
        const pi = r * ring + s;
        const at = pi * stride;
        if (slots[at]! < 0 || slots[at + 1] === 0) continue;
        const pane: unknown[] = [...slots.subarray(at, at + stride)];
        const objs = l.saveObjects(this.objs, pi * l.objects);
        if (objs !== null) pane.push(objs);
        panes.push(pane);
      }
      const values = this.values[r]!;
      const f = this.facts[r]!;
      rows.push([key, values.length === 1 && values[0] === key ? 0 : values, f.source, f.zone, f.type, panes]);
    }
    return [this.nextEnd === Infinity ? null : this.nextEnd, rows];
  }

  restore(snap: unknown): void {
    const [nextEnd, rows] = snap as [number | null, unknown[][]];
    const l = this.layout;
    for (const [key, values, source, zone, type, panes] of rows as [string, 0 | string[], string, string, string, unknown[][]][]) {
      const r = this.addRow(key, values === 0 ? [key] : values, { source, zone, type });
      for (const pane of panes) {
        const p = pane[0] as number;
        const pi = r * this.ring + (p % this.ring);
        for (let i = 0; i < this.stride; i++) this.slots[pi * this.stride + i] = pane[i] as number;
        if (l.objects > 0 && pane.length > this.stride) l.loadObjects(pane[this.stride] as unknown[], this.objs!, pi * l.objects);
      }
    }
    this.nextEnd = nextEnd ?? Infinity;
    if (nextEnd !== null) this.core.wake(nextEnd);
  }
}

interface Facts {
  source: string;
  zone: string;
  type: string;
}
