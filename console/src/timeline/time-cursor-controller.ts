// Wires the time cursor and the drill-down into the page with as little of the
// page as possible: holds the TimeTravel state and the clicked target, swaps
// the map to the city at T and back, and renders both components. The page
// asks it `isPast` before pushing live updates to the views, and shows
// `alerts(live)`, `incidents()` and the KPIs (`incidentsByZone`, `sensorCount`,
// `city`) through it, so every figure on screen is of the same instant; it
// never touches the live state itself.

import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { grpcWebDrill, type DrillQueries, type DrillTarget } from '../drilldown/index.ts';
import type { IncidentView } from '../incidents/index.ts';
import { sensorFeature, type SensorFeature, type WallMap } from '../map/index.ts';
import type { AlertView, Lang, Localized, SensorView, Severity } from '../state/index.ts';
import type { CityMoment } from '../wall/index.ts';
import { queriesAt, worstByZone, type CountedIncident } from './kpis-at.ts';
import { grpcWebIncidentsAt, grpcWebPast, type FetchIncidentsAt } from './past-client.ts';
import './time-cursor.ts';
import { TimeTravel, type FetchPast, type PastIncident, type TimeView } from './time-travel.ts';

export interface TimeCursorOptions {
  /** The map element, when rendered. */
  map: () => WallMap | null;
  /** Live sensors as map features: what the map shows again on "live" (the resync). */
  liveFeatures: () => SensorFeature[];
  /** Live sensors, to chart a district by its most common event type. */
  liveSensors: () => Iterable<SensorView>;
  /** Engine base URL; default this page's origin. */
  baseUrl?: string;
  /** For tests: fetch the past and the drill-down data some other way. */
  fetchPast?: FetchPast;
  queries?: DrillQueries;
  incidentsAt?: FetchIncidentsAt;
}

