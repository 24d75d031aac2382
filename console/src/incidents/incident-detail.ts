// <ioc-incident-detail>: one incident in full: its timeline (alerts, actions,
// comments, SOP steps), the evidence that fired it, the SOP checklist, and the
// operator's actions (acknowledge, assign, comment, resolve with a note, merge,
// split). It shows what it is given, live, and sends each action up as an
// `incident-action` event; it never acts through the engine itself (only its
// evidence charts read series, read-only). Opening it moves the focus to its
// heading, so Tab goes on through the actions; nothing else ever moves the focus.

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { DrillQueries } from '../drilldown/index.ts';
import { formatTime, t } from '../i18n/index.ts';
import type { Lang, Localized } from '../state/index.ts';
import { severityVars } from '../theme/index.ts';
import type { IncidentAction } from './client.ts';
import './evidence-chart.ts';
import { evidenceCharts } from './evidence-model.ts';
import { pick } from './queue-model.ts';
import { severityMark, severityMarkStyles } from './severity-mark.ts';
import type { IncidentDetailView, IncidentView } from './types.ts';

/** Detail of `incident-action`: `settle(ok)` tells the form whether to clear its input. */
export interface IncidentActionRequest {
  id: string;
  action: IncidentAction;
  settle(ok: boolean): void;
}

export class IncidentDetail extends LitElement {
  static override properties = {
    detail: { attribute: false },
    others: { attribute: false },
    mergedInto: { attribute: false },
    error: { attribute: false },
    districts: { attribute: false },
    denied: { attribute: false },
    queries: { attribute: false },
    lang: { type: String },
    picked: { state: true },
  };

  static override styles = [severityVars('--sev'), severityMarkStyles, css`
    :host { display: flex; flex-direction: column; min-height: 0; background: #0a1120; color: #dbe4f3; font-size: 14px;
      border: 1px solid #2a3d5e; border-radius: 6px; box-shadow: 0 12px 40px rgba(0, 0, 0, 0.6); }
    header { padding: 12px 16px; border-bottom: 1px solid #1d2a42; border-left: 6px solid var(--sev); display: grid; gap: 6px; border-radius: 6px 6px 0 0; }
    .top { display: flex; gap: 8px; align-items: center; }
    h2 { margin: 0; font-size: 18px; flex: 1; }
    .meta { font-size: 13px; color: #9fb3d1; display: flex; flex-wrap: wrap; gap: 4px 12px; }
    .state { font-weight: 700; }
    .body { overflow-y: auto; padding: 8px 16px 16px; display: grid; gap: 14px; }
    h3 { margin: 6px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: 0.03em; color: #9fb3d1; }
    ol, ul { margin: 0; padding: 0; list-style: none; }
    .timeline li { display: grid; grid-template-columns: 9em 1fr; gap: 2px 10px; padding: 4px 0; border-bottom: 1px solid #17233a; }
    .timeline time { color: #7f93b3; font-size: 12px; font-variant-numeric: tabular-nums; }
    .timeline .what { font-weight: 600; }
    .timeline .who { color: #9fb3d1; font-weight: 400; }
    .timeline .text { grid-column: 2; color: #c4d0e4; }
    .sop li { display: flex; gap: 8px; align-items: baseline; padding: 4px 0; }
    .sop .note { font-size: 12px; color: #7f93b3; }
    .sop li[data-overdue='true'] .note { color: #fca5a5; font-weight: 700; }
    table { border-collapse: collapse; width: 100%; font-size: 13px; }
    td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid #17233a; font-variant-numeric: tabular-nums; }
    th { color: #9fb3d1; font-weight: 600; }
    .alerts li { display: flex; gap: 8px; align-items: center; padding: 3px 0; }
    .tag { font-size: 11px; padding: 0 4px; border: 1px dashed #7f93b3; border-radius: 3px; color: #9fb3d1; }
    .actions { display: grid; gap: 8px; }
    .actions .row { display: flex; gap: 6px; }
    input, textarea { flex: 1; font: inherit; font-size: 13px; color: #dbe4f3; background: #0e1626; border: 1px solid #2a3d5e; border-radius: 4px; padding: 4px 6px; }
    input[type='checkbox'] { flex: none; }
    textarea { min-height: 2.6em; resize: vertical; }
    button { font: inherit; font-size: 13px; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
    button:hover:not([disabled]) { background: #1b2a4a; }
    button[disabled] { opacity: 0.5; cursor: default; }
    button.primary { background: #1d4ed8; border-color: #3b82f6; }
    .error { color: #fca5a5; }
    .merged { padding: 16px; }
    /* The actions a role may not use (console/src/session): one disabled fieldset, its tooltip says why. */
    fieldset { border: 0; margin: 0; padding: 0; min-width: 0; display: grid; gap: 8px; }
    fieldset:disabled :is(button, input, textarea), input:disabled { opacity: 0.5; cursor: not-allowed; }
    .charts { display: grid; gap: 10px; margin-bottom: 8px; }
    h2:focus { outline: none; }
    h2:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #facc15; outline-offset: 2px; }
  `];

