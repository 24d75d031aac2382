// <ioc-console>: the operations console's page. Wires the Watch feed into the
// state, the state into the map and the alert list, and shows the connection
// and the engine's mode. Holds no domain logic of its own.

import type { FeatureCollection } from 'geojson';
import { css, html, LitElement, nothing, unsafeCSS } from 'lit';
import { ConnectionBoard, ConsoleFeed, type Connection, type WatchFn } from '../api/index.ts';
import '../alerts/index.ts';
import { t } from '../i18n/index.ts';
import { loadBaseTiles, sensorFeature, shapeMark, type BaseMapData, type WallMap } from '../map/index.ts';
import { ConsoleState, type AlertView, type FeedUpdate, type Lang, type Localized } from '../state/index.ts';
import { severityColor, severityVars } from '../theme/index.ts';
import { TimeCursorController } from '../timeline/index.ts';
import { WallController, wallLayout } from '../wall/index.ts';
import { IncidentStore } from '../incidents/index.ts';
import { ACT_ON_INCIDENTS, SessionController } from '../session/index.ts';

/** What the browser tests read through `window.__ioc.state()`. */
export interface ConsoleSnapshot {
  connection: Connection['phase'];
  mode: string;
  lang: Lang;
  alerts: number;
  sensors: number;
  seq: number;
}

export class IocConsole extends LitElement {
  static override properties = {
    lang: { type: String },
    connection: { state: true },
    mode: { state: true },
    alerts: { state: true },
    sensorCount: { state: true },
    base: { state: true },
    loadError: { state: true },
    now: { state: true },
  };

  static override styles = [severityVars('--c'), css`
    :host { display: grid; grid-template-rows: auto 1fr; height: 100vh; background: #060a12; color: #dbe4f3;
      font-family: system-ui, 'DejaVu Sans', 'Noto Sans', 'Liberation Sans', sans-serif; }
    header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #0a1120; border-bottom: 1px solid #1d2a42; }
    h1 { margin: 0; font-size: 20px; font-weight: 600; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .mode { padding: 4px 12px; border-radius: 4px; font-weight: 800; letter-spacing: 0.04em; background: #f59e0b; color: #1a1200;
      animation: pulse 2s ease-in-out infinite; }
    @keyframes pulse { 50% { background: #fbbf24; } }
    .connection { display: flex; align-items: center; gap: 8px; font-size: 15px; font-variant-numeric: tabular-nums; }
    .dot { width: 10px; height: 10px; border-radius: 50%; background: #64748b; }
    .connection[data-phase='live'] .dot { background: #22c55e; box-shadow: 0 0 8px #22c55e; }
    .connection[data-phase='reconnecting'] { color: #fca5a5; }
    .connection[data-phase='reconnecting'] .dot { background: #ef4444; }
    button { font: inherit; font-size: 14px; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 4px; padding: 4px 12px; cursor: pointer; }
    button:hover { background: #1b2a4a; }
    main { display: grid; grid-template-columns: 1fr minmax(320px, 26vw); min-height: 0; }
    .map { position: relative; min-height: 0; }
    ioc-wall-map { position: absolute; inset: 0; }
    .time-cursor { position: absolute; left: max(260px, 28%); right: 12px; bottom: 12px; }
    .drill { position: absolute; left: 12px; top: 12px; width: min(420px, 45%); max-height: calc(100% - 140px); overflow: auto; }
    .legend { position: absolute; left: 12px; bottom: 12px; padding: 8px 12px; background: rgba(6, 10, 18, 0.85); border: 1px solid #1d2a42;
      border-radius: 4px; font-size: 13px; color: #9fb3d1; display: grid; gap: 3px; }
    .legend span::before { content: ''; display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; background: var(--c); }
    .legend .note { margin-top: 4px; font-size: 12px; color: #6b7f9f; }
    .legend .note::before { display: none; }
    /* As the map draws them (map/map-style.ts): a normal sensor is a small filled dot; hollow means stale. */
    .legend [data-mark='normal']::before { width: 6px; height: 6px; margin: 2px 8px 2px 2px; background: ${unsafeCSS(severityColor.normal)}; opacity: 0.75; }
    .legend [data-mark='stale']::before { background: transparent; box-shadow: inset 0 0 0 1.5px #8b97ab; }
    /* Above normal the map draws shapes (map/severity-shapes.ts): the legend shows the same marks. */
    .legend span[data-severity]::before { display: none; }
    .legend svg.shape { vertical-align: -2px; margin-right: 6px; }
    aside { display: flex; flex-direction: column; min-height: 0; background: #0a1120; border-left: 1px solid #1d2a42; }
    ioc-alert-list { flex: 1; min-height: 0; }
    .error { padding: 16px; color: #fca5a5; }
    /* Session (console/src/session): who is signed in, or the loud "no sign-in" of the demo; the sign-in replaces <main>. */
    .session { display: flex; align-items: center; gap: 8px; font-size: 14px; white-space: nowrap; min-width: 0; }
    .session[data-state='open'] { padding: 4px 12px; border-radius: 4px; font-weight: 800; background: #b91c1c; color: #fff; }
    .gate { padding: 24px; text-align: center; }
  `, wallLayout];

