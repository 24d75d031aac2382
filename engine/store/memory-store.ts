// The Store for the embedded demo and for unit tests of code that writes to
// storage: idempotent like ClickHouse (events by source and id, alerts by
// fingerprint, state and start, history rows by their table's key) and
// bounded, so a demo left running for days cannot grow without limit. Must
// never be mistaken for durable storage.

import { alertMessageId, type Alert } from '../alerts/alert.ts';
import { eventKey } from '../events/index.ts';
import type { AlertEventRow, DeliveryAttempt, IncidentEventRow } from '../incidents/model.ts';
import { computeIncidentStats } from './incident-stats.ts';
import type { IncidentStat, IncidentStatsQuery, Store, StoredEvent } from './store.ts';

export interface MemoryStoreOptions {
  /** Most events kept; the oldest written are dropped first. Default 100,000. */
  maxEvents?: number;
  /** Most alert state changes kept; the oldest written are dropped first. Default 10,000. */
  maxAlerts?: number;
  /** Most alert changes seen by incident management kept; oldest written dropped first. Default 10,000. */
  maxAlertEvents?: number;
  /**
   * Most incident timeline rows kept; oldest written dropped first. Default 50,000.
   * An incident that lost its `opened` row is measured from its rows' openedAt.
   */
  maxIncidentEvents?: number;
  /** Most delivery attempts kept; oldest written dropped first. Default 10,000. */
  maxDeliveries?: number;
}

/** Puts each row under its key, replacing an earlier copy in place as ReplacingMergeTree keeps one row, then trims. */
function upsert<V>(map: Map<string, V>, rows: readonly V[], key: (row: V) => string, max: number): void {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    map.set(key(row), row);
  }
  trim(map, max);
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
  private readonly maxAlertEvents: number;
  private readonly maxIncidentEvents: number;
  private readonly maxDeliveries: number;
  private readonly eventsByKey = new Map<string, StoredEvent>();
  private readonly alertsByKey = new Map<string, Alert>();
  private readonly shadowAlertsByKey = new Map<string, Alert>();
  private readonly alertEventsByKey = new Map<string, AlertEventRow>();
  private readonly incidentEventsByKey = new Map<string, IncidentEventRow>();
  private readonly deliveriesByKey = new Map<string, DeliveryAttempt>();

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEvents = options.maxEvents ?? 100_000;
    this.maxAlerts = options.maxAlerts ?? 10_000;
    this.maxAlertEvents = options.maxAlertEvents ?? 10_000;
    this.maxIncidentEvents = options.maxIncidentEvents ?? 50_000;
    this.maxDeliveries = options.maxDeliveries ?? 10_000;
    const limits = [this.maxEvents, this.maxAlerts, this.maxAlertEvents, this.maxIncidentEvents, this.maxDeliveries];
    if (!limits.every((n) => n >= 1)) throw new RangeError('MemoryStore limits must be at least 1');
  }

  async migrate(): Promise<void> {}

  async insertEvents(rows: readonly StoredEvent[]): Promise<void> {
    upsert(this.eventsByKey, rows, eventKey, this.maxEvents);
  }

  async insertAlerts(rows: readonly Alert[]): Promise<void> {
    upsert(this.alertsByKey, rows.filter((a) => !a.shadow), alertMessageId, this.maxAlerts);
    upsert(this.shadowAlertsByKey, rows.filter((a) => a.shadow), alertMessageId, this.maxAlerts);
  }

  async insertAlertEvents(rows: readonly AlertEventRow[]): Promise<void> {
    upsert(this.alertEventsByKey, rows, (r) => JSON.stringify([r.fingerprint, r.state, r.startsAt, r.at]), this.maxAlertEvents);
  }

  async insertIncidentEvents(rows: readonly IncidentEventRow[]): Promise<void> {
    upsert(this.incidentEventsByKey, rows, (r) => JSON.stringify([r.incidentId, r.seq]), this.maxIncidentEvents);
  }

  async insertDeliveries(rows: readonly DeliveryAttempt[]): Promise<void> {
    upsert(this.deliveriesByKey, rows, (d) => JSON.stringify([d.notificationId, d.attempt]), this.maxDeliveries);
  }

  async incidentStats(q: IncidentStatsQuery): Promise<IncidentStat[]> {
    return computeIncidentStats(this.incidentEventsByKey.values(), q);
  }

  async incidentHistory(incidentId: string): Promise<IncidentEventRow[]> {
    const rows: IncidentEventRow[] = [];
    for (const r of this.incidentEventsByKey.values()) if (r.incidentId === incidentId) rows.push(r);
    return rows.sort((a, b) => a.seq - b.seq);
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

  /** The alert changes of shadow rules kept, oldest first. */
  shadowAlerts(): Alert[] {
    return [...this.shadowAlertsByKey.values()];
  }

  /** The alert changes seen by incident management kept, oldest first. */
  alertEvents(): AlertEventRow[] {
    return [...this.alertEventsByKey.values()];
  }

  /** The delivery attempts kept, oldest first. */
  deliveries(): DeliveryAttempt[] {
    return [...this.deliveriesByKey.values()];
  }
}