  declare detail: IncidentDetailView | undefined;
  /** Other incidents not resolved: candidates to merge into this one. */
  declare others: readonly IncidentView[];
  /** Set when this incident was merged into another: that one's id. */
  declare mergedInto: string;
  declare error: string;
  declare districts: ReadonlyMap<string, Localized>;
  /** Why the signed-in role may not act (the disabled actions' tooltip); '' when it may. */
  declare denied: string;
  /** Where the evidence charts read series; undefined: the engine this page came from. */
  declare queries: DrillQueries | undefined;
  declare lang: Lang;
  /** Incidents ticked for a merge and alerts ticked for a split. */
  declare picked: { merge: ReadonlySet<string>; split: ReadonlySet<string> };

  constructor() {
    super();
    this.detail = undefined;
    this.others = [];
    this.mergedInto = '';
    this.error = '';
    this.districts = new Map();
    this.denied = '';
    this.queries = undefined;
    this.lang = 'vi';
    this.picked = { merge: new Set(), split: new Set() };
  }

  /** The incident whose heading last took the focus: a live update of the same one must not take it again. */
  private focusedId = '';

  protected override updated(changed: PropertyValues<this>): void {
    const id = this.detail?.incident.id;
    // The desk makes this a dialog; its name is the incident's title (an id inside the shadow root cannot label the host).
    if (this.detail) this.setAttribute('aria-label', pick(this.detail.incident.title, this.lang) || this.detail.incident.id);
    if (!changed.has('detail') || !id || id === this.focusedId) return;
    this.focusedId = id;
    // The operator opened it (Enter, double click, a merge link): reading goes on from its heading.
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }

  override render() {
    const lang = this.lang;
    const close = html`<button type="button" class="close" @click=${() => this.dispatchEvent(new CustomEvent('incident-close'))}>${t('incident.close', lang)}</button>`;
    if (this.mergedInto) {
      return html`<div class="merged">${t('incident.mergedInto', lang, { id: this.mergedInto })}
        <button type="button" @click=${() => this.dispatchEvent(new CustomEvent('incident-open', { detail: { id: this.mergedInto } }))}>${this.mergedInto}</button> ${close}</div>`;
    }
    const d = this.detail;
    if (!d) return html`<div class="merged">${this.error ? html`<span class="error">${this.error}</span>` : t('incident.loading', lang)} ${close}</div>`;
    const i = d.incident;
    return html`
      <header data-severity=${i.severity}>
        <div class="top">${severityMark(i.severity, lang)}<h2 tabindex="-1">${pick(i.title, lang) || i.id}</h2>${close}</div>
        <div class="meta">
          <span class="state" data-state=${i.state}>${t(`incidents.state.${i.state}`, lang)}</span>
          <span>${i.zones.map((z) => this.districts.get(z)?.[lang] ?? z).join(', ')}</span>
          <span>${t('incident.opened', lang, { time: formatTime(i.openedAt, lang) })}</span>
          <span class="assignee">${t('incident.assignee', lang)}: ${i.assignee || t('incident.unassigned', lang)}</span>
          ${i.acknowledgedBy ? html`<span class="acked">${t('incidents.state.acknowledged', lang)}: ${i.acknowledgedBy}</span>` : nothing}
          <span class="id">${i.id}</span>
        </div>
        ${i.resolution ? html`<div class="resolution">${t('incident.resolution', lang, { note: i.resolution })}</div>` : nothing}
        ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
      </header>
      <div class="body">
        ${this.renderActions(i)}
        ${this.renderSop(i)}
        ${this.renderAlerts(d)}
        ${this.renderEvidence(d)}
        ${this.renderTimeline(i)}
      </div>
    `;
  }

