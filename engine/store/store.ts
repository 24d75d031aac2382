// What the engine needs from storage. ClickHouse implements it for real
// deployments and tests; an in-memory store backs the embedded demo.
// Implementations must be idempotent: writing the same event (source, id) or
// alert state twice never yields two logical rows.

import type { Alert } from '../alerts/alert.ts';
import type { IocEvent } from '../events/index.ts';

/** An accepted event as stored: the event plus where and when it was read. */
export interface StoredEvent extends IocEvent {
  /** JetStream stream sequence (0 when not from the stream). */
  seq: number;
  /** Wall-clock time the engine read it, epoch ms. */
  ingestedAt: number;
}

export interface Store {
  readonly kind: 'clickhouse' | 'memory';
  /** Applies pending schema migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /**
   * Inserts one batch in one attempt. Throws UnavailableError when the server
   * cannot take it now (retry later); any other error means the batch itself
   * was refused and retrying it unchanged fails again.
   */
  insertEvents(rows: readonly StoredEvent[]): Promise<void>;
  /** Inserts alert state changes (append-only history); fails like insertEvents. */
  insertAlerts(rows: readonly Alert[]): Promise<void>;
  /** True when the server answers now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
