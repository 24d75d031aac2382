// The console's picture of incident management, fed by `Incidents/Watch`: the
// incidents held (open and acknowledged from the snapshot, plus those resolved
// while watching), their alert records, and the open incidents per zone for the
// map. Pure and synchronous: no network, no DOM, so it is tested without either.
// It never shows half a snapshot: a reconnect keeps the old picture until the
// new snapshot has ended.

import { severityRank, type Severity } from '../state/index.ts';
import type { AlertRecordView, IncidentFeedUpdate, IncidentView } from './types.ts';

/** What one applied update changed. */
export interface IncidentChange {
  /** Everything was replaced (a snapshot ended). */
  snapshot: boolean;
  /** Ids of incidents that changed, appeared or left. */
  incidents: string[];
  /** Fingerprints of alert records that changed. */
  alerts: string[];
  /** Merged away: the id that left and where its alerts went. */
  removed: { incidentId: string; mergedInto: string }[];
}

export type IncidentListener = (change: IncidentChange) => void;
export type ZoneListener = (zones: ReadonlyMap<string, Severity>) => void;

/** Resolved incidents seen live are kept for the queue's "resolved" filter, up to this many. */
const KEEP_RESOLVED = 500;

/**
 * @example
 * const store = new IncidentStore();
 * store.onZones((zones) => map.colorDistricts(zones));
 * store.begin();                    // a Watch stream opens
 * if (store.apply(update) === 'resync') reconnect();
 */
export class IncidentStore {
  /** Sequence number of the last update applied on the current stream; 0 before its first. */
  seq = 0;
  /** True once a snapshot has ended on the current stream. */
  live = false;
  private readonly held = new Map<string, IncidentView>();
  private readonly records = new Map<string, AlertRecordView>();
  /** The snapshot being received; undefined when none is in progress. */
  private incoming: Map<string, IncidentView> | undefined;
  private readonly listeners = new Set<IncidentListener>();
  private readonly zoneListeners = new Set<ZoneListener>();
  private zones: ReadonlyMap<string, Severity> = new Map();

  /** A new Watch stream starts: expect a snapshot from sequence 1. */
  begin(): void {
    this.seq = 0;
    this.live = false;
    this.incoming = new Map();
  }

  /** Applies one Watch message; 'resync' means the stream skipped one and must be reopened. */
  apply(update: IncidentFeedUpdate): 'ok' | 'resync' {
    if (this.incoming === undefined && !this.live) return 'resync';
    if (update.seq !== this.seq + 1) return 'resync';
    this.seq = update.seq;
    if (this.incoming !== undefined) return this.applySnapshotPart(update);
    const change: IncidentChange = { snapshot: false, incidents: [], alerts: [], removed: [] };
    switch (update.kind) {
      case 'incident':
        this.held.set(update.incident.id, update.incident);
        if (update.incident.state === 'resolved') this.trimResolved();
        change.incidents.push(update.incident.id);
        break;
      case 'removed':
        this.held.delete(update.incidentId);
        change.incidents.push(update.incidentId);
        change.removed.push({ incidentId: update.incidentId, mergedInto: update.mergedInto });
        break;
      case 'alert':
        this.records.set(update.alert.fingerprint, update.alert);
        change.alerts.push(update.alert.fingerprint);
        break;
      default:
        return 'ok';
    }
    this.emit(change);
    return 'ok';
  }

  /** The incident with this id, if held. */
  get(id: string): IncidentView | undefined {
    return this.held.get(id);
  }

  /** The latest record of an alert seen on the stream, if any. */
  alert(fingerprint: string): AlertRecordView | undefined {
    return this.records.get(fingerprint);
  }

  /** Every incident held, in no particular order. */
  incidents(): IncidentView[] {
    return [...this.held.values()];
  }

  /**
   * The worst severity of the incidents not resolved, per zone (district id), for the map's choropleth.
   * @example store.openIncidentsByZone().get('hoan-kiem') // 'critical'
   */
  openIncidentsByZone(): ReadonlyMap<string, Severity> {
    return this.zones;
  }

  /** Called after every change; returns the unsubscribe function. */
  subscribe(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with `openIncidentsByZone()` whenever it changes; returns the unsubscribe function. */
  onZones(listener: ZoneListener): () => void {
    this.zoneListeners.add(listener);
    return () => this.zoneListeners.delete(listener);
  }

  private applySnapshotPart(update: IncidentFeedUpdate): 'ok' | 'resync' {
    const incoming = this.incoming!;
    if (update.kind === 'incident') incoming.set(update.incident.id, update.incident);
    else if (update.kind === 'alert') this.records.set(update.alert.fingerprint, update.alert);
    else if (update.kind === 'snapshot-end') {
      this.held.clear();
      for (const [id, incident] of incoming) this.held.set(id, incident);
      this.incoming = undefined;
      this.live = true;
      this.pruneRecords();
      this.emit({ snapshot: true, incidents: [...this.held.keys()], alerts: [], removed: [] });
    }
    return 'ok';
  }

  /** Keeps the records of alerts whose incident is held; the others are no longer shown anywhere. */
  private pruneRecords(): void {
    for (const [fp, record] of this.records) if (!this.held.has(record.incidentId)) this.records.delete(fp);
  }

  private trimResolved(): void {
    const resolved = [...this.held.values()].filter((i) => i.state === 'resolved');
    if (resolved.length <= KEEP_RESOLVED) return;
    resolved.sort((a, b) => a.resolvedAt - b.resolvedAt);
    for (const i of resolved.slice(0, resolved.length - KEEP_RESOLVED)) this.held.delete(i.id);
  }

  private emit(change: IncidentChange): void {
    for (const l of this.listeners) l(change);
    const zones = worstByZone(this.held.values());
    if (!sameZones(zones, this.zones)) {
      this.zones = zones;
      for (const l of this.zoneListeners) l(zones);
    }
  }
}

function worstByZone(incidents: Iterable<IncidentView>): Map<string, Severity> {
  const zones = new Map<string, Severity>();
  for (const i of incidents) {
    if (i.state === 'resolved') continue;
    for (const z of i.zones) {
      const before = zones.get(z);
      if (severityRank(i.severity) > severityRank(before)) zones.set(z, i.severity);
    }
  }
  return zones;
}

function sameZones(a: ReadonlyMap<string, Severity>, b: ReadonlyMap<string, Severity>): boolean {
  if (a.size !== b.size) return false;
  for (const [z, s] of a) if (b.get(z) !== s) return false;
  return true;
}
