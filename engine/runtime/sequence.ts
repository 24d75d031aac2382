// Sequence rules: ordered steps correlated by `sameKey`, each less than its
// `within` after the previous one; a final `not` step fires when its time
// passes without the forbidden event. Events that match a step wait in a
// buffer until the watermark passes them, then are matched in event-time
// order, so arrival order within the allowed lateness does not matter. Each
// key keeps at most `maxPartials` partial matches; the oldest goes first.
//
// The buffer is an array in (due time, arrival) order rather than the timer
// heap: events arrive almost in time order, so adding one is nearly always an
// append and taking one an index step, where a heap paid a timer object, a
// string key and a sift for each (a rule whose step matches every water-level
// reading buffers a quarter of the feed).

import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import { celEvent, type CompiledRule, type SequencePlan } from '../rules/index.ts';
import { AlertBook } from './alert-book.ts';
import type { ContextOps, Executor, RuntimeCore } from './executor.ts';
import { TimerHeap, type Timer } from './timer-heap.ts';

/** The heap holds only the timeouts of `not` steps; buffered events run before timeouts due at the same time. */
const T_TIMEOUT = 1;

interface Partial {
  /** The next step to match. */
  step: number;
  /** Time of the last matched step. */
  last: number;
  /** The events of the matched steps. */
  events: IocEvent[];
}

/** An event that matched a step, waiting for the watermark to pass it. */
interface Waiting {
  /** Due once the watermark has passed the event: later events can no longer precede it. */
  due: number;
  /** Arrival number: orders events due at the same time, as they arrived. */
  seq: number;
  e: IocEvent;
  /** The steps it matched, one bit each. */
  mask: number;
}

/** Waiting events in (due, seq) order: a push is an append unless the event is older than the newest waiting. */
class WaitingEvents {
  private items: (Waiting | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds `w`, whose seq is larger than any added before: after every waiting event due no later. */
  push(w: Waiting): void {
    const items = this.items;
    const n = items.length;
    if (n === this.head || items[n - 1]!.due <= w.due) {
      items.push(w);
      return;
    }
    let lo = this.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid]!.due <= w.due) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, w);
  }

  /** Due time of the first waiting event, or Infinity. */
  peekDue(): number {
    return this.head < this.items.length ? this.items[this.head]!.due : Infinity;
  }

  shift(): Waiting {
    const w = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return w;
  }

  *[Symbol.iterator](): IterableIterator<Waiting> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}

/** The id a snapshot gives a buffered event: its arrival number, base 36, padded so ids sort as numbers. */
function waitingId(seq: number): string {
  return seq.toString(36).padStart(11, '0');
}

interface SequenceCtx {
  values: readonly string[];
  events: readonly IocEvent[];
}

function sequenceOps(x: { rule: CompiledRule }): ContextOps<SequenceCtx> {
  return {
    render: (c) => x.rule.sequence!.render(activation(x.rule, c)),
    facts: (c) => {
      const e = c.events[c.events.length - 1]!;
      return { zone: e.zone ?? '', source: e.source, eventId: e.id, eventType: e.type, value: e.value };
    },
    dedupKey: (c) => x.rule.sequence!.dedupKey!(activation(x.rule, c)),
    save: (c) => [c.values, c.events],
    load: (j) => {
      const [values, events] = j as [string[], IocEvent[]];
      return { values, events };
    },
  };
}

function activation(rule: CompiledRule, c: SequenceCtx): Record<string, unknown> {
  const a: Record<string, unknown> = { key: rule.key.makeKey(c.values) };
  const steps = rule.sequence!.steps;
  for (let i = 0; i < c.events.length; i++) a[steps[i]!.as] = celEvent(c.events[i]!);
  return a;
}

export class SequenceExecutor implements Executor {
  private readonly book: AlertBook<SequenceCtx>;
  private readonly partials = new Map<string, Partial[]>();
  /** Timeouts of `not` steps. */
  private readonly heap = new TimerHeap();
  /** Events that matched a step, until the watermark passes them. */
  private readonly waiting = new WaitingEvents();
  /** Arrival number of the last buffered event. */
  private seq = 0;
  /** Partial matches dropped for `maxPartials`. */
  droppedPartials = 0;

  constructor(
    public rule: CompiledRule,
    private readonly core: RuntimeCore,
    out: Alert[],
  ) {
    this.book = new AlertBook(rule, sequenceOps(this), core, out);
  }

  setRule(rule: CompiledRule): void {
    this.rule = rule;
    this.book.rule = rule;
  }

