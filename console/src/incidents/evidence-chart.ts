// <ioc-evidence-chart>: one series behind an incident (a sensor's or a
// district's), from a little before its first alert to now, drawn by the
// drill-down's <ioc-series-chart> with the moments the alerts fired marked
// over it. Reads `Query/Series` itself (read-only), re-reads an open
// incident's series every `refreshMs`, and shows loading and errors as states,
// never as a thrown error. Thresholds are not served by the engine, so it
// marks the alert moments instead (see evidence-model.ts).

import { css, html, LitElement, nothing, svg, type PropertyValues } from 'lit';
import { chartGeometry, grpcWebDrill, type DrillQueries, type DrillSeries } from '../drilldown/index.ts';
import { formatTime, severityLabel, t } from '../i18n/index.ts';
import type { Lang, Localized } from '../state/index.ts';
import { severityVars } from '../theme/index.ts';
import { markGeometry, type EvidenceChartSpec } from './evidence-model.ts';

/** The box <ioc-series-chart> draws in (series-chart.ts: W × H, plus a 14-unit time axis); the marks use the same one to line up. */
const W = 360;
const H = 140;
const DEFAULT_REFRESH_MS = 30_000;
const NO_THRESHOLDS: never[] = [];
const SPOKEN_MARKS = 5;

type Loaded =
  | { status: 'pending' }
  | { status: 'complete'; series: DrillSeries; to: number }
  | { status: 'error'; message: string };

export class EvidenceChart extends LitElement {
  static override properties = {
    spec: { attribute: false },
    queries: { attribute: false },
    districts: { attribute: false },
    lang: { type: String },
    refreshMs: { type: Number },
    loaded: { state: true },
  };

  static override styles = [severityVars('--c'), css`
    :host { display: block; }
    .what { font-size: 12px; color: #9fb3d1; margin: 2px 0 4px; }
    .plot { position: relative; }
    /* Over the chart's own SVG: same viewBox, inside its 1px border. */
    svg.marks { position: absolute; left: 1px; top: 1px; width: 100%; height: auto; pointer-events: none; overflow: visible; }
    .mark line { stroke: var(--c); stroke-width: 1.5; stroke-dasharray: 3 3; }
    .mark circle { fill: var(--c); stroke: #f8fafc; stroke-width: 1.5; }
    .mark[data-severity='critical'] line { stroke-dasharray: none; stroke-width: 2; }
    .note { color: #9fb3d1; font-size: 13px; margin: 4px 0; }
    .note[data-status='error'] { color: #fca5a5; }
  `];

  declare spec: EvidenceChartSpec | undefined;
  declare queries: DrillQueries | undefined;
  declare districts: ReadonlyMap<string, Localized>;
  declare lang: Lang;
  /** How often an open incident's series is read again. */
  declare refreshMs: number;
  declare loaded: Loaded;

  private request: AbortController | undefined;
  private fallback: DrillQueries | undefined;
  private loadedKey = '';
  private timer = 0;

  constructor() {
    super();
    this.spec = undefined;
    this.queries = undefined;
    this.districts = new Map();
    this.lang = 'vi';
    this.refreshMs = DEFAULT_REFRESH_MS;
    this.loaded = { status: 'pending' };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Back in the page (e.g. the detail re-rendered): load again rather than show a stale series, and keep refreshing.
    if (this.loadedKey) {
      this.loadedKey = '';
      this.requestUpdate();
    }
    this.schedule();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.request?.abort();
    clearInterval(this.timer);
    this.timer = 0;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The detail re-renders on every live change; only a different series or range is a new load.
    if (this.spec && (this.spec.key !== this.loadedKey || changed.has('queries'))) {
      this.loadedKey = this.spec.key;
      void this.load(true);
    }
    if (changed.has('spec') || changed.has('refreshMs')) this.schedule();
  }

