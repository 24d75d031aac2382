// <ioc-time-cursor>: one slider over the last 24 hours and a "live" button.
// Takes the time view down and sends the operator's choice up
// (`time-cursor-change` with `{ at }`, `time-cursor-live`); it never fetches.
// While at T it lists what the history says was open then, so the moment
// shown is never mistaken for now.

import { css, html, LitElement, nothing } from 'lit';
import { formatTime, severityLabel, t } from '../i18n/index.ts';
import type { Lang } from '../state/index.ts';
import { severityVars } from '../theme/index.ts';
import { CURSOR_SPAN_MS, type TimeView } from './time-travel.ts';

const STEP_MS = 60_000;
const STEPS = CURSOR_SPAN_MS / STEP_MS;
/** Incidents listed at T; the rest are counted. */
const LISTED = 8;

export class TimeCursor extends LitElement {
  static override properties = {
    view: { attribute: false },
    now: { type: Number },
    lang: { type: String },
    preview: { state: true },
  };

  static override styles = [severityVars('--c'), css`
    :host { display: block; padding: 8px 12px; background: rgba(6, 10, 18, 0.92); border: 1px solid #1d2a42; border-radius: 4px;
      color: #dbe4f3; font-size: 14px; }
    :host([data-mode='past']) { border-color: #f59e0b; }
    .row { display: flex; align-items: center; gap: 12px; }
    input[type='range'] { flex: 1; accent-color: #f59e0b; }
    .when { min-width: 16ch; font-variant-numeric: tabular-nums; font-weight: 600; }
    .when[data-mode='live'] { color: #22c55e; }
    .when[data-mode='past'] { color: #fbbf24; }
    button { font: inherit; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 4px; padding: 4px 12px; cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: default; }
    .status { color: #9fb3d1; font-size: 13px; }
    .status[data-status='error'] { color: #fca5a5; }
    ol { list-style: none; margin: 6px 0 0; padding: 0; display: grid; gap: 2px; max-height: 9em; overflow: auto; }
    li { display: flex; gap: 8px; align-items: baseline; font-size: 13px; }
    li::before { content: ''; flex: none; width: 9px; height: 9px; background: var(--c); border: 2px solid #dbe4f3; }
    li[data-severity='critical']::before { clip-path: polygon(50% 0, 100% 100%, 0 100%); border: none; width: 12px; height: 11px; }
    li[data-severity='major']::before { transform: rotate(45deg); }
    li[data-severity='minor']::before { border-radius: 50%; }
    li[data-state='acknowledged'] { color: #9fb3d1; }
  `];

  /** Live, or the instant shown and its data. */
  declare view: TimeView;
  /** The right end of the slider (now), epoch ms. */
  declare now: number;
  declare lang: Lang;
  /** Where the slider is while being dragged, before the operator lets go. */
  declare preview: number | undefined;

  constructor() {
    super();
    this.view = { mode: 'live' };
    this.now = Date.now();
    this.lang = 'vi';
    this.preview = undefined;
  }

  protected override willUpdate(): void {
    // Styles the frame by mode (:host([data-mode=…])); tests read it too.
    this.dataset.mode = this.view.mode;
  }

  override render() {
    const lang = this.lang;
    const v = this.view;
    const start = this.now - CURSOR_SPAN_MS;
    const at = this.preview ?? (v.mode === 'past' ? v.at : this.now);
    const step = Math.round((Math.min(Math.max(at, start), this.now) - start) / STEP_MS);
    return html`
      <div class="row">
        <span class="when" data-mode=${v.mode} aria-live="polite">${v.mode === 'live' && this.preview === undefined ? t('time.live', lang) : t('time.at', lang, { time: formatTime(at, lang) })}</span>
        <input type="range" min="0" max=${STEPS} step="1" .value=${String(step)} aria-label=${t('time.slider', lang)}
          aria-valuetext=${formatTime(at, lang)} @input=${this.onInput} @change=${this.onChange} />
        <button type="button" class="live" ?disabled=${v.mode === 'live'} @click=${this.goLive}>${t('time.back-to-live', lang)}</button>
      </div>
      ${v.mode === 'past' ? this.renderPast(v) : nothing}
    `;
  }

  private renderPast(v: Extract<TimeView, { mode: 'past' }>) {
    const lang = this.lang;
    if (v.status === 'loading') return html`<div class="status" data-status="loading">${t('time.loading', lang)}</div>`;
    if (v.status === 'error') return html`<div class="status" data-status="error">${t('time.error', lang, { message: v.message })}</div>`;
    const { sensors, alerts, incidents } = v.view;
    return html`
      <div class="status" data-status="ready">${t('time.summary', lang, { sensors: sensors.length, alerts: alerts.length, incidents: incidents.length })}</div>
      <ol class="incidents-at" aria-label=${t('time.incidents', lang)}>
        ${incidents.slice(0, LISTED).map((i) => html`<li data-incident=${i.id} data-severity=${i.severity} data-state=${i.state}>
          <span>${severityLabel(i.severity, lang)}</span><span>${i.type}</span><span>${i.zones.join(', ')}</span>
          <span>${t(i.state === 'open' ? 'time.state.open' : 'time.state.acknowledged', lang)}</span></li>`)}
        ${incidents.length > LISTED ? html`<li class="more">${t('time.more', lang, { n: incidents.length - LISTED })}</li>` : nothing}
      </ol>
    `;
  }

  private instantOf(e: Event): number {
    const step = Number((e.target as HTMLInputElement).value);
    return this.now - CURSOR_SPAN_MS + step * STEP_MS;
  }

  private onInput(e: Event): void {
    this.preview = this.instantOf(e);
  }

  private onChange(e: Event): void {
    const at = this.instantOf(e);
    this.preview = undefined;
    this.dispatchEvent(new CustomEvent('time-cursor-change', { detail: { at }, bubbles: true, composed: true }));
  }

  private goLive(): void {
    this.preview = undefined;
    this.dispatchEvent(new CustomEvent('time-cursor-live', { bubbles: true, composed: true }));
  }
}

customElements.define('ioc-time-cursor', TimeCursor);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-time-cursor': TimeCursor;
  }
}
