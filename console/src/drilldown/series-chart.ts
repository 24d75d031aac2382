// <ioc-series-chart>: a small SVG chart of one series (mean line, min–max band)
// with threshold lines, drawn from drill-model's geometry. No chart library:
// a few paths cover what the drill-down needs and keep the bundle and the CSP
// simple (presentation attributes only, no style="…").

import { css, LitElement, svg } from 'lit';
import { formatTime } from '../i18n/index.ts';
import type { Lang } from '../state/index.ts';
import { severityVars } from '../theme/index.ts';
import { chartGeometry, type ChartPoint, type Threshold } from './drill-model.ts';

const W = 360;
const H = 140;

export class SeriesChart extends LitElement {
  static override properties = {
    points: { attribute: false },
    thresholds: { attribute: false },
    from: { type: Number },
    to: { type: Number },
    lang: { type: String },
    label: { type: String },
  };

  static override styles = [severityVars('--c'), css`
    :host { display: block; }
    svg { width: 100%; height: auto; display: block; background: #08101e; border: 1px solid #1d2a42; }
    .band { fill: #38bdf8; fill-opacity: 0.18; }
    .line { fill: none; stroke: #38bdf8; stroke-width: 1.5; }
    .threshold { stroke: var(--c); stroke-width: 1.5; stroke-dasharray: 6 3; }
    .threshold[data-severity='critical'] { stroke-dasharray: none; stroke-width: 2; }
    text { fill: #9fb3d1; font-size: 10px; font-family: inherit; }
  `];

  declare points: ChartPoint[];
  declare thresholds: Threshold[];
  declare from: number;
  declare to: number;
  declare lang: Lang;
  /** What the chart shows, for screen readers. */
  declare label: string;

  constructor() {
    super();
    this.points = [];
    this.thresholds = [];
    this.from = 0;
    this.to = 1;
    this.lang = 'vi';
    this.label = '';
  }

  override render() {
    const g = chartGeometry(this.points, this.thresholds, this.from, this.to, W, H);
    return svg`<svg viewBox="0 0 ${W} ${H + 14}" role="img" aria-label=${this.label} data-points=${this.points.length}>
      <path class="band" d=${g.band}></path>
      <path class="line" d=${g.line}></path>
      ${g.thresholds.map((t) => svg`<line class="threshold" data-severity=${t.severity} data-value=${t.value} x1="0" x2=${W} y1=${t.y} y2=${t.y}></line>
        <text x=${W - 4} y=${t.y - 3} text-anchor="end">${t.value}</text>`)}
      <text x="2" y="10">${round(g.yMax)}</text>
      <text x="2" y=${H - 2}>${round(g.yMin)}</text>
      <text x="2" y=${H + 12}>${formatTime(this.from, this.lang)}</text>
      <text x=${W - 2} y=${H + 12} text-anchor="end">${formatTime(this.to, this.lang)}</text>
    </svg>`;
  }
}

const round = (n: number): string => (Math.round(n * 100) / 100).toString();

customElements.define('ioc-series-chart', SeriesChart);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-series-chart': SeriesChart;
  }
}