export class TimeCursorController implements ReactiveController {
  private readonly travel: TimeTravel;
  private readonly queries: DrillQueries;
  private target: DrillTarget | undefined;
  private tick = 0;
  private now = Date.now();
  /** The last past view's incidents as queue rows, kept so the desk sees the same array until T changes. */
  private pastQueue: { view: TimeView; incidents: IncidentView[] } | undefined;
  /** The same for the map's open incidents by district at T. */
  private pastZones: { view: TimeView; zones: ReadonlyMap<string, Severity> } | undefined;
  private readonly incidentsAt: FetchIncidentsAt;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement, private readonly options: TimeCursorOptions) {
    const base = options.baseUrl ?? location.origin;
    this.travel = new TimeTravel(options.fetchPast ?? grpcWebPast(base), (v) => this.show(v));
    this.incidentsAt = options.incidentsAt ?? grpcWebIncidentsAt(base);
    // The drill-down's open-incident count at T is T's, not now's (ZoneKpis counts those open now).
    this.queries = queriesAt(options.queries ?? grpcWebDrill(base), (at, signal) => this.incidentsAtShown(at, signal));
    host.addController(this);
  }

  /** True while the page shows a past instant: live updates must not reach the map or the lists. */
  get isPast(): boolean {
    return this.travel.isPast;
  }

  /** The alerts to list: the live ones, or those firing at T. */
  alerts(live: AlertView[]): AlertView[] {
    const v = this.travel.view;
    return v.mode === 'past' ? (v.status === 'ready' ? v.view.alerts : []) : live;
  }

  /**
   * The incidents the desk queues: undefined while live (the desk shows its own
   * store), those not resolved at T while at a past instant (none while loading).
   */
  incidents(): IncidentView[] | undefined {
    const v = this.travel.view;
    if (v.mode === 'live') return undefined;
    if (this.pastQueue?.view !== v) this.pastQueue = { view: v, incidents: v.status === 'ready' ? v.view.incidents.map(incidentRow) : [] };
    return this.pastQueue.incidents;
  }

  /** The map's open incidents by district: the live ones, or those not resolved at T (none while loading). */
  incidentsByZone(live: ReadonlyMap<string, Severity>): ReadonlyMap<string, Severity> {
    const v = this.travel.view;
    if (v.mode === 'live') return live;
    if (this.pastZones?.view !== v) this.pastZones = { view: v, zones: v.status === 'ready' ? worstByZone(v.view.incidents) : new Map() };
    return this.pastZones.zones;
  }

  /** The sensors counted on screen: the live ones, or those heard in the hour before T ('–' until T is loaded). */
  sensorCount(live: number): number | string {
    const v = this.travel.view;
    return v.mode === 'live' ? live : v.status === 'ready' ? v.view.sensors.length : '–';
  }

  /** The city the wall's KPIs describe: live, or at T. */
  city(liveIncidents: readonly IncidentView[], liveSensors: readonly SensorView[]): CityMoment {
    const v = this.travel.view;
    if (v.mode === 'live') return { at: undefined, status: 'ready', incidents: liveIncidents, sensors: liveSensors };
    if (v.status === 'ready') return { at: v.at, status: 'ready', incidents: v.view.incidents, sensors: v.view.sensors };
    return { at: v.at, status: v.status, incidents: [], sensors: [], ...(v.status === 'error' ? { message: v.message } : {}) };
  }

  hostConnected(): void {
    this.host.addEventListener('sensor-selected', this.onSensor);
    this.host.addEventListener('zone-selected', this.onZone);
    // The slider's right end follows the clock.
    this.tick = window.setInterval(() => { this.now = Date.now(); this.host.requestUpdate(); }, 30_000);
  }

  hostDisconnected(): void {
    this.host.removeEventListener('sensor-selected', this.onSensor);
    this.host.removeEventListener('zone-selected', this.onZone);
    clearInterval(this.tick);
    this.travel.goLive();
  }

  renderCursor(lang: Lang) {
    return html`<ioc-time-cursor class="time-cursor" .view=${this.travel.view} .now=${this.now} lang=${lang}
      @time-cursor-change=${(e: CustomEvent<{ at: number }>) => { this.now = Date.now(); void this.travel.goTo(e.detail.at); }}
      @time-cursor-live=${() => this.travel.goLive()}></ioc-time-cursor>`;
  }

  renderDrill(lang: Lang, alerts: AlertView[], districts: ReadonlyMap<string, Localized>) {
    if (!this.target) return nothing;
    const v = this.travel.view;
    return html`<ioc-drill-panel class="drill" .target=${this.target} .queries=${this.queries} .alerts=${alerts} .districts=${districts}
      .at=${v.mode === 'past' ? v.at : undefined} lang=${lang} @drill-close=${() => { this.target = undefined; this.host.requestUpdate(); }}></ioc-drill-panel>`;
  }

  /** The incidents not resolved at `at` when that is the instant shown; undefined for any other (live) instant. */
  private incidentsAtShown(at: number, signal: AbortSignal): Promise<readonly CountedIncident[]> | undefined {
    const v = this.travel.view;
    if (v.mode !== 'past' || v.at !== at) return undefined;
    return v.status === 'ready' ? Promise.resolve(v.view.incidents) : this.incidentsAt(at, signal);
  }

  private show(v: TimeView): void {
    const map = this.options.map();
    if (v.mode === 'live') map?.replaceSensors(this.options.liveFeatures());
    else if (v.status === 'ready') map?.replaceSensors(pastFeatures(v.view.sensors));
    this.host.requestUpdate();
  }

  private readonly onSensor = (e: Event): void => {
    const d = (e as CustomEvent<{ source: string; type: string; zone: string }>).detail;
    this.target = { kind: 'sensor', source: d.source, type: d.type, zone: d.zone };
    this.host.requestUpdate();
  };

  private readonly onZone = (e: Event): void => {
    const zone = (e as CustomEvent<{ zone: string }>).detail.zone;
    const type = commonType(this.options.liveSensors(), zone);
    if (type === undefined) return;
    this.target = { kind: 'zone', zone, type };
    this.host.requestUpdate();
  };
}

/** The sensors at T as map features, colored by the alerts firing then (the engine says which). */
function pastFeatures(sensors: readonly SensorView[]): SensorFeature[] {
  return sensors.flatMap((s) => sensorFeature(s, s.severity) ?? []);
}

/** A past incident as a queue row; the history keeps no title, so the desk names it by id (or its live title). */
function incidentRow(i: PastIncident): IncidentView {
  return {
    id: i.id, type: i.type, policy: '', title: { vi: '', en: '' }, state: i.state, severity: i.severity, zones: i.zones, groupKey: '',
    alerts: [], openedAt: i.openedAt, acknowledgedAt: 0, acknowledgedBy: i.acknowledgedBy, resolvedAt: 0, resolution: '',
    assignee: i.assignee, escalationLevel: 0, sop: [], timeline: [],
  };
}

/** The event type most sensors of a zone report; undefined when the zone has none. */
export function commonType(sensors: Iterable<SensorView>, zone: string): string | undefined {
  const counts = new Map<string, number>();
  for (const s of sensors) if (s.zone === zone) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
  let best: string | undefined;
  for (const [type, n] of counts) if (best === undefined || n > counts.get(best)! || (n === counts.get(best) && type < best)) best = type;
  return best;
}
