// <ioc-drill-panel>: what an operator sees after clicking a sensor or a
// district: a chart of the series over 1 h / 24 h / 7 d at the resolution the
// server picks, thresholds from the alerts, the zone's KPIs and the recent
// alerts. Takes the target, the time (live or the cursor's T) and a query
// client down; sends `drill-close` up. Its loading state is explicit, never a throw.

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { formatTime, severityLabel, t } from '../i18n/index.ts';
import type { AlertView, Lang, Localized } from '../state/index.ts';
import { severityVars } from '../theme/index.ts';
import { alertsOf, RANGES, thresholdsOf, type DrillTarget, type RangeKey } from './drill-model.ts';
import type { DrillKpis, DrillQueries, DrillSeries } from './query-client.ts';
import './series-chart.ts';

type Loaded =
  | { status: 'pending' }
  | { status: 'complete'; series: DrillSeries; kpis: DrillKpis }
  | { status: 'error'; message: string };

export class DrillPanel extends LitElement {
  static override properties = {
    target: { attribute: false },
    queries: { attribute: false },
    alerts: { attribute: false },
    districts: { attribute: false },
    at: { attribute: false },
    lang: { type: String },
    range: { state: true },
    loaded: { state: true },
  };

  static override styles = [severityVars('--c'), css`
    :host { display: block; padding: 10px 12px; background: #0a1120; border: 1px solid #2a3d5e; border-radius: 4px; color: #dbe4f3; font-size: 14px; }
    header { display: flex; align-items: center; gap: 8px; }
    h2 { flex: 1; margin: 0; font-size: 16px; }
    button { font: inherit; font-size: 13px; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
    button[aria-pressed='true'] { background: #2a3d5e; border-color: #38bdf8; }
    .ranges { display: flex; gap: 4px; margin: 8px 0; align-items: center; }
    .resolution { margin-left: auto; color: #9fb3d1; font-size: 12px; }
    dl { display: grid; grid-template-columns: repeat(4, 1fr); gap: 4px; margin: 8px 0; }
    dt { color: #9fb3d1; font-size: 11px; }
    dd { margin: 0; font-size: 16px; font-variant-numeric: tabular-nums; }
    h3 { margin: 8px 0 4px; font-size: 13px; color: #9fb3d1; font-weight: 600; }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; font-size: 13px; }
    li { border-left: 4px solid var(--c); padding-left: 6px; }
    li[data-severity='critical'] { border-left-style: double; border-left-width: 6px; }
    .note { color: #9fb3d1; font-size: 13px; }
    .note[data-status='error'] { color: #fca5a5; }
  `];

  declare target: DrillTarget | undefined;
  declare queries: DrillQueries | undefined;
  /** Alerts as shown now (live, or at the cursor's T). */
  declare alerts: AlertView[];
  declare districts: ReadonlyMap<string, Localized>;
  /** End of the charted range: the cursor's T, or undefined for now. */
  declare at: number | undefined;
  declare lang: Lang;
  declare range: RangeKey;
  declare loaded: Loaded;

  private request: AbortController | undefined;
  private shownTo = 0;

