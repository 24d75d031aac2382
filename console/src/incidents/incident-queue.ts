// <ioc-incident-queue>: the incidents to work, worst and oldest first, with
// filters, the keyboard shortcuts spelled out, the alarm's state and the "who am
// I" field. Virtualized: only the rows in view (and a few either side) are in
// the DOM, so thousands of incidents cost a few dozen elements. It shows what it
// is given and sends events up; it never calls the engine.

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { formatTime, t, type MessageKey } from '../i18n/index.ts';
import type { Lang, Localized } from '../state/index.ts';
import { severityVars } from '../theme/index.ts';
import { pick, visibleRange, type QueueFilter } from './queue-model.ts';
import { severityMark, severityMarkStyles } from './severity-mark.ts';
import type { SoundState } from './sound.ts';
import type { IncidentView } from './types.ts';

/** Height of one row in px; rows are fixed-height so the window is computed, not measured. */
export const ROW_HEIGHT = 64;

const STATES = ['active', 'open', 'acknowledged', 'resolved', 'all'] as const;
const MUTES = [5, 15, 60] as const;

export class IncidentQueue extends LitElement {
  static override properties = {
    incidents: { attribute: false },
    selected: { attribute: false },
    filter: { attribute: false },
    types: { attribute: false },
    zones: { attribute: false },
    districts: { attribute: false },
    sound: { attribute: false },
    user: { attribute: false },
    now: { attribute: false },
    lang: { type: String },
    scrollTop: { state: true },
    viewport: { state: true },
  };

  static override styles = [severityVars('--sev'), severityMarkStyles, css`
    :host { display: flex; flex-direction: column; min-height: 0; color: #dbe4f3; font-size: 14px; }
    h2 { margin: 0; padding: 10px 16px; font-size: 15px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.02em;
      color: #9fb3d1; border-bottom: 1px solid #1d2a42; display: flex; gap: 8px; align-items: center; }
    h2 .count { color: #fff; font-variant-numeric: tabular-nums; margin-left: auto; }
    .bar { display: flex; flex-wrap: wrap; gap: 6px; padding: 8px 12px; border-bottom: 1px solid #17233a; align-items: center; }
    select, input { font: inherit; font-size: 13px; color: #dbe4f3; background: #0e1626; border: 1px solid #2a3d5e; border-radius: 4px; padding: 3px 6px; }
    input[type='search'] { flex: 1; min-width: 120px; }
    button { font: inherit; font-size: 12px; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
    button:hover { background: #1b2a4a; }
    .who { display: flex; gap: 6px; align-items: center; color: #9fb3d1; font-size: 13px; }
    .who input { width: 120px; }
    .sound { display: flex; gap: 6px; align-items: center; font-size: 13px; padding: 6px 12px; border-bottom: 1px solid #17233a; color: #9fb3d1; }
    .sound .state { flex: 1; }
    .sound[data-status='ringing'] .state { color: #fda4af; font-weight: 700; }
    .sound[data-status='ringing'] .state::before { content: '♪ '; }
    .sound[data-status='muted'] .state::before { content: '× '; }
    .sound[data-audio='blocked'] .unlock { color: #1a1200; background: #f59e0b; border-color: #f59e0b; font-weight: 700; }
    .keys { padding: 4px 12px; font-size: 12px; color: #7f93b3; border-bottom: 1px solid #17233a; display: flex; flex-wrap: wrap; gap: 4px 10px; }
    kbd { font: inherit; font-family: ui-monospace, 'DejaVu Sans Mono', monospace; padding: 0 4px; border: 1px solid #2a3d5e; border-radius: 3px; color: #dbe4f3; }
    .rows { flex: 1; min-height: 0; overflow-y: auto; position: relative; outline: none; }
    .rows:focus-visible { box-shadow: inset 0 0 0 2px #38bdf8; }
    .space { position: relative; }
    .row { position: absolute; left: 0; right: 0; height: ${ROW_HEIGHT}px; box-sizing: border-box; padding: 6px 12px 6px 10px; cursor: pointer;
      border-bottom: 1px solid #17233a; border-left: 5px solid var(--sev); display: grid; grid-template-rows: auto auto; gap: 3px; }
    .row[data-severity='critical'] { background: rgba(244, 63, 94, 0.08); }
    .row[data-state='acknowledged'] { opacity: 0.8; }
    .row[data-state='resolved'] { opacity: 0.55; }
    .row[aria-selected='true'] { background: #1b2a4a; outline: 2px solid #38bdf8; outline-offset: -2px; }
    .line { display: flex; gap: 8px; align-items: center; min-width: 0; }
    .title { font-weight: 600; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .meta { font-size: 12px; color: #7f93b3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .state-badge { font-size: 11px; padding: 0 5px; border-radius: 3px; border: 1px solid #2a3d5e; white-space: nowrap; }
    .state-badge[data-state='open'] { color: #fde68a; border-color: #f59e0b; }
    .state-badge[data-state='resolved'] { color: #86efac; border-color: #22c55e; }
    .empty { padding: 16px; color: #7f93b3; }
  `];

