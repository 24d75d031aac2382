// Group commit for the pipelines of one process: with scale-out a process
// runs a pipeline per partition it owns, each committing its own small
// batches. ClickHouse pays per INSERT (a part written, and merged later), so
// a dozen partitions writing a few hundred rows each cost far more than one
// insert of all of them. Here, an insert that arrives while another is in
// flight waits, and all that waited go out together as one INSERT when it
// completes; with nothing in flight an insert goes at once (no added delay).
// If a grouped insert fails, each caller's rows are sent again on their own,
// so one pipeline's refused row never fails another's batch and every caller
// gets its own answer (the pipeline splits its batch to find the bad row).

import type { Alert } from '../alerts/index.ts';
import type { Store, StoredEvent } from './store.ts';

export type RowInserts = Pick<Store, 'insertEvents' | 'insertAlerts'>;

interface Waiting<T> {
  rows: readonly T[];
  resolve(): void;
  reject(err: unknown): void;
}

/** One table's grouped inserts. */
class Group<T> {
  private inFlight: Promise<void> | undefined;
  private waiting: Waiting<T>[] = [];

  constructor(private readonly insert: (rows: readonly T[]) => Promise<void>) {}

  add(rows: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      if (!this.inFlight) this.inFlight = this.drain();
    });
  }

  /** Sends what waits, as one insert, until nothing waits. */
  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      await this.send(group);
    }
    this.inFlight = undefined;
  }

  private async send(group: Waiting<T>[]): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      await this.insert(only.rows).then(only.resolve, only.reject);
      return;
    }
    let total = 0;
    for (const w of group) total += w.rows.length;
    const rows = new Array<T>(total);
    let i = 0;
    for (const w of group) for (const r of w.rows) rows[i++] = r;
    try {
      await this.insert(rows);
      for (const w of group) w.resolve();
    } catch {
      // Each on its own: the callers learn whether their own rows are the problem.
      for (const w of group) await this.insert(w.rows).then(w.resolve, w.reject);
    }
  }
}

/**
 * Event and alert inserts of `store`, grouped across the callers that share
 * the result.
 *
 * @example
 * const inserts = groupInserts(store);
 * await Promise.all([inserts.insertEvents(rowsOfP3), inserts.insertEvents(rowsOfP7)]); // one or two INSERTs, never more
 */
export function groupInserts(store: RowInserts): RowInserts {
  const events = new Group<StoredEvent>((rows) => store.insertEvents(rows));
  const alerts = new Group<Alert>((rows) => store.insertAlerts(rows));
  return {
    insertEvents: (rows) => events.add(rows),
    insertAlerts: (rows) => alerts.add(rows),
  };
}
