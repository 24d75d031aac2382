// Wall mode, window sync, recovery and announcements for <ioc-console>, as one
// Lit reactive controller so the page only mounts it. It owns the
// BroadcastChannel, the rotation timer, the page's connection summary and the
// ARIA live region; it holds no domain data and never talks to the engine.

import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { ConnectionBoard, type Connection, type ConnectionSummary } from '../api/index.ts';
import { formatTime, initialLang, LANG_STORAGE_KEY, t } from '../i18n/index.ts';
import type { AlertView, Lang, Localized } from '../state/index.ts';
import type { IncidentView } from '../incidents/index.ts';
import { newCriticals } from './announcements.ts';
import { CriticalIncidents } from './incident-announcements.ts';
import { nextView, Rotation } from './rotation.ts';
import { wallOptions, withWall } from './wall-options.ts';
import { WallSync, wallViews, type ChannelLike, type WallShared, type WallView } from './wall-sync.ts';
import { watchContext, type ContextWatch } from './webgl-recovery.ts';
import './wall-bar.ts';

/** What the controller reads from and sets on the page. */
export interface WallHost extends ReactiveControllerHost, HTMLElement {
  lang: Lang;
  alerts: readonly AlertView[];
  readonly renderRoot: HTMLElement | DocumentFragment;
}

export interface WallControllerOptions {
  connections: ConnectionBoard;
  /** The page's connection changed (the worst of all its feeds). */
  onConnection(connection: Connection): void;
  /** The map's context came back: push the sensors to it again. */
  onMapRestored(): void;
  /** District names, to announce where a critical alert is. */
  districtName?(zone: string, lang: Lang): string;
  /** False until the page has its first Watch snapshot: alerts seen before then prime the announcements instead of being read out. */
  alertsReady?(): boolean;
  /** The incident store (read when the page connects): incidents that become critical are announced too. */
  incidents?(): IncidentSource;
}

/** The part of the incident store (console/src/incidents) the announcements read. */
export interface IncidentSource {
  /** True once a Watch snapshot has ended. */
  readonly live: boolean;
  incidents(): IncidentView[];
  get(id: string): IncidentView | undefined;
  subscribe(listener: (change: { incidents: string[]; removed: { incidentId: string }[] }) => void): () => void;
}

/** Which elements show each view in wall mode (see wall-layout.ts). */
const viewSelectors: Record<WallView, string> = {
  map: 'main > .map, main > [data-wall-view="map"]',
  queue: 'main > aside, main > [data-wall-view="queue"]',
  kpis: 'main > [data-wall-view="kpis"]',
};

const CHANNEL = 'ioc-wall';
const GIVE_UP_MS = 20_000;

export class WallController implements ReactiveController {
  /** Wall mode is on. */
  enabled: boolean;
  /** What the windows of this wall share. */
  readonly sync: WallSync;
  summary: ConnectionSummary;
  mapContext: 'ok' | 'lost' = 'ok';
  /** The last text read out by screen readers. */
  announcement = '';

  private readonly rotation: Rotation;
  private readonly rotateMs: number;
  private readonly fresh = newCriticals<AlertView & { id: string }>();
  private readonly criticalIncidents = new CriticalIncidents<IncidentView>();
  private lastAlerts: readonly AlertView[] | undefined;
  private offIncidents: (() => void) | undefined;
  private context: ContextWatch | undefined;
  private offBoard: (() => void) | undefined;
  private offSync: (() => void) | undefined;
  private clock = 0;

  constructor(private readonly host: WallHost, private readonly options: WallControllerOptions) {
    const opts = wallOptions(location.search);
    this.enabled = opts.wall;
    this.rotateMs = opts.rotateMs;
    const channel = typeof BroadcastChannel === 'function' ? (new BroadcastChannel(CHANNEL) as unknown as ChannelLike) : undefined;
    this.sync = new WallSync({
      initial: { view: 'map', lang: initialLang(location.search, readStored()), cursor: null, incident: null },
      channel,
    });
    this.summary = options.connections.summary();
    this.rotation = new Rotation(this.rotateMs, () => this.sync.set({ view: nextView(this.available(), this.sync.state.view) }));
    host.addController(this);
  }

