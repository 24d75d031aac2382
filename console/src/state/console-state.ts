// The console's picture of the city, built from the Watch stream: sensors by
// source, alerts firing by fingerprint. Pure and synchronous; it never talks to
// the network or the DOM, so it is tested without either.

import { severityRank, type AlertView, type FeedUpdate, type SensorView, type Severity } from './types.ts';

/** What one update changed, so the views redraw only that. */
export interface Applied {
  /** The update does not follow the last one (a gap) or came before any snapshot: start again from a snapshot. */
  resync: boolean;
  /** Everything was replaced. */
  snapshot: boolean;
  /** Sensors whose look on the map may have changed (after a snapshot: all). */
  sensors: SensorView[];
  /** The list of firing alerts changed. */
  alerts: boolean;
}

const nothing: Applied = { resync: false, snapshot: false, sensors: [], alerts: false };

export class ConsoleState {
  /** Where the engine's data comes from, e.g. "embedded" or "nats+clickhouse"; empty before a snapshot. */
  mode = '';
  /** Sequence number of the last update applied; -1 before the first snapshot. */
  seq = -1;
  readonly sensors = new Map<string, SensorView>();
  private readonly firing = new Map<string, AlertView>();
  /** Fingerprints of firing alerts per source, to color a sensor by its worst alert. */
  private readonly bySource = new Map<string, Set<string>>();

  /**
   * @example
   * const applied = state.apply(update);
   * if (applied.resync) feed.restart();
   */
  apply(update: FeedUpdate): Applied {
    if (update.kind === 'snapshot') {
      this.reset(update.mode, update.seq);
      for (const s of update.sensors) this.sensors.set(s.source, s);
      for (const a of update.alerts) this.setAlert(a);
      return { resync: false, snapshot: true, sensors: [...this.sensors.values()], alerts: true };
    }
    if (this.seq < 0 || update.seq !== this.seq + 1) return { ...nothing, resync: true };
    this.seq = update.seq;
    if (update.kind === 'sensor') {
      this.sensors.set(update.sensor.source, update.sensor);
      return { ...nothing, sensors: [update.sensor] };
    }
    const before = this.firing.get(update.alert.fingerprint);
    this.setAlert(update.alert);
    const sources = new Set([update.alert.source, before?.source].filter((s): s is string => s !== undefined));
    const sensors = [...sources].map((s) => this.sensors.get(s)).filter((s): s is SensorView => s !== undefined);
    return { ...nothing, sensors, alerts: true };
  }

  /** Firing alerts, worst first, then newest first. */
  alerts(): AlertView[] {
    return [...this.firing.values()].sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.startsAt - a.startsAt || a.fingerprint.localeCompare(b.fingerprint),
    );
  }

  /** How a sensor should look: the worst of what the engine says and of the alerts firing for it. */
  sensorSeverity(sensor: SensorView): Severity | undefined {
    let worst = sensor.severity;
    for (const fp of this.bySource.get(sensor.source) ?? []) {
      const s = this.firing.get(fp)?.severity;
      if (severityRank(s) > severityRank(worst)) worst = s;
    }
    return worst;
  }

  private reset(mode: string, seq: number): void {
    this.mode = mode;
    this.seq = seq;
    this.sensors.clear();
    this.firing.clear();
    this.bySource.clear();
  }

  /** Firing alerts are kept; any other state (resolved, pending) takes the alert off the list. */
  private setAlert(alert: AlertView): void {
    const previous = this.firing.get(alert.fingerprint);
    if (previous) {
      this.firing.delete(alert.fingerprint);
      this.bySource.get(previous.source)?.delete(alert.fingerprint);
    }
    if (alert.state !== 'firing') return;
    this.firing.set(alert.fingerprint, alert);
    let set = this.bySource.get(alert.source);
    if (!set) this.bySource.set(alert.source, (set = new Set()));
    set.add(alert.fingerprint);
  }
}
