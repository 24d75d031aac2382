// What the engine needs from storage. ClickHouse implements it for real
// deployments and tests; an in-memory store backs the embedded demo.
// Implementations must be idempotent: writing the same event (source, id),
// alert state or history row twice never yields two logical rows.

import type { Alert } from '../alerts/alert.ts';
import type { IocEvent } from '../events/index.ts';
import type { AlertEventRow, DeliveryAttempt, IncidentEventRow } from '../incidents/model.ts';

/** An accepted event as stored: the event plus where and when it was read. */
export interface StoredEvent extends IocEvent {
  /** JetStream stream sequence (0 when not from the stream). */
  seq: number;
  /** Wall-clock time the engine read it, epoch ms. */
  ingestedAt: number;
}

/** Which incidents `incidentStats` measures: those opened in [from, to), optionally of some types or zones. */
export interface IncidentStatsQuery {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only these incident types; empty or absent: any. */
  types?: string[];
  /** Only these zones; empty or absent: any. */
  zones?: string[];
}

/**
 * Incident figures for one (type, zone). An incident counts once in each zone
 * it covers; one without zones counts under zone ''.
 */
export interface IncidentStat {
  type: string;
  zone: string;
  /** Incidents opened in the period. */
  incidents: number;
  /** Of those, acknowledged at least once. */
  acknowledged: number;
  /** Of those, resolved now (a reopened incident only once it is resolved again). */
  resolved: number;
  /** Mean time from opening to the first acknowledgement; null when none was acknowledged. */
  mttaMs: number | null;
  /** Mean time from opening to the last resolution; null when none is resolved. */
  mttrMs: number | null;
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
  /** Appends alert changes seen by incident management; fails like insertEvents. */
  insertAlertEvents(rows: readonly AlertEventRow[]): Promise<void>;
  /** Appends incident timeline entries; fails like insertEvents. */
  insertIncidentEvents(rows: readonly IncidentEventRow[]): Promise<void>;
  /** Appends notification delivery attempts; fails like insertEvents. */
  insertDeliveries(rows: readonly DeliveryAttempt[]): Promise<void>;
  /**
   * MTTA and MTTR per (type, zone) for incidents opened in [from, to), from
   * their timelines: opened is the `opened` entry (or the rows' openedAt),
   * acknowledged the first `acknowledged`, resolved the last `resolved` when no
   * `reopened` follows it. Sorted by type, then zone (byte order of UTF-8).
   * Throws InvalidArgumentError when from or to is not a non-negative integer.
   */
  incidentStats(q: IncidentStatsQuery): Promise<IncidentStat[]>;
  /** Every timeline row of one incident, once each, by seq (for audits). */
  incidentHistory(incidentId: string): Promise<IncidentEventRow[]>;
  /** True when the server answers now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