  hostConnected(): void {
    this.host.lang = this.sync.state.lang;
    document.documentElement.lang = this.host.lang;
    this.offSync = this.sync.subscribe((state, changed) => this.follow(state, changed));
    this.offBoard = this.options.connections.subscribe((s) => {
      this.summary = s;
      this.options.onConnection(asConnection(s));
      this.host.requestUpdate();
    });
    this.host.addEventListener('map-created', this.onMapCreated);
    this.host.addEventListener('wall-next', this.onNext);
    this.host.addEventListener('wall-exit', this.onExit);
    window.addEventListener('keydown', this.onKey);
    const store = this.options.incidents?.();
    if (store) {
      this.offIncidents = store.subscribe((change) => this.onIncidents(store, change));
      if (store.live) this.criticalIncidents.prime(store.incidents());
    }
    this.clock = window.setInterval(() => { if (this.enabled) this.host.requestUpdate(); }, 1000);
    this.reflect();
    if (this.enabled) this.rotation.restart();
  }

  hostDisconnected(): void {
    this.offSync?.();
    this.offBoard?.();
    this.offIncidents?.();
    this.context?.stop();
    this.rotation.stop();
    clearInterval(this.clock);
    this.host.removeEventListener('map-created', this.onMapCreated);
    this.host.removeEventListener('wall-next', this.onNext);
    this.host.removeEventListener('wall-exit', this.onExit);
    window.removeEventListener('keydown', this.onKey);
  }

  hostUpdated(): void {
    // A language chosen in this window goes to the others and is remembered here.
    if (this.host.lang !== this.sync.state.lang) {
      this.sync.set({ lang: this.host.lang });
      writeStored(this.host.lang);
    }
    if (this.host.alerts !== this.lastAlerts && (this.options.alertsReady?.() ?? true)) {
      this.lastAlerts = this.host.alerts;
      const fresh = this.fresh(this.host.alerts.map((a) => ({ ...a, id: a.fingerprint })));
      if (fresh.length) this.announce(fresh.map((a) => this.criticalText(a)).join('. '));
    }
  }

  /**
   * Reads `text` out to screen readers (one ARIA live region for the page); for
   * other parts of the console too, e.g. new critical incidents.
   */
  announce(text: string): void {
    // A change of text is what makes screen readers speak; the same text twice needs a nudge.
    this.announcement = this.announcement === text ? `${text}\u00a0` : text;
    this.host.requestUpdate();
  }

  /** Turns wall mode on or off in this window, and keeps it in the address for a reload. */
  toggle(on = !this.enabled): void {
    this.enabled = on;
    history.replaceState(history.state, '', withWall(location.href, on));
    if (on) this.rotation.restart();
    else this.rotation.stop();
    this.reflect();
    this.host.requestUpdate();
  }

  /** The wall bar, the live region and the map's recovery notice, placed first in the page. */
  render() {
    const lang = this.host.lang;
    const s = this.summary;
    return html`
      ${this.enabled
        ? html`<ioc-wall-bar lang=${lang} view=${this.sync.state.view} .connection=${asConnection(s)} .staleSince=${s.staleSince}
            ?rotating=${this.rotateMs > 0} .now=${Date.now()}></ioc-wall-bar>`
        : nothing}
      <div class="visually-hidden" role="status" aria-live="assertive" aria-atomic="true">${this.announcement}</div>
      ${this.mapContext === 'lost' ? html`<p class="context-lost" role="alert">${t('map.context-lost', lang)}</p>` : nothing}
    `;
  }

  /** The header's link to wall mode: an address (`?wall=1`) that also works without a click, e.g. on a wall's start-up. */
  renderToggle() {
    const enter = (e: Event) => {
      e.preventDefault();
      this.toggle(true);
    };
    return html`<a class="wall-toggle" href=${withWall(location.href, true)} @click=${enter}>${t('wall.enter', this.host.lang)}</a>`;
  }