  onEvent(e: IocEvent, late: boolean): void {
    const steps = this.rule.sequence!.steps;
    let mask = 0;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (s.watches(e.type) && s.matches(e)) mask |= 1 << i;
    }
    if (mask === 0) return;
    if (late) {
      // Older than the watermark: no order left to wait for.
      this.match(e, mask);
      return;
    }
    const due = e.time + 1;
    this.waiting.push({ due, seq: ++this.seq, e, mask });
    this.core.wake(due);
  }

  private match(e: IocEvent, mask: number): void {
    const rule = this.rule;
    const plan = rule.sequence!;
    const steps = plan.steps;
    const key = rule.keyOf(e);
    const t = e.time;
    let list = this.partials.get(key);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        const s = steps[p.step]!;
        if (s.withinMs !== undefined && t - p.last >= s.withinMs) {
          if (!s.not) list.splice(i--, 1);
          continue;
        }
        if ((mask & (1 << p.step)) === 0 || t < p.last) continue;
        if (s.not) {
          list.splice(i--, 1);
          continue;
        }
        p.events.push(e);
        p.last = t;
        p.step++;
        if (p.step === steps.length) {
          list.splice(i--, 1);
          this.book.occur(key, t, { values: rule.key.valuesOf(p.events[0]!), events: p.events });
        } else this.armTimeout(key, p, plan);
      }
    }
    if ((mask & 1) !== 0) {
      if (list === undefined) {
        if (this.partials.size >= rule.maxKeys) {
          this.core.keyDropped(rule.id);
          return;
        }
        list = [];
        this.partials.set(key, list);
      }
      const p: Partial = { step: 1, last: t, events: [e] };
      list.push(p);
      if (list.length > plan.maxPartials) {
        list.shift();
        this.droppedPartials++;
      }
      this.armTimeout(key, p, plan);
    }
    if (list !== undefined && list.length === 0) this.partials.delete(key);
  }

  /** A partial waiting for a `not` step completes when its time passes. */
  private armTimeout(key: string, p: Partial, plan: SequencePlan): void {
    const s = plan.steps[p.step]!;
    if (!s.not) return;
    const at = p.last + s.withinMs!;
    this.heap.push(at, T_TIMEOUT, key);
    this.core.wake(at);
  }

  private timeout(key: string, time: number): void {
    const list = this.partials.get(key);
    if (list === undefined) return;
    const steps = this.rule.sequence!.steps;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      const s = steps[p.step]!;
      if (!s.not || p.last + s.withinMs! !== time) continue;
      list.splice(i--, 1);
      this.book.occur(key, time, { values: this.rule.key.valuesOf(p.events[0]!), events: p.events });
    }
    if (list.length === 0) this.partials.delete(key);
  }

  due(): number {
    const a = this.waiting.peekDue();
    const h = this.heap.peekTime();
    const b = this.book.due();
    return a < h ? (a < b ? a : b) : h < b ? h : b;
  }

  /** Runs what is due at the watermark in time order: at the same time, buffered events, then timeouts, then the alert book. */
  runDue(watermark: number): void {
    for (;;) {
      const a = this.waiting.peekDue();
      const h = this.heap.peekTime();
      const b = this.book.due();
      if (a <= h && a <= b) {
        if (a > watermark) return;
        const w = this.waiting.shift();
        try {
          this.match(w.e, w.mask);
        } catch (err) {
          this.core.ruleError(this.rule.id, w.e, err);
        }
      } else if (h <= b) {
        if (h > watermark) return;
        const t: Timer = this.heap.pop()!;
        this.timeout(t.key, t.time);
      } else {
        if (b > watermark) return;
        this.book.runDue();
      }
    }
  }

  start(): void {}

  firing(out: unknown[]): void {
    this.book.firing(out);
  }

  resolveAll(time: number): void {
    this.book.resolveAll(time);
  }

  snapshot(): unknown[] {
    const partials: unknown[] = [];
    for (const [key, list] of this.partials) partials.push([key, list.map((p) => [p.step, p.last, p.events])]);
    const buffer: unknown[] = [];
    for (const w of this.waiting) buffer.push([waitingId(w.seq), w.e, w.mask]);
    return [this.seq, partials, buffer, this.droppedPartials, this.book.snapshot()];
  }

  restore(snap: unknown): void {
    const [seq, partials, buffer, dropped, book] = snap as [number, [string, [number, number, IocEvent[]][]][], [string, IocEvent, number][], number, unknown];
    this.seq = seq;
    this.droppedPartials = dropped;
    const plan = this.rule.sequence!;
    for (const [key, list] of partials) {
      const ps = list.map(([step, last, events]) => ({ step, last, events }));
      this.partials.set(key, ps);
      for (const p of ps) this.armTimeout(key, p, plan);
    }
    // Saved in (due, arrival) order; sorted again anyway, since pushes must come in arrival order.
    const restored = buffer.map(([id, e, mask]): Waiting => ({ due: e.time + 1, seq: parseInt(id, 36), e, mask }));
    restored.sort((x, y) => x.seq - y.seq);
    for (const w of restored) {
      this.waiting.push(w);
      this.core.wake(w.due);
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
