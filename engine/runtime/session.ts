// Session windows per group key: a session grows while events come less than
// `gap` apart (in event time, in any arrival order within the lateness) and
// closes when the watermark passes its last event + gap; `when` is evaluated
// at that moment. Two sessions that an out-of-order event bridges merge. A
// firing alert whose key starts no new session within another gap resolves
// (no data), like an empty tumbling window.

import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { CompiledRule, WindowPlan } from '../rules/index.ts';
import { PaneLayout } from './aggregates.ts';
import { AlertBook } from './alert-book.ts';
import type { Executor, RuntimeCore } from './executor.ts';
import { nextDue, runDueInOrder, TimerHeap, type Timer } from './timer-heap.ts';
import { distinctOnly, readArgs } from './window-args.ts';
import { activation, windowOps, type WindowCtx } from './windowed.ts';

const T_CLOSE = 0;
const T_NODATA = 1;

interface Session {
  start: number;
  end: number;
  pane: Float64Array;
  objs: unknown[] | undefined;
  last: { id: string; source: string; zone: string; type: string };
}

interface SessionKey {
  values: readonly string[];
  /** Open sessions, by start. */
  sessions: Session[];
  /** When a no-data resolution is due (0: none). */
  noDataAt: number;
}

export class SessionExecutor implements Executor {
  private readonly book: AlertBook<WindowCtx>;
  private readonly keys = new Map<string, SessionKey>();
  private readonly timers = new TimerHeap();
  private readonly layout: PaneLayout;
  private readonly plan: WindowPlan;
  private readonly anyValue: boolean[];
  private readonly vals: unknown[];

  constructor(
    public rule: CompiledRule,
    private readonly core: RuntimeCore,
    out: Alert[],
  ) {
    this.plan = rule.window!;
    this.layout = new PaneLayout(this.plan);
    this.anyValue = distinctOnly(this.plan);
    this.vals = new Array(this.plan.args.length);
    this.book = new AlertBook(rule, windowOps(this), core, out);
  }

  setRule(rule: CompiledRule): void {
    this.rule = rule;
    this.book.rule = rule;
  }

  onEvent(e: IocEvent, late: boolean, watermark: number): void {
    const rule = this.rule;
    if (!rule.matches(e)) return;
    readArgs(rule.id, this.plan, this.anyValue, e, this.vals);
    const gap = this.plan.gapMs;
    const t = e.time;
    const key = rule.keyOf(e);
    let k = this.keys.get(key);
    if (k === undefined) {
      if (this.keys.size >= rule.maxKeys) {
        this.core.keyDropped(rule.id);
        return;
      }
      k = { values: rule.key.valuesOf(e), sessions: [], noDataAt: 0 };
      this.keys.set(key, k);
    }
    const list = k.sessions;
    // The sessions this event touches merge into the first of them.
    let into: Session | undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (t < s.start - gap || t >= s.end + gap) continue;
      if (into === undefined) into = s;
      else {
        this.layout.merge(into.pane, into.objs ?? [], s.pane, 0, s.objs, 0);
        into.start = Math.min(into.start, s.start);
        if (s.end > into.end) {
          into.end = s.end;
          into.last = s.last;
        }
        list.splice(i--, 1);
      }
    }
    if (into === undefined) {
      // A late event may not open a session that would already be closed.
      if (late && t + gap <= watermark) return;
      into = { start: t, end: t, pane: Float64Array.from(this.layout.empty), objs: this.layout.objects > 0 ? [] : undefined, last: { id: '', source: '', zone: '', type: '' } };
      list.push(into);
      list.sort((a, b) => a.start - b.start);
    }
    this.layout.add(into.pane, 0, into.objs, 0, t, this.vals);
    if (t < into.start) into.start = t;
    if (t >= into.end) {
      into.end = t;
      into.last = { id: e.id, source: e.source, zone: e.zone ?? '', type: e.type };
    }
    this.schedule(into.end + gap, T_CLOSE, key);
  }

  private schedule(time: number, kind: number, key: string): void {
    this.timers.push(time, kind, key);
    this.core.wake(time);
  }

  due(): number {
    return nextDue(this.timers, this.book);
  }

  runDue(watermark: number): void {
    runDueInOrder(this.timers, this.book, watermark, this.onTimer);
  }

  private readonly onTimer = (t: Timer): void => {
    if (t.kind === T_CLOSE) this.close(t.key, t.time);
    else this.noData(t.key, t.time);
  };

  private close(key: string, time: number): void {
    const k = this.keys.get(key);
    if (k === undefined) return;
    const gap = this.plan.gapMs;
    const i = k.sessions.findIndex((s) => s.end + gap === time);
    if (i < 0) return;
    const s = k.sessions[i]!;
    k.sessions.splice(i, 1);
    const c: WindowCtx = { values: k.values, aggs: this.layout.finish(s.pane, s.objs ?? [], s.end + gap - s.start), ...s.last };
    try {
      const a = activation(this.rule, c);
      const holds = this.plan.when(a);
      const cleared = this.plan.clear === undefined ? !holds : !holds && this.plan.clear(a);
      this.book.observe(key, time, holds, cleared, c);
    } catch (err) {
      this.core.ruleError(this.rule.id, undefined, err);
    }
    if (k.sessions.length > 0) return;
    if (this.book.has(key)) {
      k.noDataAt = time + gap;
      this.schedule(k.noDataAt, T_NODATA, key);
    } else this.keys.delete(key);
  }

  private noData(key: string, time: number): void {
    const k = this.keys.get(key);
    if (k === undefined || k.noDataAt !== time) return;
    k.noDataAt = 0;
    if (k.sessions.length > 0) return;
    this.book.noData(key, time);
    if (!this.book.has(key)) this.keys.delete(key);
  }

  start(): void {}

  firing(out: unknown[]): void {
    this.book.firing(out);
  }

  resolveAll(time: number): void {
    this.book.resolveAll(time);
  }

  snapshot(): unknown[] {
    const keys: unknown[] = [];
    for (const [key, k] of this.keys) {
      const sessions = k.sessions.map((s) => [s.start, s.end, [...s.pane], this.layout.saveObjects(s.objs, 0), s.last.id, s.last.source, s.last.zone, s.last.type]);
      keys.push([key, k.values, k.noDataAt, sessions]);
    }
    return [keys, this.book.snapshot()];
  }

  restore(snap: unknown): void {
    const [keys, book] = snap as [unknown[][], unknown];
    const gap = this.plan.gapMs;
    for (const [key, values, noDataAt, sessions] of keys as [string, string[], number, unknown[][]][]) {
      const k: SessionKey = { values, sessions: [], noDataAt };
      for (const [start, end, pane, objs, id, source, zone, type] of sessions as [number, number, number[], unknown[] | null, string, string, string, string][]) {
        const s: Session = { start, end, pane: Float64Array.from(pane), objs: this.layout.objects > 0 ? [] : undefined, last: { id, source, zone, type } };
        if (objs !== null) this.layout.loadObjects(objs, s.objs!, 0);
        k.sessions.push(s);
        this.schedule(end + gap, T_CLOSE, key);
      }
      if (noDataAt > 0) this.schedule(noDataAt, T_NODATA, key);
      this.keys.set(key, k);
    }
    this.book.restore(book);
  }

  alertSnapshot(): unknown {
    return this.book.snapshot();
  }

  adoptAlerts(s: unknown): void {
    this.book.restore(s, true);
  }
}
