// <ioc-wall-kpis>: the wall's KPI view, in type large enough to read across a
// room: open incidents by severity, the most affected districts, sensors
// reporting and stale, and alerts in the last hour, for the city as shown
// (live, or at the time cursor's T, clearly marked). Takes the city down;
// reads only the alert count itself, once a minute while live.

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { formatTime, severityLabel, t } from '../i18n/index.ts';
import { severities, type Lang, type Localized, type Severity } from '../state/index.ts';
import { severityVars } from '../theme/index.ts';
import { cityKpis, type CityMoment } from './city-kpis.ts';
import { grpcWebAlertsStarted, type AlertsStarted } from './kpi-client.ts';

const HOUR = 3600_000;
const REFRESH_MS = 60_000;

type AlertCount = { status: 'pending' } | { status: 'complete'; n: number } | { status: 'error'; message: string };

export class WallKpis extends LitElement {
  static override properties = {
    city: { attribute: false },
    districts: { attribute: false },
    alertsStarted: { attribute: false },
    lang: { type: String },
    now: { type: Number },
    alerts: { state: true },
  };

  static override styles = [severityVars('--c'), css`
    /* Sized for the wall layout, which zooms every view but the map by 1.4: each section keeps inside its cell. */
    :host { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); grid-template-rows: auto minmax(0, 1fr) minmax(0, 1fr); gap: 14px;
      padding: 14px 20px; background: #060a12; color: #dbe4f3; overflow: hidden; }
    :host([data-mode='past']) { box-shadow: inset 0 0 0 4px #f59e0b; }
    .when { grid-column: 1 / -1; font-size: 20px; color: #9fb3d1; margin: 0; }
    .when[data-mode='past'] { color: #fbbf24; font-weight: 700; }
    section { background: #0a1120; border: 1px solid #1d2a42; border-radius: 8px; padding: 10px 18px; min-height: 0; overflow: hidden; }
    h2 { margin: 0 0 6px; font-size: 18px; font-weight: 600; color: #9fb3d1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .big { font-size: 60px; font-weight: 800; line-height: 1.05; font-variant-numeric: tabular-nums; }
    .open { display: grid; grid-template-columns: auto 1fr; grid-template-rows: auto 1fr; column-gap: 28px; }
    .open h2 { grid-column: 1 / -1; }
    .severities { display: grid; gap: 0; align-content: start; min-width: 0; }
    .severities div { display: flex; align-items: center; gap: 8px; font-size: 18px; line-height: 1.3; white-space: nowrap; overflow: hidden; }
    .severities b { font-size: 24px; min-width: 1.4em; text-align: right; font-variant-numeric: tabular-nums; }
    /* Severity by shape as well as color: critical triangle, major diamond, minor square, info circle. */
    [data-severity]::before { content: ''; display: inline-block; width: 18px; height: 18px; background: var(--c); flex: none; }
    [data-severity='critical']::before { clip-path: polygon(50% 0, 100% 100%, 0 100%); }
    [data-severity='major']::before { clip-path: polygon(50% 0, 100% 50%, 50% 100%, 0 50%); }
    [data-severity='info']::before { border-radius: 50%; }
    ol { margin: 0; padding: 0; list-style: none; display: grid; gap: 2px; }
    ol li { display: flex; align-items: center; gap: 10px; font-size: 22px; line-height: 1.25; }
    ol li .name { flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    ol li b { font-variant-numeric: tabular-nums; white-space: nowrap; }
    .pair { display: flex; gap: 48px; }
    .pair .label { font-size: 18px; color: #9fb3d1; }
    .stale { color: #fca5a5; }
    .note { font-size: 18px; color: #9fb3d1; margin: 0; }
    .note[data-status='error'] { color: #fca5a5; }
  `];

  declare city: CityMoment | undefined;
  declare districts: ReadonlyMap<string, Localized>;
  /** How the alert count is read; default the engine this page came from. */
  declare alertsStarted: AlertsStarted | undefined;
  declare lang: Lang;
  /** The clock, for what is stale while live. */
  declare now: number;
  declare alerts: AlertCount;

  private request: AbortController | undefined;
  private fallback: AlertsStarted | undefined;
  private countedAt: number | undefined | null = null;
  private timer = 0;