  private renderActions(i: IncidentView) {
    const lang = this.lang;
    const resolved = i.state === 'resolved';
    return html`<section class="actions"><fieldset ?disabled=${this.denied !== ''} title=${this.denied}>
      <div class="row">
        <button type="button" class="primary act-ack" ?disabled=${i.state !== 'open'} @click=${() => this.act({ kind: 'acknowledge' })}>${t('incident.acknowledge', lang)}</button>
        <input class="assign-to" aria-label=${t('incident.assignee', lang)} placeholder=${t('incident.assignee', lang)} ?disabled=${resolved}>
        <button type="button" class="act-assign" ?disabled=${resolved} @click=${() => this.fromInput('.assign-to', (assignee) => ({ kind: 'assign', assignee }))}>${t('incident.assign', lang)}</button>
      </div>
      <div class="row">
        <textarea class="comment-text" aria-label=${t('incident.comment', lang)} placeholder=${t('incident.comment.placeholder', lang)}></textarea>
        <button type="button" class="act-comment" @click=${() => this.fromInput('.comment-text', (text) => ({ kind: 'comment', text }))}>${t('incident.comment', lang)}</button>
      </div>
      ${resolved ? nothing : html`<div class="row">
        <textarea class="resolve-note" aria-label=${t('incident.resolve.note', lang)} placeholder=${t('incident.resolve.note', lang)}></textarea>
        <button type="button" class="act-resolve" @click=${() => this.fromInput('.resolve-note', (note) => ({ kind: 'resolve', note }))}>${t('incident.resolve', lang)}</button>
      </div>`}
    </fieldset></section>`;
  }

  private renderSop(i: IncidentView) {
    const lang = this.lang;
    return html`<section class="sop"><h3>${t('incident.sop', lang)}</h3>
      ${i.sop.length === 0 ? html`<p class="note">${t('incident.sop.none', lang)}</p>` : html`<ul>
        ${repeat(i.sop, (s) => s.id, (s) => html`<li data-step=${s.id} data-done=${s.doneAt > 0 ? 'true' : 'false'} data-overdue=${s.overdue && !s.doneAt ? 'true' : 'false'}>
          <input type="checkbox" id=${`sop-${s.id}`} .checked=${s.doneAt > 0} ?disabled=${i.state === 'resolved' || this.denied !== ''} title=${this.denied}
            @change=${(e: Event) => this.tick(e.target as HTMLInputElement, s.id)}>
          <label for=${`sop-${s.id}`}>${pick(s.title, lang)}</label>
          <span class="note">${s.owner} · ${s.doneAt
            ? t('incident.sop.doneBy', lang, { who: s.doneBy })
            : s.overdue ? t('incident.sop.overdue', lang) : t('incident.sop.due', lang, { time: formatTime(s.dueAt, lang) })}</span>
        </li>`)}
      </ul>`}
    </section>`;
  }

  private renderAlerts(d: IncidentDetailView) {
    const lang = this.lang;
    const i = d.incident;
    const open = i.state !== 'resolved';
    const split = this.picked.split;
    const merge = this.picked.merge;
    return html`<section class="alerts"><h3>${t('incident.alerts', lang)}</h3>
      <ul>${repeat(d.alerts, (a) => a.fingerprint, (a) => html`<li data-fingerprint=${a.fingerprint} data-state=${a.state}>
        ${open && d.alerts.length > 1 ? html`<input type="checkbox" aria-label=${a.fingerprint} .checked=${split.has(a.fingerprint)} @change=${() => this.toggle('split', a.fingerprint)}>` : nothing}
        ${severityMark(a.severity, lang)}<span>${pick(a.title, lang) || a.rule}</span><span class="note">${a.source} · ${a.state}</span>
        ${a.silenced ? html`<span class="tag">${t('incident.silenced', lang)}</span>` : nothing}
        ${a.flapping ? html`<span class="tag">${t('incident.flapping', lang)}</span>` : nothing}
      </li>`)}</ul>
      ${open && d.alerts.length > 1 ? html`<button type="button" class="act-split" ?disabled=${split.size === 0 || split.size >= d.alerts.length || this.denied !== ''} title=${this.denied}
        @click=${() => this.act({ kind: 'split', alerts: [...split] }, () => this.clearPicked('split'))}>${t('incident.split', lang)}</button>` : nothing}
      ${open ? html`<h3>${t('incident.merge', lang)}</h3>
        ${this.others.length === 0 ? html`<p class="note">${t('incident.merge.none', lang)}</p>` : html`<ul class="merge">
          ${repeat(this.others, (o) => o.id, (o) => html`<li><input type="checkbox" id=${`merge-${o.id}`} .checked=${merge.has(o.id)} @change=${() => this.toggle('merge', o.id)}>
            <label for=${`merge-${o.id}`}>${severityMark(o.severity, lang)} ${pick(o.title, lang) || o.id} · ${o.id}</label></li>`)}
        </ul>
        <button type="button" class="act-merge" ?disabled=${merge.size === 0 || this.denied !== ''} title=${this.denied} @click=${() => this.act({ kind: 'merge', others: [...merge] }, () => this.clearPicked('merge'))}>${t('incident.merge', lang)}</button>`}` : nothing}
    </section>`;
  }