  declare incidents: readonly IncidentView[];
  declare selected: string | undefined;
  declare filter: QueueFilter;
  declare types: readonly string[];
  declare zones: readonly string[];
  declare districts: ReadonlyMap<string, Localized>;
  declare sound: SoundState | undefined;
  declare user: string;
  declare now: number;
  declare lang: Lang;
  declare scrollTop: number;
  declare viewport: number;

  private resizer: ResizeObserver | undefined;

  constructor() {
    super();
    this.incidents = [];
    this.selected = undefined;
    this.filter = { type: '', zone: '', state: 'active', text: '' };
    this.types = [];
    this.zones = [];
    this.districts = new Map();
    this.sound = undefined;
    this.user = '';
    this.now = Date.now();
    this.lang = 'vi';
    this.scrollTop = 0;
    this.viewport = 600;
  }

  /** How many row elements are in the DOM now (the virtualization at work). */
  get renderedRows(): number {
    return this.renderRoot.querySelectorAll('.row').length;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizer?.disconnect();
  }

  protected override firstUpdated(): void {
    const rows = this.rowsElement;
    if (!rows) return;
    this.resizer = new ResizeObserver(() => { this.viewport = rows.clientHeight; });
    this.resizer.observe(rows);
  }

  protected override updated(changed: PropertyValues<this>): void {
    this.placeRows();
    if (changed.has('selected')) this.keepSelectedInView();
  }

  /**
   * Sizes and positions through the CSSOM, after each render: the page's CSP refuses
   * style attributes, and Lit's styleMap writes one on its first render.
   */
  private placeRows(): void {
    const space = this.renderRoot.querySelector<HTMLElement>('.space');
    if (space) space.style.height = `${this.incidents.length * ROW_HEIGHT}px`;
    for (const row of this.renderRoot.querySelectorAll<HTMLElement>('.row')) row.style.top = `${Number(row.dataset.index) * ROW_HEIGHT}px`;
  }

  override render() {
    const lang = this.lang;
    return html`
      <h2><span>${t('incidents.heading', lang)}</span><span class="count">${this.incidents.length}</span></h2>
      ${this.renderSound()}
      <div class="bar">
        <select aria-label=${t('incidents.filter.type', lang)} class="f-type" @change=${(e: Event) => this.setFilter({ type: (e.target as HTMLSelectElement).value })}>
          <option value="" ?selected=${this.filter.type === ''}>${t('incidents.filter.type', lang)}</option>
          ${this.types.map((ty) => html`<option value=${ty} ?selected=${this.filter.type === ty}>${ty}</option>`)}
        </select>
        <select aria-label=${t('incidents.filter.zone', lang)} class="f-zone" @change=${(e: Event) => this.setFilter({ zone: (e.target as HTMLSelectElement).value })}>
          <option value="" ?selected=${this.filter.zone === ''}>${t('incidents.filter.zone', lang)}</option>
          ${this.zones.map((z) => html`<option value=${z} ?selected=${this.filter.zone === z}>${this.districtName(z)}</option>`)}
        </select>
        <select aria-label="state" class="f-state" @change=${(e: Event) => this.setFilter({ state: (e.target as HTMLSelectElement).value as QueueFilter['state'] })}>
          ${STATES.map((s) => html`<option value=${s} ?selected=${this.filter.state === s}>${t(`incidents.state.${s}`, lang)}</option>`)}
        </select>
        <input type="search" class="f-text" placeholder=${t('incidents.filter.text', lang)} aria-label=${t('incidents.filter.text', lang)}
          .value=${this.filter.text} @input=${(e: Event) => this.setFilter({ text: (e.target as HTMLInputElement).value })}>
        <label class="who">${t('incidents.user', lang)}
          <input class="user" .value=${this.user} autocomplete="username" @change=${(e: Event) => this.send('user-change', { name: (e.target as HTMLInputElement).value })}></label>
      </div>
      <div class="keys" aria-hidden="true">
        ${this.key(['j', 'k', '↓', '↑'], 'incidents.key.move')} ${this.key(['a'], 'incidents.key.ack')} ${this.key(['s'], 'incidents.key.assign')}
        ${this.key(['e'], 'incidents.key.escalate')} ${this.key(['Enter'], 'incidents.key.open')}
      </div>
      ${this.incidents.length === 0 ? html`<p class="empty">${t('incidents.none', lang)}</p>` : nothing}
      <div class="rows" tabindex="0" role="listbox" aria-label=${t('incidents.heading', lang)} @scroll=${this.onScroll}>
        ${this.renderRows()}
      </div>
    `;
  }