  constructor() {
    super();
    this.target = undefined;
    this.queries = undefined;
    this.alerts = [];
    this.districts = new Map();
    this.at = undefined;
    this.lang = 'vi';
    this.range = '24h';
    this.loaded = { status: 'pending' };
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.request?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.target) this.dataset.kind = this.target.kind;
    if (changed.has('target') || changed.has('range') || changed.has('at') || changed.has('queries')) void this.load();
  }

  private async load(): Promise<void> {
    this.request?.abort();
    const { target, queries } = this;
    if (!target || !queries) return;
    const ctl = new AbortController();
    this.request = ctl;
    const to = this.at ?? Date.now();
    this.shownTo = to;
    this.loaded = { status: 'pending' };
    try {
      const [series, kpis] = await Promise.all([
        queries.series(target, to - RANGES[this.range], to, ctl.signal),
        queries.kpis(target, to, ctl.signal),
      ]);
      if (this.request === ctl) this.loaded = { status: 'complete', series, kpis };
    } catch (err) {
      if (this.request === ctl && !ctl.signal.aborted) this.loaded = { status: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  override render() {
    const target = this.target;
    if (!target) return nothing;
    const lang = this.lang;
    const zoneName = this.districts.get(target.zone)?.[lang] ?? target.zone;
    const title = target.kind === 'sensor' ? t('drill.sensor', lang, { id: target.source }) : t('drill.zone', lang, { name: zoneName });
    return html`
      <header>
        <h2>${title}</h2>
        <button type="button" @click=${this.close} aria-label=${t('drill.close', lang)}>✕</button>
      </header>
      <div class="note">${target.type} · ${zoneName}</div>
      <div class="ranges" role="group" aria-label=${t('drill.range', lang)}>
        ${(Object.keys(RANGES) as RangeKey[]).map((r) => html`<button type="button" data-range=${r} aria-pressed=${String(r === this.range)}
          @click=${() => { this.range = r; }}>${r}</button>`)}
        ${this.loaded.status === 'complete'
          ? html`<span class="resolution" data-resolution=${this.loaded.series.resolution}>${t(`drill.resolution.${this.loaded.series.resolution}`, lang)}</span>`
          : nothing}
      </div>
      ${this.renderBody(target)}
    `;
  }

  private renderBody(target: DrillTarget) {
    const lang = this.lang;
    const l = this.loaded;
    if (l.status === 'pending') return html`<p class="note" data-status="pending">${t('drill.loading', lang)}</p>`;
    if (l.status === 'error') return html`<p class="note" data-status="error">${t('drill.error', lang, { message: l.message })}</p>`;
    const thresholds = thresholdsOf(this.alerts, target);
    const recent = alertsOf(this.alerts, target).slice(0, 5);
    const n = (v: number | undefined) => (v === undefined ? '–' : (Math.round(v * 100) / 100).toString());
    return html`
      ${l.series.points.length === 0
        ? html`<p class="note" data-status="empty">${t('drill.nodata', lang)}</p>`
        : html`<ioc-series-chart .points=${l.series.points} .thresholds=${thresholds} .from=${l.series.from} .to=${Math.min(l.series.to, this.shownTo)}
            lang=${lang} label=${t('drill.chart', lang, { type: target.type, resolution: t(`drill.resolution.${l.series.resolution}`, lang) })}></ioc-series-chart>`}
      <dl>
        <div><dt>${t('drill.kpi.latest', lang)}</dt><dd data-kpi="latest">${n(l.kpis.latest)}</dd></div>
        <div><dt>${t('drill.kpi.hour', lang)}</dt><dd data-kpi="hour">${n(l.kpis.hourAvg)}</dd></div>
        <div><dt>${t('drill.kpi.day', lang)}</dt><dd data-kpi="day">${n(l.kpis.dayMax)}</dd></div>
        <div><dt>${t('drill.kpi.incidents', lang)}</dt><dd data-kpi="incidents">${l.kpis.openIncidents}</dd></div>
      </dl>
      <h3>${t('drill.alerts', lang)}</h3>
      ${recent.length === 0
        ? html`<p class="note">${t('drill.alerts.none', lang)}</p>`
        : html`<ul>${recent.map((a) => html`<li data-severity=${a.severity} data-fingerprint=${a.fingerprint}>
            ${severityLabel(a.severity, lang)} · ${a.title[lang]} · ${formatTime(a.startsAt, lang)}${a.value === undefined ? '' : ` · ${a.value}`}</li>`)}</ul>`}
    `;
  }

  private close(): void {
    this.dispatchEvent(new CustomEvent('drill-close', { bubbles: true, composed: true }));
  }
}

customElements.define('ioc-drill-panel', DrillPanel);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-drill-panel': DrillPanel;
  }
}