  private schedule(): void {
    clearInterval(this.timer);
    this.timer = 0;
    if (this.spec && this.spec.to === undefined && this.refreshMs > 0 && this.isConnected) {
      this.timer = window.setInterval(() => void this.load(false), this.refreshMs);
    }
  }

  /** Reads the series; a refresh keeps the chart shown until the new one arrives. */
  private async load(fresh: boolean): Promise<void> {
    const spec = this.spec;
    if (!spec) return;
    const queries = this.queries ?? (this.fallback ??= grpcWebDrill(location.origin));
    this.request?.abort();
    const ctl = new AbortController();
    this.request = ctl;
    const to = spec.to === undefined ? Date.now() : Math.min(spec.to, Date.now());
    if (fresh) this.loaded = { status: 'pending' };
    try {
      const series = await queries.series(spec.target, spec.from, Math.max(to, spec.from + 1000), ctl.signal);
      if (this.request === ctl) this.loaded = { status: 'complete', series, to };
    } catch (err) {
      if (this.request === ctl && !ctl.signal.aborted) this.loaded = { status: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  override render() {
    const spec = this.spec;
    if (!spec) return nothing;
    const lang = this.lang;
    const target = spec.target;
    const where = target.kind === 'sensor' ? target.source : this.districts.get(target.zone)?.[lang] ?? target.zone;
    const l = this.loaded;
    return html`
      <div class="what">${target.type} · ${where} · ${t('evidence.chart.marks', lang, { n: spec.marks.length })}</div>
      ${l.status === 'pending' ? html`<p class="note" data-status="pending">${t('drill.loading', lang)}</p>`
        : l.status === 'error' ? html`<p class="note" data-status="error" role="alert">${t('drill.error', lang, { message: l.message })}</p>`
        : this.renderChart(spec, l.series, l.to)}
    `;
  }

  private renderChart(spec: EvidenceChartSpec, series: DrillSeries, to: number) {
    const lang = this.lang;
    const from = series.from;
    const end = Math.min(series.to, to);
    if (series.points.length === 0) return html`<p class="note" data-status="empty">${t('drill.nodata', lang)}</p>`;
    // The chart's own value axis, so a mark's dot sits on the curve it belongs to.
    const g = chartGeometry(series.points, [], from, end, W, H);
    const marks = markGeometry(spec.marks, from, end, W, H, g.yMin, g.yMax);
    const label = t('evidence.chart.label', lang, {
      type: spec.target.type, resolution: t(`drill.resolution.${series.resolution}`, lang), n: marks.length,
      // The first few moments are read out; a long-running incident's hundreds would drown the chart's name.
      times: marks.slice(0, SPOKEN_MARKS).map((m) => `${severityLabel(m.mark.severity, lang)} ${formatTime(m.mark.t, lang)}${m.mark.value === undefined ? '' : ` (${m.mark.value})`}`)
        .join('; ') + (marks.length > SPOKEN_MARKS ? '; …' : ''),
    });
    return html`<div class="plot" data-status="complete" data-resolution=${series.resolution}>
      <ioc-series-chart .points=${series.points} .thresholds=${NO_THRESHOLDS} .from=${from} .to=${end} lang=${lang} label=${label}></ioc-series-chart>
      <svg class="marks" viewBox="0 0 ${W} ${H + 14}" aria-hidden="true" data-marks=${marks.length}>
        ${marks.map((m) => svg`<g class="mark" data-severity=${m.mark.severity} data-t=${m.mark.t} data-fingerprint=${m.mark.fingerprint}>
          <line x1=${m.x} x2=${m.x} y1="0" y2=${H}></line>
          ${m.y === undefined ? nothing : svg`<circle cx=${m.x} cy=${m.y} r="4"></circle>`}
        </g>`)}
      </svg>
    </div>`;
  }
}

customElements.define('ioc-evidence-chart', EvidenceChart);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-evidence-chart': EvidenceChart;
  }
}
