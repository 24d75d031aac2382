// Absence rules: per group key, the newest event time seen; when the
// watermark passes it + `absent` the alert fires (at that deadline), and the
// key's next event resolves it. Deadlines sit in a heap checked lazily: an
// event only moves the key's time, and a popped deadline that moved is pushed
// again, so a watermark step never scans all keys. Keys from the registry
// start their silence at the first watermark the runtime saw.

import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { CompiledRule } from '../rules/index.ts';
import { AlertBook } from './alert-book.ts';
import type { ContextOps, Executor, RuntimeCore } from './executor.ts';
import { nextDue, runDueInOrder, TimerHeap, type Timer } from './timer-heap.ts';

interface Silence {
  values: readonly string[];
  /** Newest event time, or when the clock started for a registry key. */
  last: number;
  zone: string;
  source: string;
}

interface AbsenceCtx {
  values: readonly string[];
  zone: string;
  source: string;
}

function absenceOps(x: { rule: CompiledRule }): ContextOps<AbsenceCtx> {
  return {
    render: (c) => x.rule.absence!.render({ key: x.rule.key.makeKey(c.values) }),
    facts: (c) => ({ zone: c.zone, source: c.source, eventId: '', eventType: x.rule.on[0] ?? '', value: undefined }),
    dedupKey: (c) => x.rule.absence!.dedupKey!({ key: x.rule.key.makeKey(c.values) }),
    save: (c) => [c.values, c.zone, c.source],
    load: (j) => {
      const [values, zone, source] = j as [string[], string, string];
      return { values, zone, source };
    },
  };
}

export class AbsenceExecutor implements Executor {
  private readonly book: AlertBook<AbsenceCtx>;
  private readonly keys = new Map<string, Silence>();
  private readonly deadlines = new TimerHeap();

  constructor(
    public rule: CompiledRule,
    private readonly core: RuntimeCore,
    out: Alert[],
  ) {
    this.book = new AlertBook(rule, absenceOps(this), core, out);
  }

  setRule(rule: CompiledRule): void {
    this.rule = rule;
    this.book.rule = rule;
    const start = this.core.clockStart();
    if (Number.isFinite(start)) this.start(start);
  }

  onEvent(e: IocEvent): void {
    const rule = this.rule;
    if (!rule.matches(e)) return;
    const key = rule.keyOf(e);
    const t = e.time;
    let k = this.keys.get(key);
    if (k === undefined) {
      if (this.keys.size >= rule.maxKeys) {
        this.core.keyDropped(rule.id);
        return;
      }
      k = { values: rule.key.valuesOf(e), last: t, zone: e.zone ?? '', source: e.source };
      this.keys.set(key, k);
      this.schedule(t + rule.absence!.absentMs, key);
      return;
    }
    if (t <= k.last) return;
    k.last = t;
    k.zone = e.zone ?? '';
    k.source = e.source;
    if (this.book.isFiring(key)) {
      this.book.observe(key, Math.max(t, this.book.lastChange(key)), false, true, ctxOf(k));
      this.schedule(t + rule.absence!.absentMs, key);
    }
  }

  private schedule(time: number, key: string): void {
    this.deadlines.push(time, 0, key);
    this.core.wake(time);
  }

  due(): number {
    return nextDue(this.deadlines, this.book);
  }

  runDue(watermark: number): void {
    runDueInOrder(this.deadlines, this.book, watermark, this.onDeadline);
  }

  /** A key's silence deadline came: fire, unless it spoke since (then wait for its new deadline). */
  private readonly onDeadline = (d: Timer): void => {
    const k = this.keys.get(d.key);
    if (k === undefined) return;
    const deadline = k.last + this.rule.absence!.absentMs;
    if (deadline > d.time) this.schedule(deadline, d.key);
    else this.book.observe(d.key, deadline, true, false, ctxOf(k));
  };

  /** Registry keys not heard from yet start their silence now. */
  start(watermark: number): void {
    const absent = this.rule.absence!.absentMs;
    const names = this.rule.key.names;
    for (const x of this.rule.absence!.expected) {
      if (this.keys.has(x.key)) continue;
      if (this.keys.size >= this.rule.maxKeys) {
        this.core.keyDropped(this.rule.id);
        continue;
      }
      const zone = names.indexOf('zone');
      const source = names.indexOf('source');
      this.keys.set(x.key, { values: x.values, last: watermark, zone: zone >= 0 ? x.values[zone]! : '', source: source >= 0 ? x.values[source]! : '' });
      this.schedule(watermark + absent, x.key);
    }
  }

  firing(out: unknown[]): void {
    this.book.firing(out);
  }

  resolveAll(time: number): void {
    this.book.resolveAll(time);
  }

  snapshot(): unknown[] {
    const keys: unknown[] = [];
    for (const [key, k] of this.keys) keys.push([key, k.values.length === 1 && k.values[0] === key ? 0 : k.values, k.last, k.zone, k.source]);
    return [keys, this.book.snapshot()];
  }

  restore(snap: unknown): void {
    const [keys, book] = snap as [unknown[][], unknown];
    const absent = this.rule.absence!.absentMs;
    this.book.restore(book);
    for (const [key, values, last, zone, source] of keys as [string, 0 | string[], number, string, string][]) {
      this.keys.set(key, { values: values === 0 ? [key] : values, last, zone, source });
      if (!this.book.isFiring(key)) this.schedule(last + absent, key);
    }
    const start = this.core.clockStart();
    if (Number.isFinite(start)) this.start(start);
  }

  alertSnapshot(): unknown {
    return this.book.snapshot();
  }

  adoptAlerts(s: unknown): void {
    this.book.restore(s, true);
    const alerts: Alert[] = [];
    this.book.firing(alerts);
    // A firing absence keeps its key, so the key's next event resolves it.
    for (const a of alerts) if (!this.keys.has(a.key)) this.keys.set(a.key, { values: a.key.split('|'), last: a.startsAt, zone: a.zone, source: a.source });
    const start = this.core.clockStart();
    if (Number.isFinite(start)) this.start(start);
  }
}

function ctxOf(k: Silence): AbsenceCtx {
  return { values: k.values, zone: k.zone, source: k.source };
}
