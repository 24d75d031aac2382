// Runs incident management in an engine process: reads alert changes from the
// alerts stream, feeds the IncidentManager one change at a time, runs its
// timers, and makes every change durable before it counts:
//   history rows → ClickHouse, notifications → outbox, state → NATS KV (compare-and-set), then the stream position.
// A crash anywhere in that order replays alert changes the manager has
// already seen (no-ops) or decides the same notification ids again (the
// outbox drops them), so a restart neither loses state nor notifies twice.
// It must never block the event pipeline: it has its own reader and queue.

import { randomBytes } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import type { Alert } from '../alerts/index.ts';
import type { Bus, VersionedEntry, VersionedStore } from '../bus/index.ts';
import { ConflictError, errorMessage } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Store } from '../store/index.ts';
import type { IncidentFilter, IncidentsApi, IncidentUpdate, NewSilence } from './api.ts';
import { IncidentManager, type Effects } from './manager.ts';
import type { AlertEventRow, AlertRecord, DeliveryAttempt, Incident, IncidentEventRow, NotificationRequest, OperatorAction, Silence } from './model.ts';
import type { PolicySet } from './policy-loader.ts';

/** What the service needs to hand notifications over; engine/notify's dispatcher provides it. */
export interface NotificationSink {
  enqueue(reqs: NotificationRequest[]): Promise<void>;
}

export interface IncidentServiceOptions {
  bus: Bus;
  store: Pick<Store, 'insertAlertEvents' | 'insertIncidentEvents' | 'insertDeliveries'>;
  notifications: NotificationSink;
  policies: PolicySet;
  neighbours?: ReadonlyMap<string, ReadonlySet<string>>;
  /** KV bucket holding incidents, alerts, silences and the stream position. */
  bucket: string;
  consoleUrl?: string;
  zoneNames?: ReadonlyMap<string, { vi: string; en: string }>;
  now?: () => number;
  /** How long resolved incidents stay in the live state (default 7 days; decision 0502). */
  keepResolvedMs?: number;
  log: Logger;
  metrics?: Pick<Metrics, 'incidents' | 'incidentChanges' | 'incidentConflicts'>;
  /** Alert changes read ahead of being applied before reading pauses (default MAX_PENDING_ALERTS). */
  maxPendingAlerts?: number;
  /**
   * Start as a follower (scale-out: another engine process leads): it serves
   * the Incidents API from the shared state, which it follows through a watch
   * on the bucket, and applies operator actions with compare-and-set, but
   * reads no alerts and runs no timers until `lead()`. Default: lead.
   */
  follow?: boolean;
  /**
   * Other engine processes write the bucket too (scale-out; default true), so
   * it is watched to see their writes. A single engine process is its only
   * writer: `shared: false` skips the watch, which would show it each of its
   * own writes back (a third of incident management's CPU in a storm). Its
   * compare-and-set writes still refuse anything another process wrote. A
   * follower always watches.
   */
  shared?: boolean;
}

const CURSOR_KEY = 'cursor';
/** How long a delete marker stays in the bucket, for watching processes to see the delete. */
const MARKER_KEPT_MS = 30 * 60_000;
/** Other processes' writes are applied at most this often by the leader (operator actions: rare) ... */
const FOLLOW_COALESCE_MS = 100;
/** ... and by a follower (the leader writes all the time during a storm; each look re-reads the state). */
const FOLLOWER_COALESCE_MS = 500;
/**
 * Alert changes are gathered this long and applied and persisted together: a
 * storm's thousands of changes rewrite each big incident a few times a second,
 * not once per change. Safe: the stream position is persisted with them, so a
 * crash in between replays the changes (a no-op for those already applied).
 */
const ALERT_COALESCE_MS = 200;
/** How long a history write may hold up a change before it is left to the background retry. */
const HISTORY_INLINE_MS = 2000;
/** History rows kept for retry while ClickHouse is away; past this the oldest are dropped (and logged). */
const MAX_HISTORY_BACKLOG = 100_000;
/**
 * Alert changes read but not yet applied. While NATS KV is slow, reading
 * stops here and resumes from the persisted position once they are applied:
 * the stream keeps them, memory need not.
 */