  constructor() {
    super();
    this.city = undefined;
    this.districts = new Map();
    this.alertsStarted = undefined;
    this.lang = 'vi';
    this.now = Date.now();
    this.alerts = { status: 'pending' };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = window.setInterval(() => { if (this.city?.at === undefined) void this.count(); }, REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
    this.request?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.dataset.mode = this.city?.at === undefined ? 'live' : 'past';
    // A new instant (or back to live): count that instant's hour.
    if (this.city && (this.city.at !== this.countedAt || changed.has('alertsStarted'))) {
      this.countedAt = this.city.at;
      void this.count();
    }
  }

  private async count(): Promise<void> {
    const get = this.alertsStarted ?? (this.fallback ??= grpcWebAlertsStarted(location.origin));
    this.request?.abort();
    const ctl = new AbortController();
    this.request = ctl;
    const to = this.city?.at ?? Date.now();
    if (this.alerts.status !== 'complete' || this.city?.at !== undefined) this.alerts = { status: 'pending' };
    try {
      const n = await get(to - HOUR, to, ctl.signal);
      if (this.request === ctl) this.alerts = { status: 'complete', n };
    } catch (err) {
      if (this.request === ctl && !ctl.signal.aborted) this.alerts = { status: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  override render() {
    const city = this.city;
    if (!city) return nothing;
    const lang = this.lang;
    const at = city.at;
    const when = at === undefined
      ? html`<p class="when" data-mode="live">${t('kpis.heading', lang)} · ${t('kpis.live', lang)}</p>`
      : html`<p class="when" data-mode="past" role="status">${t('kpis.heading', lang)} · ${t('kpis.at', lang, { time: formatTime(at, lang) })}</p>`;
    if (city.status === 'loading') return html`${when}<p class="note" data-status="loading">${t('kpis.loading', lang)}</p>`;
    if (city.status === 'error') return html`${when}<p class="note" data-status="error">${t('kpis.unavailable', lang, { message: city.message ?? '' })}</p>`;
    const k = cityKpis(city.incidents, city.sensors, at ?? this.now);
    const shown: readonly Severity[] = [...severities].reverse();
    return html`
      ${when}
      <section class="open" data-kpi="open" data-count=${k.open}>
        <h2>${t('kpis.open', lang)}</h2>
        <div class="big">${k.open}</div>
        <div class="severities">${shown.map((s) => html`<div data-severity=${s} data-count=${k.bySeverity[s]}><b>${k.bySeverity[s]}</b>${severityLabel(s, lang)}</div>`)}</div>
      </section>
      <section data-kpi="zones">
        <h2>${t('kpis.topZones', lang)}</h2>
        ${k.topZones.length === 0 ? html`<p class="note">${t('kpis.topZones.none', lang)}</p>` : html`<ol>
          ${k.topZones.map((z) => html`<li data-zone=${z.zone} data-severity=${z.worst}><span class="name">${this.districts.get(z.zone)?.[lang] ?? z.zone}</span>
            <b>${t('kpis.incidents.n', lang, { n: z.count })}</b></li>`)}
        </ol>`}
      </section>
      <section data-kpi="sensors" data-reporting=${k.sensors.reporting} data-stale=${k.sensors.stale}>
        <h2>${t('kpis.sensors', lang)}</h2>
        <div class="pair">
          <div><div class="big">${k.sensors.reporting}</div><div class="label">${t('kpis.sensors.reporting', lang)}</div></div>
          <div class="stale"><div class="big">${k.sensors.stale}</div><div class="label">${t('kpis.sensors.stale', lang)}</div></div>
        </div>
      </section>
      <section data-kpi="alerts" data-status=${this.alerts.status} data-count=${this.alerts.status === 'complete' ? this.alerts.n : ''}>
        <h2>${t('kpis.alertsHour', lang)}</h2>
        ${this.alerts.status === 'complete' ? html`<div class="big">${this.alerts.n}</div>`
          : this.alerts.status === 'pending' ? html`<p class="note">${t('kpis.loading', lang)}</p>`
          : html`<p class="note" data-status="error">${t('kpis.unavailable', lang, { message: this.alerts.message })}</p>`}
      </section>
    `;
  }
}

customElements.define('ioc-wall-kpis', WallKpis);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-wall-kpis': WallKpis;
  }
}