  /** "Data as of …" while any feed that had been live is not. */
  renderStale() {
    const since = this.summary.staleSince;
    return since === undefined ? nothing : html`<span class="stale">· ${t('connection.stale', this.host.lang, { time: formatTime(since, this.host.lang) })}</span>`;
  }

  /** Views present on the page, in rotation order. */
  available(): WallView[] {
    return wallViews.filter((v) => this.host.renderRoot.querySelector(viewSelectors[v]) !== null);
  }

  private follow(state: WallShared, changed: readonly string[]): void {
    if (changed.includes('lang') && this.host.lang !== state.lang) {
      this.host.lang = state.lang;
      document.documentElement.lang = state.lang;
      writeStored(state.lang);
    }
    if (changed.includes('view')) {
      this.reflect();
      // Whoever moved the wall on, every window counts the next interval from now.
      if (this.enabled) this.rotation.restart();
    }
    this.host.requestUpdate();
  }

  private reflect(): void {
    this.host.toggleAttribute('wall', this.enabled);
    if (this.enabled) this.host.setAttribute('wall-view', this.sync.state.view);
    else this.host.removeAttribute('wall-view');
  }

  private criticalText(a: AlertView): string {
    const lang = this.host.lang;
    const title = pick(a.title, lang) || a.rule;
    return t('a11y.critical', lang, { title, zone: this.options.districtName?.(a.zone, lang) ?? a.zone });
  }

  /** Incidents that just became critical are read out, in the page's language; the focus stays where the operator left it. */
  private onIncidents(store: IncidentSource, change: { incidents: string[]; removed: { incidentId: string }[] }): void {
    if (!this.criticalIncidents.primed) {
      // The first snapshot: what is already on screen is not news.
      if (store.live) this.criticalIncidents.prime(store.incidents());
      return;
    }
    const changed = change.incidents.flatMap((id) => store.get(id) ?? []);
    const gone = [...change.removed.map((r) => r.incidentId), ...change.incidents.filter((id) => !store.get(id))];
    const news = this.criticalIncidents.update(changed, gone);
    if (news.length) this.announce(news.map((n) => this.incidentText(n.incident, n.escalated)).join('. '));
  }

  private incidentText(i: IncidentView, escalated: boolean): string {
    const lang = this.host.lang;
    const zone = i.zones.map((z) => this.options.districtName?.(z, lang) ?? z).join(', ');
    return t(escalated ? 'a11y.incident.escalated' : 'a11y.incident.critical', lang, { title: pick(i.title, lang) || i.id, zone });
  }

  private readonly onMapCreated = (e: Event) => {
    const map = (e as CustomEvent<MapLibreMap>).detail;
    this.context?.stop();
    this.context = watchContext(map, {
      giveUpMs: GIVE_UP_MS,
      onLost: () => { this.mapContext = 'lost'; this.host.requestUpdate(); },
      onRestored: () => { this.mapContext = 'ok'; this.options.onMapRestored(); this.host.requestUpdate(); },
      // No context came back: a fresh page gets a new one and a fresh snapshot.
      onGiveUp: () => location.reload(),
    });
  };

  private readonly onNext = () => this.sync.set({ view: nextView(this.available(), this.sync.state.view) });
  private readonly onExit = () => this.toggle(false);
  private readonly onKey = (e: KeyboardEvent) => {
    if (!this.enabled || e.defaultPrevented) return;
    if (e.key === 'Escape') this.toggle(false);
    else if (e.key === 'ArrowRight') this.onNext();
  };
}

/** The page's connection summary as one connection, for views that show a single state. */
export function asConnection(s: ConnectionSummary): Connection {
  if (s.phase === 'live') return { phase: 'live', since: 0 };
  if (s.phase === 'connecting') return { phase: 'connecting', attempt: 0 };
  return { phase: 'reconnecting', attempt: 0, retryAt: s.retryAt ?? Date.now(), reason: s.reason };
}

function pick(text: Localized, lang: Lang): string {
  return text[lang] || text[lang === 'vi' ? 'en' : 'vi'];
}

function readStored(): string | null {
  try {
    return localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeStored(lang: Lang): void {
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Storage refused (private mode, policy): the language still applies to this page.
  }
}
