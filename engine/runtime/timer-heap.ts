// A min-heap of timers ordered by (time, kind, key): a total order, so timers
// due at the same moment always run in the same order, whatever the order
// they were scheduled in. That is what lets a runtime restored from a
// snapshot (which rebuilds its heaps) emit exactly what the original would.
// Entries are never removed early: the owner checks on pop that a timer is
// still wanted (its state still names that time), which keeps updates O(1).

export interface Timer {
  readonly time: number;
  readonly kind: number;
  readonly key: string;
}

function before(a: Timer, b: Timer): boolean {
  return a.time < b.time || (a.time === b.time && (a.kind < b.kind || (a.kind === b.kind && a.key < b.key)));
}

export class TimerHeap {
  private readonly items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest time due, or Infinity. */
  peekTime(): number {
    return this.items.length === 0 ? Infinity : this.items[0]!.time;
  }

  push(time: number, kind: number, key: string): void {
    const items = this.items;
    const t: Timer = { time, kind, key };
    let i = items.length;
    items.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(t, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = t;
  }

  /** Removes and returns the earliest timer, or undefined when empty. */
  pop(): Timer | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      const n = items.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(items[r]!, items[l]!) ? r : l;
        if (!before(items[c]!, last)) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** What the runners below need of an AlertBook: its next deadline and a way to run it. */
export interface DueBook {
  due(): number;
  runDue(): void;
}

/** The earlier of the heap's next timer and the book's next deadline. */
export function nextDue(heap: TimerHeap, book: DueBook): number {
  const a = heap.peekTime();
  const b = book.due();
  return a < b ? a : b;
}

/**
 * Runs the heap's timers and the book's deadlines that are due at the
 * watermark, interleaved in time order (a timer before a book deadline at the
 * same time), handing each timer to `onTimer`.
 */
export function runDueInOrder(heap: TimerHeap, book: DueBook, watermark: number, onTimer: (t: Timer) => void): void {
  for (;;) {
    const a = heap.peekTime();
    const b = book.due();
    if (a <= b) {
      if (a > watermark) return;
      onTimer(heap.pop()!);
    } else {
      if (b > watermark) return;
      book.runDue();
    }
  }
}