  declare lang: Lang;
  declare connection: Connection;
  declare mode: string;
  declare alerts: AlertView[];
  declare sensorCount: number;
  declare base: BaseMapData | undefined;
  declare loadError: string;
  declare now: number;

  /** The Watch stream to use; set by main.ts before the element connects. */
  watch: WatchFn | undefined;
  private readonly state = new ConsoleState();
  private feed: ConsoleFeed | undefined;
  private districtNames: ReadonlyMap<string, Localized> = new Map();
  private ticker = 0;
  /** Time cursor and drill-down (console/src/timeline): while at a past T, live updates stay in the state and off the views. */
  readonly time = new TimeCursorController(this, {
    map: () => this.wallMap, liveFeatures: () => this.sensorFeatures(), liveSensors: () => this.state.sensors.values(),
  });
  /** Every feed's connection state; a feed reports with `connections.report(name, c)`, the header shows the worst. */
  readonly connections = new ConnectionBoard();
  /** Wall mode, window sync, WebGL recovery and screen-reader announcements (console/src/wall). */
  readonly wall = new WallController(this, {
    connections: this.connections,
    onConnection: (c) => this.setConnection(c),
    onMapRestored: () => this.wallMap?.replaceSensors(this.sensorFeatures()),
    districtName: (zone, lang) => this.districtNames.get(zone)?.[lang] ?? zone,
    alertsReady: () => this.state.seq >= 0,
    incidents: () => this.incidents,
  });
  /** Incidents from Incidents/Watch (console/src/incidents); the map colors districts from `openIncidentsByZone()` and `onZones()`. */
  readonly incidents = new IncidentStore();
  /** Who is signed in (console/src/session); the page's data and feeds wait until it is ready. */
  readonly session = new SessionController(this, { onReady: () => void this.startFeeds() });

  constructor() {
    super();
    this.lang = 'vi';
    this.connection = { phase: 'connecting', attempt: 0 };
    this.mode = '';
    this.alerts = [];
    this.sensorCount = 0;
    this.base = undefined;
    this.loadError = '';
    this.now = Date.now();
  }

  /** The map element, once rendered. */
  get wallMap(): WallMap | null {
    return this.renderRoot.querySelector('ioc-wall-map');
  }

  snapshot(): ConsoleSnapshot {
    return {
      connection: this.connection.phase, mode: this.mode, lang: this.lang,
      alerts: this.alerts.length, sensors: this.sensorCount, seq: this.state.seq,
    };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadBaseMap();
    // The district choropleth follows open incidents without redrawing the page.
    this.incidents.onZones((zones) => { if (this.wallMap && !this.time.isPast) this.wallMap.incidentsByZone = zones; });
  }

  /** Once signed in (or when no sign-in is needed); after the render that mounts the map, so the first snapshot finds it. */
  private async startFeeds(): Promise<void> {
    await this.updateComplete;
    if (!this.watch || this.feed || !this.isConnected) return;
    this.feed = new ConsoleFeed({
      watch: this.watch,
      onUpdate: (u) => this.apply(u),
      onConnection: (c) => this.connections.report('console', c),
    });
    void this.feed.start();
  }

  protected override firstUpdated(): void {
    // A snapshot that came before the map element existed; the element holds it until its map loads.
    if (this.state.seq >= 0) this.wallMap?.replaceSensors(this.sensorFeatures());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.feed?.stop();
    clearInterval(this.ticker);
  }

  /** Loud when the engine is not on the real stack: everything in memory, or one part of it. */
  private renderMode() {
    if (this.mode === '' || this.mode === 'nats+clickhouse') return nothing;
    const text = this.mode === 'embedded' ? t('mode.embedded', this.lang) : t('mode.partial', this.lang, { mode: this.mode });
    return html`<span class="mode" data-mode=${this.mode}>${text}</span>`;
  }

  override render() {
    const lang = this.lang;
    return html`
      ${this.wall.render()}
      <header>
        <h1>${t('title', lang)}</h1>
        ${this.renderMode()}
        ${this.session.renderBadge(lang)}
        ${this.session.ready ? this.renderConnection() : nothing}
        <button type="button" @click=${this.toggleLang} lang=${lang === 'vi' ? 'en' : 'vi'}>${t('lang.switch', lang)}</button>
        ${this.wall.renderToggle()}
      </header>
      ${this.session.ready ? this.renderMain() : this.session.renderGate(lang)}
    `;
  }