export const MAX_PENDING_ALERTS = 20_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const clone = <T>(v: T): T => structuredClone(v);

/** KV keys: `incident.<id>`, `alert.<fingerprint>`, `silence.<id>` (ids are [a-z0-9:-]; `:` becomes `_`). */
const keyOf = (kind: 'incident' | 'alert' | 'silence', id: string) => `${kind}.${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export class IncidentService implements IncidentsApi {
  private readonly manager: IncidentManager;
  private readonly now: () => number;
  private readonly log: Logger;
  private kv: VersionedStore | undefined;
  private readonly revisions = new Map<string, number>();
  private cursor = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pendingAlerts: { alert: Alert; seq: number }[] = [];
  /** Ends the current read of the alerts stream (to pause it at MAX_PENDING_ALERTS). */
  private readPause: AbortController | undefined;
  private paused = false;
  /** Times reading paused because alert changes piled up (for tests and logs). */
  readPauses = 0;
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly updates$ = new Subject<IncidentUpdate>();
  private readonly abort = new AbortController();
  private reader: Promise<void> | undefined;
  private historyBacklog: { incidents: IncidentEventRow[]; alerts: AlertEventRow[]; deliveries: DeliveryAttempt[] } = { incidents: [], alerts: [], deliveries: [] };
  private historyTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Leading: reading alerts and running timers. Otherwise following the bucket. */
  private leading: boolean;
  /** Ends the alert reader when leadership is handed over (stop() ends it too). */
  private readerStop = new AbortController();
  /**
   * The bucket as the watch shows it, and this process's own writes the
   * watch has not shown yet (the newer of the two is the state); keys with
   * a write by another process since the last look.
   */
  private readonly followed = new Map<string, VersionedEntry>();
  private readonly ownLatest = new Map<string, VersionedEntry | undefined>();
  private readonly foreign = new Set<string>();
  /** Delete markers this process wrote, oldest first, to remove after MARKER_KEPT_MS. */
  private readonly markers: { key: string; revision: number; at: number }[] = [];
  private unwatch: (() => void) | undefined;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: IncidentServiceOptions) {
    this.leading = opts.follow !== true;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.manager = new IncidentManager({
      policies: opts.policies,
      now: this.now,
      ...(opts.neighbours ? { neighbours: opts.neighbours } : {}),
      ...(opts.consoleUrl ? { consoleUrl: opts.consoleUrl } : {}),
      ...(opts.zoneNames ? { zoneNames: opts.zoneNames } : {}),
      ...(opts.keepResolvedMs ? { keepResolvedMs: opts.keepResolvedMs } : {}),
    });
  }

  /**
   * Loads the state from KV and (when shared) watches the bucket for other
   * processes' writes; a leader then follows the alerts stream from where it left off.
   */
  async start(): Promise<void> {
    this.kv = await this.opts.bus.versionedStore(this.opts.bucket);
    this.historyTimer = setInterval(() => void this.flushHistory(), 1000);
    this.historyTimer.unref();
    await this.watchBucket();
    if (this.leading) this.startLeading();
    this.log.info({ leading: this.leading, cursor: this.cursor, incidents: this.manager.list({ states: ['open', 'acknowledged'] }).length }, 'incident state loaded');
  }

  /** Whether this process applies alert changes and runs the timers now. */
  get isLeading(): boolean {
    return this.leading;
  }

  /** Takes over alert changes and timers (scale-out: this process now holds the lead). */
  lead(): Promise<void> {
    return this.switchRole(true);
  }

  /** Hands alert changes and timers over to another process; the state stays current through the watch. */
  follow(): Promise<void> {
    return this.switchRole(false);
  }

  private switching: Promise<void> = Promise.resolve();

  private switchRole(lead: boolean): Promise<void> {
    const run = async () => {
      if (this.stopped || this.kv === undefined || this.leading === lead) return;
      this.leading = lead;
      if (lead) {
        // Fresh from the bucket (in the queue, so no change of ours is half-written), then from its cursor on.
        await this.serially(() => this.loadState());
        this.startLeading();
      } else await this.stopLeading();
      this.log.info({ cursor: this.cursor }, lead ? 'incident management: leading (reading alerts, running timers)' : 'incident management: following the shared state');
    };
    this.switching = this.switching.then(run, run);
    return this.switching;
  }

  /** Reads alerts from the state's cursor on, and runs the timers. */
  private startLeading(): void {
    this.readerStop = new AbortController();
    this.reader = this.readLoop();
    this.schedule();
  }

  /** Stops reading alerts and the timers; alert changes already read are applied and persisted first. */
  private async stopLeading(): Promise<void> {
    this.readerStop.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.reader?.catch(() => undefined);
    if (this.coalesceTimer) {
      clearTimeout(this.coalesceTimer);
      this.applyPending();
    }
    await this.settled();
  }

  /** Runs `fn` in the queue of changes, persisting nothing. */
  private serially(fn: () => Promise<void> | void): Promise<void> {
    const run = async () => fn();
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * Loads the bucket and watches it. Writes by other processes (an operator
   * action on another engine, or the leader's changes while following) are
   * applied here within FOLLOW_COALESCE_MS, so every process serves current
   * state; this process's own writes come back too and are recognised by
   * their revision.
   */
  private async watchBucket(): Promise<void> {
    const entries = await this.kv!.entries();
    this.restoreFrom(entries);
    if (this.opts.shared === false && this.opts.follow !== true) return; // the only writer: nothing to follow
    for (const [k, e] of entries) this.followed.set(k, e);
    this.unwatch = await this.kv!.watch((key, entry) => {
      const had = this.followed.get(key);
      if (entry) {
        if (had && had.revision >= entry.revision) return;
        this.followed.set(key, entry);
      } else this.followed.delete(key);
      const own = this.ownLatest.get(key);
      if (this.ownLatest.has(key) && (own === undefined ? entry === undefined : entry !== undefined && entry.revision >= own.revision)) {
        this.ownLatest.delete(key); // our own write, shown back
        if (own !== undefined && entry !== undefined && entry.revision === own.revision) return;
      }
      if (entry && entry.revision === this.revisions.get(key)) return; // ours, already known
      this.foreign.add(key);
      this.watchTimer ??= setTimeout(() => {
        this.watchTimer = undefined;
        void this.serially(() => this.applyWatched()).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'applying the shared incident state failed'));
      }, this.leading ? FOLLOW_COALESCE_MS : FOLLOWER_COALESCE_MS);
    });
  }

  /** Other processes' writes: the state becomes the bucket's (with our own newer writes), and API watchers are told. */
  private applyWatched(): void {
    const foreign = [...this.foreign].filter((key) => {
      const e = this.followed.get(key);
      return e === undefined ? this.revisions.has(key) : e.revision > (this.revisions.get(key) ?? 0);
    });
    this.foreign.clear();
    if (foreign.length === 0 || this.stopped) return;
    const state = new Map(this.followed);
    for (const [k, e] of this.ownLatest) {
      if (e === undefined) state.delete(k);
      else if (e.revision > (state.get(k)?.revision ?? 0)) state.set(k, e);
    }
    const cursor = this.cursor;
    this.restoreFrom(state);
    // The leader's cursor is its own: what it read ahead is applied after this.
    if (this.leading) this.cursor = Math.max(cursor, this.cursor);
    this.manager.drain(); // a reload decides nothing: whoever wrote it did
    this.schedule();
    if (!this.updates$.observed) return;
    for (const key of foreign) {
      if (key.startsWith('incident.')) {
        const id = key.slice('incident.'.length);
        const i = this.manager.incident(id);
        // Gone: dropped by the leader after incidents.keepResolvedDays.
        this.updates$.next(i ? { kind: 'incident', incident: clone(i) } : { kind: 'incident.removed', incidentId: id, mergedInto: '' });
      } else if (key.startsWith('alert.')) {
        const a = this.manager.alert(key.slice('alert.'.length));
        if (a) this.updates$.next({ kind: 'alert', alert: clone(a) });
      } else if (key.startsWith('silence.')) {
        const si = this.manager.silence(key.slice('silence.'.length));
        if (si) this.updates$.next({ kind: 'silence', silence: clone(si) });
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.readerStop.abort();
    this.unwatch?.();
    if (this.watchTimer) clearTimeout(this.watchTimer);
    if (this.timer) clearTimeout(this.timer);
    if (this.historyTimer) clearInterval(this.historyTimer);
    await this.reader?.catch(() => undefined);
    // Alert changes already read are applied and persisted before the stop.
    if (this.coalesceTimer) {
      clearTimeout(this.coalesceTimer);
      this.applyPending();
    }
    await this.queue.catch(() => undefined);
    await this.flushHistory();
    this.updates$.complete();
  }

  /** Delivery attempts from the notification dispatcher, appended to the history. */
  recordDelivery(a: DeliveryAttempt): void {
    this.historyBacklog.deliveries.push(a);
  }

  /** Replaces the policies (rules reload); open incidents keep their state. */
  setPolicies(policies: PolicySet): Promise<void> {
    return this.mutate(() => this.manager.setPolicies(policies));
  }

  // --- IncidentsApi --------------------------------------------------------

  list(filter: IncidentFilter): Incident[] {
    return this.manager.list(filter).map(clone);
  }

  /** Incidents not resolved in a zone, counted without copying them (zone KPIs). */
  openCount(zone: string): number {
    return this.manager.list({ states: ['open', 'acknowledged'], zones: [zone], limit: Number.MAX_SAFE_INTEGER }).length;
  }

  get(id: string): { incident: Incident; alerts: AlertRecord[] } | undefined {
    const incident = this.manager.incident(id);
    if (!incident) return undefined;
    return { incident: clone(incident), alerts: this.manager.alertsOf(incident).map(clone) };
  }

  /** Alerts as incident management sees them (silenced and inhibited ones included). */
  alert(fingerprint: string): AlertRecord | undefined {
    const a = this.manager.alert(fingerprint);
    return a && clone(a);
  }

  act(action: OperatorAction): Promise<Incident> {
    return this.mutate(() => clone(this.manager.act(action)));
  }

  silences(): Silence[] {
    return this.manager.allSilences().map(clone);
  }

  createSilence(s: NewSilence): Promise<Silence> {
    return this.mutate(() => clone(this.manager.createSilence(s, `sil-${randomBytes(6).toString('hex')}`)));
  }

  expireSilence(id: string, actor: string): Promise<Silence> {
    return this.mutate(() => clone(this.manager.expireSilence(id, actor)));
  }

  updates(): Observable<IncidentUpdate> {
    return this.updates$.asObservable();
  }

  /** Resolves once every change queued so far is durable (for tests and clean stops). */
  async settled(): Promise<void> {
    for (;;) {
      if (this.flushScheduled) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const q = this.queue;
      await q.catch(() => undefined);
      if (q === this.queue && !this.flushScheduled) return;
    }
  }

  // --- internals -----------------------------------------------------------

  private async readLoop(): Promise<void> {
    const ended = AbortSignal.any([this.abort.signal, this.readerStop.signal]);
    while (!ended.aborted) {
      this.readPause = new AbortController();
      try {
        await this.opts.bus.readAlerts(this.cursor, (alert, seq) => this.onAlert(alert, seq), AbortSignal.any([ended, this.readPause.signal]));
      } catch (err) {
        if (ended.aborted) return;
        this.log.warn({ err: errorMessage(err) }, 'reading alerts failed; retrying');
      }
      if (ended.aborted) return;
      if (this.paused) {
        // Everything read is applied and persisted first; then reading resumes after it.
        await this.settled();
        this.paused = false;
        this.log.info({ cursor: this.cursor }, 'alert changes applied; reading the alerts stream again');
        continue;
      }
      await new Promise((r) => setTimeout(r, 1000));
      await this.settled();
    }
  }

  private onAlert(alert: Alert, seq: number): void {
    if (this.paused) return; // read again from the cursor after the pause
    // Only the NATS stream can be re-read from a position; the embedded bus keeps everything in memory anyway.
    if (this.pendingAlerts.length >= (this.opts.maxPendingAlerts ?? MAX_PENDING_ALERTS) && this.opts.bus.kind === 'nats') {
      this.paused = true;
      this.readPauses++;
      this.log.warn({ pending: this.pendingAlerts.length, cursor: this.cursor }, 'alert changes are arriving faster than incident state can be saved: pausing the alerts stream');
      this.readPause?.abort();
      return;
    }
    this.pendingAlerts.push({ alert, seq });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.coalesceTimer = setTimeout(() => this.applyPending(), ALERT_COALESCE_MS);
    this.coalesceTimer.unref();
  }

  private coalesceTimer: NodeJS.Timeout | undefined;

  private applyPending(): void {
    this.coalesceTimer = undefined;
    void this.mutate(() => {
      this.flushScheduled = false;
      const batch = this.pendingAlerts.splice(0);
      for (const { alert: a, seq: s } of batch) {
        if (s <= this.cursor && this.opts.bus.kind === 'nats') continue;
        this.manager.applyAlert(a);
        this.cursor = Math.max(this.cursor, s);
      }
    }).catch((err: unknown) => {
      if (err instanceof ConflictError) {
        // Another engine process applied alert changes first and the state was reloaded with its
        // cursor: read again from there (changes already applied are no-ops), or the changes this
        // batch held after that cursor would be skipped here.
        this.log.info({ cursor: this.cursor }, 'another engine process applied alert changes first; reading the alerts stream again from its position');
        this.rewind();
        return;
      }
      this.log.error({ err: errorMessage(err) }, 'applying alert changes failed');
    });
  }

  /** Drops the alert changes read ahead and reads the stream again from the cursor. */
  private rewind(): void {
    this.pendingAlerts.length = 0;
    if (this.paused) return;
    this.paused = true;
    this.readPause?.abort();
  }

  /** Runs `change` alone, then makes its effects durable; a lost compare-and-set reloads the state and rejects. */
  private mutate<T>(change: () => T): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.stopped && this.kv === undefined) throw new Error('incident service is stopped');
      const cursorBefore = this.cursor;
      let result: T;
      try {
        result = change();
      } catch (err) {
        await this.persist(this.manager.drain(), cursorBefore);
        throw err;
      }
      await this.persist(this.manager.drain(), cursorBefore);
      this.schedule();
      return result;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async persist(e: Effects, cursorBefore: number): Promise<void> {
    const nothing = e.incidents.size === 0 && e.alerts.size === 0 && e.silences.size === 0 && e.removed.size === 0 && e.notifications.length === 0;
    if (nothing && this.cursor === cursorBefore) return;
    // A 'notified' row is history only once its notifications are in the outbox: a crash in
    // between must not leave the audit saying a message went out that the restart decides differently.
    const notified = e.incidentRows.filter((r) => r.kind === 'notified');
    await this.writeHistory(notified.length > 0 ? e.incidentRows.filter((r) => r.kind !== 'notified') : e.incidentRows, e.alertRows);
    if (e.notifications.length > 0) await this.opts.notifications.enqueue(e.notifications);
    if (notified.length > 0) await this.writeHistory(notified, []);
    try {
      const writes: Promise<void>[] = [];
      let dropped = 0;
      for (const id of e.incidents) {
        const i = this.manager.incident(id);
        if (i) writes.push(this.write(keyOf('incident', id), i));
        else {
          dropped++;
          writes.push(this.remove(keyOf('incident', id)));
        }
      }
      // Dropped alerts go after their incidents: an incident another process reopened meanwhile keeps its alerts.
      const droppedAlerts: string[] = [];
      for (const fp of e.alerts) {
        const a = this.manager.alert(fp);
        if (a) writes.push(this.write(keyOf('alert', fp), a));
        else droppedAlerts.push(fp);
      }
      for (const id of e.silences) {
        if (id.startsWith('policy:')) continue;
        const s = this.manager.silence(id);
        writes.push(s ? this.write(keyOf('silence', id), s) : this.remove(keyOf('silence', id)));
      }
      await Promise.all(writes);
      await Promise.all(droppedAlerts.map((fp) => this.remove(keyOf('alert', fp))));
      if (dropped > 0) this.log.info({ incidents: dropped, alerts: droppedAlerts.length }, 'resolved incidents past incidents.keepResolvedDays left the live state (their history stays in ClickHouse)');
      if (this.cursor !== cursorBefore) await this.write(CURSOR_KEY, { seq: this.cursor });
      await this.forgetMarkers();
    } catch (err) {
      if (err instanceof ConflictError) {
        this.opts.metrics?.incidentConflicts.inc();
        // Expected with several engine processes (scale-out): counted, and logged without alarm.
        this.log.warn({ err: err.message }, 'another engine process changed incident state: reloading it');
        await this.loadState();
      }
      throw err;
    }
    this.publishUpdates(e);
    this.count(e);
  }

  private count(e: Effects): void {
    const m = this.opts.metrics;
    if (!m) return;
    for (const r of e.incidentRows) m.incidentChanges.labels(r.kind).inc();
    if (e.incidents.size === 0) return;
    m.incidents.reset();
    for (const i of this.manager.list({ states: ['open', 'acknowledged'], limit: Number.MAX_SAFE_INTEGER })) m.incidents.labels(i.state, i.type).inc();
  }

  private async write(key: string, value: unknown): Promise<void> {
    const bytes = encoder.encode(JSON.stringify(value));
    const rev = await this.kv!.put(key, bytes, this.revisions.get(key) ?? 0);
    this.revisions.set(key, rev);
    if (this.unwatch && (this.followed.get(key)?.revision ?? 0) < rev) this.ownLatest.set(key, { value: bytes, revision: rev });
  }

  private async remove(key: string): Promise<void> {
    const rev = this.revisions.get(key);
    if (rev === undefined) return;
    const marker = await this.kv!.delete(key, rev);
    this.markers.push({ key, revision: marker, at: Date.now() });
    this.revisions.delete(key);
    if (this.unwatch && this.followed.has(key)) this.ownLatest.set(key, undefined);
  }

  /** Removes the delete markers of keys this process deleted, once other processes had time to see them. */
  private async forgetMarkers(): Promise<void> {
    const before = Date.now() - MARKER_KEPT_MS;
    while (this.markers.length > 0 && this.markers[0]!.at <= before) {
      const m = this.markers.shift()!;
      await this.kv!.forget(m.key, m.revision).catch((err: unknown) => this.log.warn({ key: m.key, err: errorMessage(err) }, 'could not remove a delete marker (harmless: it is read and skipped)'));
    }
  }

  private async loadState(): Promise<void> {
    this.restoreFrom(await this.kv!.entries());
  }

  /** The manager's state, revisions and cursor from the bucket's entries. */
  private restoreFrom(entries: ReadonlyMap<string, VersionedEntry>): void {
    this.revisions.clear();
    const alerts: AlertRecord[] = [];
    const incidents: Incident[] = [];
    const silences: Silence[] = [];
    let cursor = 0;
    for (const [key, { value, revision }] of entries) {
      this.revisions.set(key, revision);
      try {
        const v: unknown = JSON.parse(decoder.decode(value));
        if (key === CURSOR_KEY) cursor = (v as { seq: number }).seq;
        else if (key.startsWith('incident.')) incidents.push(v as Incident);
        else if (key.startsWith('alert.')) alerts.push(v as AlertRecord);
        else if (key.startsWith('silence.')) silences.push(v as Silence);
      } catch (err) {
        this.log.error({ key, err: errorMessage(err) }, 'ignoring an unreadable incident state entry');
      }
    }
    this.manager.restore({ alerts, incidents, silences });
    this.cursor = cursor;
  }

  private publishUpdates(e: Effects): void {
    if (!this.updates$.observed) return;
    for (const id of e.incidents) {
      if (e.removed.has(id)) continue;
      const i = this.manager.incident(id);
      if (i) this.updates$.next({ kind: 'incident', incident: clone(i) });
    }
    for (const [incidentId, mergedInto] of e.removed) this.updates$.next({ kind: 'incident.removed', incidentId, mergedInto });
    for (const fp of e.alerts) {
      const a = this.manager.alert(fp);
      if (a) this.updates$.next({ kind: 'alert', alert: clone(a) });
    }
    for (const id of e.silences) {
      const s = this.manager.silence(id);
      if (s) this.updates$.next({ kind: 'silence', silence: clone(s) });
    }
  }

  /** Writes history inline (bounded wait); what does not make it waits in the backlog for the background flush. */
  private async writeHistory(incidents: IncidentEventRow[], alerts: AlertEventRow[]): Promise<void> {
    this.historyBacklog.incidents.push(...incidents);
    this.historyBacklog.alerts.push(...alerts);
    await Promise.race([this.flushHistory(), new Promise((r) => setTimeout(r, HISTORY_INLINE_MS).unref())]);
  }

  private flushing: Promise<void> | undefined;

  /** One flush at a time; a call during a flush waits for it and then flushes what arrived meanwhile. */
  private async flushHistory(): Promise<void> {
    while (this.flushing) await this.flushing;
    const b = this.historyBacklog;
    if (b.incidents.length + b.alerts.length + b.deliveries.length === 0) return;
    this.historyBacklog = { incidents: [], alerts: [], deliveries: [] };
    this.flushing = this.insertHistory(b).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async insertHistory(b: { incidents: IncidentEventRow[]; alerts: AlertEventRow[]; deliveries: DeliveryAttempt[] }): Promise<void> {
    try {
      if (b.incidents.length) await this.opts.store.insertIncidentEvents(b.incidents);
      b.incidents = [];
      if (b.alerts.length) await this.opts.store.insertAlertEvents(b.alerts);
      b.alerts = [];
      if (b.deliveries.length) await this.opts.store.insertDeliveries(b.deliveries);
      b.deliveries = [];
    } catch (err) {
      // Put back what did not go in, ahead of what arrived meanwhile; inserts are idempotent.
      const n = this.historyBacklog;
      this.historyBacklog = { incidents: [...b.incidents, ...n.incidents], alerts: [...b.alerts, ...n.alerts], deliveries: [...b.deliveries, ...n.deliveries] };
      const size = this.historyBacklog.incidents.length + this.historyBacklog.alerts.length + this.historyBacklog.deliveries.length;
      if (size > MAX_HISTORY_BACKLOG) {
        this.historyBacklog.alerts.splice(0, size - MAX_HISTORY_BACKLOG);
        this.log.error({ backlog: size }, 'incident history backlog is full: dropping the oldest alert history rows');
      }
      this.log.warn({ err: errorMessage(err), backlog: size }, 'writing incident history failed; retrying');
    }
  }

  private schedule(): void {
    if (this.stopped || !this.leading) return;
    if (this.timer) clearTimeout(this.timer);
    const due = this.manager.nextDue();
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - this.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.mutate(() => this.manager.runDue()).catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'incident timers failed'));
    }, delay);
    this.timer.unref();
  }
}
