// Runs an async step for each item, one at a time, merging the items that
// arrive while a step runs into one. The pipeline commits batches this way:
// when storage is slow the next commit is one larger batch instead of a
// queue of small ones (each small commit costs an insert, a checkpoint write
// and an ack), so a slow ClickHouse makes batches grow, not the backlog.

import { Observable, type OperatorFunction } from 'rxjs';

/**
 * @example batches$.pipe(coalesceMap(mergeBatches, (b) => commit(b))) // at most one commit in flight, and one waiting
 */
export function coalesceMap<T>(merge: (into: T, next: T) => T, run: (item: T) => Promise<void>): OperatorFunction<T, void> {
  return (source) =>
    new Observable<void>((sub) => {
      let waiting: T | undefined;
      let running = false;
      let sourceDone = false;
      const next = (): void => {
        if (running || sub.closed) return;
        if (waiting === undefined) {
          if (sourceDone) sub.complete();
          return;
        }
        const item = waiting;
        waiting = undefined;
        running = true;
        run(item).then(
          () => {
            running = false;
            sub.next();
            next();
          },
          (err: unknown) => sub.error(err),
        );
      };
      const subscription = source.subscribe({
        next: (item) => {
          waiting = waiting === undefined ? item : merge(waiting, item);
          next();
        },
        error: (err: unknown) => sub.error(err),
        complete: () => {
          sourceDone = true;
          next();
        },
      });
      return () => subscription.unsubscribe();
    });
}