  private renderMain() {
    const lang = this.lang;
    return html`
      <main>
        <div class="map">
          ${this.loadError
            ? html`<p class="error">${this.loadError}</p>`
            : html`<ioc-wall-map .base=${this.base} .incidentsByZone=${this.time.incidentsByZone(this.incidents.openIncidentsByZone())} lang=${lang}></ioc-wall-map>`}
          <div class="legend">
            ${(['critical', 'major', 'minor', 'info'] as const).map((s, i) => html`<span data-severity=${s}>${shapeMark((4 - i) as 1 | 2 | 3 | 4)}${t(`severity.${s}`, lang)}</span>`)}
            <span data-mark="normal">${t('severity.normal', lang)} · ${this.time.sensorCount(this.sensorCount)} ${t('map.sensors', lang)}</span>
            <span data-mark="stale">${t('legend.stale', lang)}</span>
            <span class="note">${t('map.boundaries', lang)}</span>
          </div>
          ${this.time.renderCursor(lang)}
          ${this.time.renderDrill(lang, this.time.alerts(this.alerts), this.districtNames)}
        </div>
        <aside>
          <ioc-incident-desk .store=${this.incidents} .past=${this.time.incidents()} .districts=${this.districtNames} lang=${lang}
            .denied=${this.session.denied(ACT_ON_INCIDENTS, lang)} .signedIn=${this.session.signedInName}
            .onConnection=${(c: Connection) => this.connections.report('incidents', c)}></ioc-incident-desk>
          <ioc-alert-list .alerts=${this.time.alerts(this.alerts)} .districts=${this.districtNames} lang=${lang}></ioc-alert-list>
        </aside>
        ${this.wall.enabled /* the wall's KPI view (console/src/wall), of the instant the time cursor shows; redrawn by the wall's clock */
          ? html`<ioc-wall-kpis data-wall-view="kpis" .city=${this.time.city(this.incidents.incidents(), [...this.state.sensors.values()])}
              .districts=${this.districtNames} .now=${Date.now()} lang=${lang}></ioc-wall-kpis>`
          : nothing}
      </main>
    `;
  }

  private renderConnection() {
    const c = this.connection;
    const text = c.phase === 'reconnecting'
      ? t('connection.reconnecting', this.lang, { s: Math.max(0, Math.ceil((c.retryAt - this.now) / 1000)) })
      : t(`connection.${c.phase}`, this.lang);
    return html`<span class="connection" data-phase=${c.phase} title=${c.phase === 'reconnecting' ? c.reason : ''}>
      <span class="dot"></span>${text}${this.wall.renderStale()}</span>`;
  }

  private toggleLang(): void {
    this.lang = this.lang === 'vi' ? 'en' : 'vi';
    document.documentElement.lang = this.lang;
  }

  private setConnection(c: Connection): void {
    this.connection = c;
    clearInterval(this.ticker);
    this.now = Date.now();
    // The countdown needs a redraw each second only while it is shown.
    if (c.phase === 'reconnecting') this.ticker = window.setInterval(() => { this.now = Date.now(); }, 250);
  }

  private apply(update: FeedUpdate): 'ok' | 'resync' {
    const applied = this.state.apply(update);
    if (applied.resync) return 'resync';
    const map = this.time.isPast ? undefined : this.wallMap;
    if (applied.snapshot) {
      this.mode = this.state.mode;
      map?.replaceSensors(this.sensorFeatures());
    } else {
      for (const s of applied.sensors) map?.setSensor(s.source, sensorFeature(s, this.state.sensorSeverity(s)));
    }
    this.sensorCount = this.state.sensors.size;
    if (applied.alerts) this.alerts = this.state.alerts();
    return 'ok';
  }

  private sensorFeatures() {
    return [...this.state.sensors.values()].flatMap((s) => sensorFeature(s, this.state.sensorSeverity(s)) ?? []);
  }

  private async loadBaseMap(): Promise<void> {
    try {
      // The vector base map is optional: without one (or an engine that cannot say) the shapes alone make the map.
      const tiles = loadBaseTiles(import.meta.env.BASE_URL);
      const [districts, water] = await Promise.all(['geo/hanoi-districts.geojson', 'geo/hanoi-water.geojson'].map(async (path) => {
        const res = await fetch(`${import.meta.env.BASE_URL}${path}`);
        if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
        return (await res.json()) as FeatureCollection;
      }));
      this.districtNames = namesOf(districts!);
      const url = await tiles;
      this.base = { districts: districts!, water: water!, ...(url ? { tiles: url } : {}) };
    } catch (err) {
      this.loadError = `Base map failed to load: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

function namesOf(districts: FeatureCollection): Map<string, Localized> {
  const names = new Map<string, Localized>();
  for (const f of districts.features) {
    const p = f.properties ?? {};
    if (typeof p.id === 'string') names.set(p.id, { vi: String(p.name_vi ?? p.id), en: String(p.name_en ?? p.id) });
  }
  return names;
}

customElements.define('ioc-console', IocConsole);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-console': IocConsole;
  }
}
