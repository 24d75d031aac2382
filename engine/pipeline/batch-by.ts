// An RxJS operator that folds a stream into batches in plain code: each item
// is added to the open batch with one function call (no array per item, no
// operator per item), and a batch is emitted when it is full or when it has
// waited long enough. It is the pipeline's per-event hot path.

import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

export interface BatchByOptions<T, B> {
  /** A new, empty batch. */
  open(): B;
  /** Adds one item; may throw, which errors the stream. */
  add(batch: B, item: T): void;
  /** How full the batch is, in the unit of `maxSize`. */
  size(batch: B): number;
  maxSize: number;
  /** Longest a batch stays open after its first item, ms. */
  maxDelayMs: number;
  scheduler?: SchedulerLike;
}

/**
 * Emits a batch when `size(batch) >= maxSize` or `maxDelayMs` after the batch's
 * first item; emits the partial batch when the source completes.
 *
 * @example
 * messages$.pipe(batchBy({ open: () => [], add: (b, m) => b.push(m), size: (b) => b.length, maxSize: 1000, maxDelayMs: 250 }))
 */
export function batchBy<T, B>(o: BatchByOptions<T, B>): OperatorFunction<T, B> {
  const scheduler = o.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<B>((subscriber) => {
      let batch: B | undefined;
      let timer: Subscription | undefined;
      const emit = () => {
        timer?.unsubscribe();
        timer = undefined;
        const full = batch;
        batch = undefined;
        if (full !== undefined) subscriber.next(full);
      };
      const inner = source.subscribe({
        next(item) {
          try {
            if (batch === undefined) {
              batch = o.open();
              timer = scheduler.schedule(emit, o.maxDelayMs);
            }
            o.add(batch, item);
            if (o.size(batch) >= o.maxSize) emit();
          } catch (err) {
            subscriber.error(err);
          }
        },
        error(err) {
          timer?.unsubscribe();
          subscriber.error(err);
        },
        complete() {
          emit();
          subscriber.complete();
        },
      });
      return () => {
        inner.unsubscribe();
        timer?.unsubscribe();
      };
    });
}
