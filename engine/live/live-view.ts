// The live picture of the city the console watches: the latest state of each
// sensor and the alerts firing now, with a sequence number per change so a
// client can start from a snapshot and apply deltas. Sensor changes are
// coalesced and flushed on a timer (at most one update per sensor per flush);
// alert changes go out at once. Never blocks the pipeline: O(1) per event.

import { Subject, type Observable, type SchedulerLike, type Subscription, asyncScheduler, interval } from 'rxjs';
import { severityRank, type Alert, type Severity } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';

export interface SensorState {
  source: string;
  type: string;
  lat?: number;
  lon?: number;
  zone: string;
  value?: number;
  unit: string;
  time: number;
  /** Worst severity among alerts firing for this source; undefined when none. */
  severity?: Severity;
}

export type LiveUpdate =
  | { kind: 'sensor'; seq: number; sensor: SensorState }
  | { kind: 'alert'; seq: number; alert: Alert };

export interface LiveSnapshot {
  seq: number;
  sensors: SensorState[];
  alerts: Alert[];
}

export interface LiveViewOptions {
  /** How often coalesced sensor changes are sent, ms. */
  flushMs?: number;
  /** Most sensors tracked; further new sources are ignored (and counted). */
  maxSensors?: number;
  /**
   * Scale-out: called at each flush with the sensors this process's own
   * events changed, for the other processes' live views (`applyRemote`).
   */
  share?(changed: SensorState[]): void;
  scheduler?: SchedulerLike;
}

export class LiveView {
  private readonly sensors = new Map<string, SensorState>();
  private readonly firing = new Map<string, Alert>();
  /** source → fingerprints of alerts firing for it, to colour the sensor. */
  private readonly bySource = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  /** Sources whose state changed here through an event (not from a peer), until shared. */
  private readonly outgoing = new Set<string>();
  /** Sources this process's own events have reported (what it answers a joining peer with). */
  private readonly owned = new Set<string>();
  private readonly share: ((changed: SensorState[]) => void) | undefined;
  private readonly updates$ = new Subject<LiveUpdate>();
  private readonly timer: Subscription;
  private readonly maxSensors: number;
  private seq = 0;
  /** New sources ignored because maxSensors was reached. */
  ignoredSources = 0;

  constructor(opts: LiveViewOptions = {}) {
    this.maxSensors = opts.maxSensors ?? 200_000;
    this.share = opts.share;
    this.timer = interval(opts.flushMs ?? 250, opts.scheduler ?? asyncScheduler).subscribe(() => this.flush());
  }

  /** Records the latest event of a source. */
  applyEvent(e: IocEvent): void {
    // A late event does not overwrite a newer state.
    if (this.record(e, false) === undefined) return;
    this.dirty.add(e.source);
    if (this.share) this.outgoing.add(e.source);
  }

  /**
   * Sensor states another engine process shared (scale-out: it owns the
   * partitions of those sensors). A state not newer than the one held is
   * ignored; the colour comes from the alerts firing here, which are the
   * whole city's.
   */
  applyRemote(states: readonly SensorState[]): void {
    for (const r of states) {
      if (typeof r?.source !== 'string' || typeof r.time !== 'number') continue;
      const s = this.record(r, true);
      if (s === undefined) continue;
      s.severity = this.worstSeverity(r.source);
      this.dirty.add(r.source);
    }
  }

  /**
   * Writes a reading into its sensor's state: undefined when it is older
   * than the state held (or as old, when `strictlyNewer`), or when the
   * sensor is new and the view is full.
   */
  private record(r: Pick<SensorState, 'source' | 'type' | 'time' | 'value' | 'lat' | 'lon'> & { zone?: string | undefined; unit?: string | undefined }, strictlyNewer: boolean): SensorState | undefined {
    let s = this.sensors.get(r.source);
    if (s === undefined) {
      if (this.sensors.size >= this.maxSensors) {
        this.ignoredSources++;
        return undefined;
      }
      s = { source: r.source, type: r.type, zone: '', unit: '', time: 0 };
      this.sensors.set(r.source, s);
    } else if (r.time < s.time || (strictlyNewer && r.time === s.time)) {
      return undefined;
    }
    s.type = r.type;
    s.time = r.time;
    s.zone = r.zone ?? s.zone;
    s.unit = r.unit ?? s.unit;
    s.value = r.value;
    if (r.lat !== undefined) {
      s.lat = r.lat;
      s.lon = r.lon;
    }
    return s;
  }

  /** Every sensor state this process's own events set (for a peer that just joined). */
  ownStates(): SensorState[] {
    return [...this.owned].map((source) => this.sensors.get(source)).filter((s) => s !== undefined).map((s) => ({ ...s }));
  }

  /** Records an alert state change and sends it to watchers at once. */
  applyAlert(a: Alert): void {
    const known = this.firing.get(a.fingerprint);
    if (a.state === 'firing') {
      if (known && known.startsAt === a.startsAt) return; // a replay of what we already show
      this.firing.set(a.fingerprint, a);
      let set = this.bySource.get(a.source);
      if (!set) this.bySource.set(a.source, (set = new Set()));
      set.add(a.fingerprint);
    } else {
      if (!known) return;
      this.firing.delete(a.fingerprint);
      this.bySource.get(a.source)?.delete(a.fingerprint);
    }
    this.updates$.next({ kind: 'alert', seq: ++this.seq, alert: a });
    const sensor = this.sensors.get(a.source);
    if (sensor) {
      sensor.severity = this.worstSeverity(a.source);
      this.dirty.add(a.source);
    }
  }

  private worstSeverity(source: string): Severity | undefined {
    let worst: Severity | undefined;
    for (const fp of this.bySource.get(source) ?? []) {
      const s = this.firing.get(fp)?.severity;
      if (severityRank(s) > severityRank(worst)) worst = s;
    }
    return worst;
  }

  /** Sends the coalesced sensor changes (nothing to build while no console watches), and shares this process's own. */
  flush(): void {
    if (this.outgoing.size > 0) {
      const changed: SensorState[] = [];
      for (const source of this.outgoing) {
        const s = this.sensors.get(source);
        if (s) changed.push({ ...s });
        this.owned.add(source);
      }
      this.outgoing.clear();
      this.share!(changed);
    }
    if (this.dirty.size === 0) return;
    if (!this.updates$.observed) {
      this.dirty.clear();
      return;
    }
    for (const source of this.dirty) {
      const s = this.sensors.get(source);
      if (s) this.updates$.next({ kind: 'sensor', seq: ++this.seq, sensor: { ...s } });
    }
    this.dirty.clear();
  }

  /** Everything as of now; updates after it carry a higher seq. */
  snapshot(): LiveSnapshot {
    this.flush();
    return {
      seq: this.seq,
      sensors: [...this.sensors.values()].map((s) => ({ ...s })),
      alerts: [...this.firing.values()],
    };
  }

  /** The alerts firing now. */
  firingAlerts(): Alert[] {
    return [...this.firing.values()];
  }

  updates(): Observable<LiveUpdate> {
    return this.updates$;
  }

  close(): void {
    this.timer.unsubscribe();
    this.updates$.complete();
  }
}