  private renderEvidence(d: IncidentDetailView) {
    const lang = this.lang;
    const values = d.alerts.flatMap((a) => Object.entries(a.values).map(([name, v]) => ({ a, name, v })));
    const { charts, omitted } = evidenceCharts(d);
    return html`<section class="evidence"><h3>${t('incident.evidence', lang)}</h3>
      ${charts.length === 0 ? nothing : html`<div class="charts">
        ${repeat(charts, (c) => `${c.target.kind}|${c.target.kind === 'sensor' ? c.target.source : c.target.zone}|${c.target.type}`,
          (c) => html`<ioc-evidence-chart .spec=${c} .queries=${this.queries} .districts=${this.districts} lang=${lang}></ioc-evidence-chart>`)}
        ${omitted > 0 ? html`<p class="note">${t('evidence.chart.omitted', lang, { n: omitted })}</p>` : nothing}
      </div>`}
      ${d.evidence.length === 0 ? html`<p class="note">${t('incident.evidence.none', lang)}</p>` : html`<table>
        <tbody>${repeat(d.evidence, (e) => e.eventId, (e) => html`<tr data-event-id=${e.eventId}>
          <td><time>${formatTime(e.eventTime, lang)}</time></td><td>${e.eventType}</td><td>${e.source}</td>
          <td class="value">${e.value === undefined ? '' : e.value.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB')}</td></tr>`)}
        </tbody></table>`}
      ${values.length === 0 ? nothing : html`<h3>${t('incident.values', lang)}</h3><table><tbody>
        ${values.map(({ a, name, v }) => html`<tr><td>${a.source || a.rule}</td><td>${name}</td><td class="value">${v.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB')}</td></tr>`)}
      </tbody></table>`}
    </section>`;
  }

  private renderTimeline(i: IncidentView) {
    const lang = this.lang;
    const entries = [...i.timeline].reverse();
    return html`<section class="timeline"><h3>${t('incident.timeline', lang)}</h3>
      <ol>${repeat(entries, (e) => e.seq, (e) => html`<li data-kind=${e.kind}>
        <time>${formatTime(e.at, lang)}</time>
        <span class="what">${t(`timeline.${e.kind}`, lang)} <span class="who">· ${e.actor}</span></span>
        ${e.detail ? html`<span class="text">${e.detail}</span>` : nothing}
      </li>`)}</ol>
    </section>`;
  }

  private fromInput(selector: string, make: (value: string) => IncidentAction): void {
    const field = this.renderRoot.querySelector<HTMLInputElement | HTMLTextAreaElement>(selector);
    const value = field?.value.trim() ?? '';
    if (!field || !value) {
      field?.focus();
      return;
    }
    this.act(make(value), () => { field.value = ''; });
  }

  /** A refused tick goes back to what the engine holds (Lit would not reset an unchanged binding). */
  private tick(box: HTMLInputElement, step: string): void {
    const done = box.checked;
    this.act({ kind: 'sop-step', step, done }, () => {}, () => { box.checked = !done; });
  }

  private act(action: IncidentAction, onOk: () => void = () => {}, onFail: () => void = () => {}): void {
    const id = this.detail?.incident.id;
    if (!id) return;
    const request: IncidentActionRequest = { id, action, settle: (ok) => (ok ? onOk() : onFail()) };
    this.dispatchEvent(new CustomEvent('incident-action', { detail: request }));
  }

  private toggle(which: 'merge' | 'split', key: string): void {
    const next = new Set(this.picked[which]);
    if (!next.delete(key)) next.add(key);
    this.picked = { ...this.picked, [which]: next };
  }

  private clearPicked(which: 'merge' | 'split'): void {
    this.picked = { ...this.picked, [which]: new Set() };
  }
}

customElements.define('ioc-incident-detail', IncidentDetail);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-incident-detail': IncidentDetail;
  }
}