  private renderRows() {
    const { start, end } = visibleRange(this.scrollTop, this.viewport, ROW_HEIGHT, this.incidents.length);
    const slice = this.incidents.slice(start, end).map((incident, n) => ({ incident, index: start + n }));
    return html`<div class="space">
      ${repeat(slice, (r) => r.incident.id, ({ incident: i, index }) => html`
        <div class="row" role="option" data-incident-id=${i.id} data-severity=${i.severity} data-state=${i.state}
          aria-selected=${i.id === this.selected ? 'true' : 'false'} data-index=${index}
          @click=${() => this.send('incident-select', { id: i.id })} @dblclick=${() => this.send('incident-open', { id: i.id })}>
          <div class="line">${severityMark(i.severity, this.lang)}<span class="title">${pick(i.title, this.lang) || i.id}</span>
            <span class="state-badge" data-state=${i.state}>${t(`incidents.state.${i.state}`, this.lang)}</span></div>
          <div class="meta">${i.zones.map((z) => this.districtName(z)).join(', ')} · ${this.age(i.openedAt)} · ${formatTime(i.openedAt, this.lang)}${i.assignee ? ` · ${i.assignee}` : ''}</div>
        </div>`)}
    </div>`;
  }

  private renderSound() {
    const s = this.sound;
    if (!s) return nothing;
    const lang = this.lang;
    const text = s.status === 'muted' ? t('incidents.sound.muted', lang, { time: formatTime(s.mutedUntil, lang) }) : t(`incidents.sound.${s.status}`, lang);
    return html`<div class="sound" data-status=${s.status} data-audio=${s.audio} role="status">
      <span class="state">${text}</span>
      ${s.audio === 'blocked' && s.status !== 'blocked'
        ? html`<button type="button" class="unlock" @click=${() => this.send('sound-unlock', {})}>${t('incidents.sound.blocked', lang)}</button>`
        : nothing}
      ${s.status === 'blocked' ? html`<button type="button" class="unlock" aria-label=${t('incidents.sound.unlock', lang)} @click=${() => this.send('sound-unlock', {})}>♪</button>` : nothing}
      ${s.mutedUntil > 0
        ? html`<button type="button" class="unmute" @click=${() => this.send('sound-mute', { minutes: 0 })}>${t('incidents.sound.unmute', lang)}</button>`
        : MUTES.map((m) => html`<button type="button" class="mute" data-minutes=${m} @click=${() => this.send('sound-mute', { minutes: m })}>${t('incidents.sound.mute', lang, { m })}</button>`)}
    </div>`;
  }

  private key(keys: string[], label: MessageKey) {
    return html`<span>${keys.map((k) => html`<kbd>${k}</kbd>`)} ${t(label, this.lang)}</span>`;
  }

  private age(openedAt: number): string {
    const minutes = Math.max(0, Math.round((this.now - openedAt) / 60_000));
    const rtf = new Intl.RelativeTimeFormat(this.lang === 'vi' ? 'vi' : 'en', { numeric: 'auto', style: 'narrow' });
    return minutes < 120 ? rtf.format(-minutes, 'minute') : rtf.format(-Math.round(minutes / 60), 'hour');
  }

  private districtName(zone: string): string {
    return this.districts.get(zone)?.[this.lang] ?? zone;
  }

  private get rowsElement(): HTMLElement | null {
    return this.renderRoot.querySelector('.rows');
  }

  private onScroll(e: Event): void {
    this.scrollTop = (e.target as HTMLElement).scrollTop;
  }

  private keepSelectedInView(): void {
    const rows = this.rowsElement;
    const at = this.incidents.findIndex((i) => i.id === this.selected);
    if (!rows || at < 0) return;
    const top = at * ROW_HEIGHT;
    if (top < rows.scrollTop) rows.scrollTop = top;
    else if (top + ROW_HEIGHT > rows.scrollTop + rows.clientHeight) rows.scrollTop = top + ROW_HEIGHT - rows.clientHeight;
  }

  private setFilter(part: Partial<QueueFilter>): void {
    this.send('filter-change', { filter: { ...this.filter, ...part } });
  }

  private send(type: string, detail: object): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

customElements.define('ioc-incident-queue', IncidentQueue);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-incident-queue': IncidentQueue;
  }
}
