// The Store for the embedded demo and for unit tests of code that writes to
// storage: idempotent like ClickHouse (events by source and id, alerts by
// fingerprint, state and start) and bounded, so a demo left running for days
// cannot grow without limit. Must never be mistaken for durable storage.

import { alertMessageId, type Alert } from '../alerts/alert.ts';
import { eventKey } from '../events/index.ts';
import type { Store, StoredEvent } from './store.ts';

export interface MemoryStoreOptions {
  /** Most events kept; the oldest written are dropped first. Default 100,000. */
  maxEvents?: number;
  /** Most alert state changes kept; the oldest written are dropped first. Default 10,000. */
  maxAlerts?: number;
}

/** Keeps `map` at most `max` entries by deleting the oldest inserted (Map keeps insertion order). */
function trim<V>(map: Map<string, V>, max: number): void {
  let excess = map.size - max;
  if (excess <= 0) return;
  for (const key of map.keys()) {
    map.delete(key);
    if (--excess === 0) return;
  }
}

/**
 * Events and alerts in memory, newest last.
 *
 * @example
 * const store = new MemoryStore({ maxEvents: 1000 });
 * await store.insertEvents(batch);
 * store.events().length // ≤ 1000
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly maxEvents: number;
  private readonly maxAlerts: number;
  private readonly eventsByKey = new Map<string, StoredEvent>();
  private readonly alertsByKey = new Map<string, Alert>();

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEvents = options.maxEvents ?? 100_000;
    this.maxAlerts = options.maxAlerts ?? 10_000;
    if (!(this.maxEvents >= 1 && this.maxAlerts >= 1)) throw new RangeError('MemoryStore limits must be at least 1');
  }

  async migrate(): Promise<void> {}

  async insertEvents(rows: readonly StoredEvent[]): Promise<void> {
    // A redelivered event replaces its earlier copy in place, as ReplacingMergeTree keeps one row.
    for (let i = 0; i < rows.length; i++) {
      const e = rows[i]!;
      this.eventsByKey.set(eventKey(e), e);
    }
    trim(this.eventsByKey, this.maxEvents);
  }

  async insertAlerts(rows: readonly Alert[]): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      const a = rows[i]!;
      this.alertsByKey.set(alertMessageId(a), a);
    }
    trim(this.alertsByKey, this.maxAlerts);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  /** The events kept, oldest first. */
  events(): StoredEvent[] {
    return [...this.eventsByKey.values()];
  }

  /** The alert state changes kept, oldest first. */
  alerts(): Alert[] {
    return [...this.alertsByKey.values()];
  }
}
