// <ioc-alert-list>: the alerts firing now, worst and newest first, as the state
// sorts them. Shows what it is given; it keeps no state of its own.

import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { formatTime, severityLabel, t } from '../i18n/index.ts';
import { severityVars } from '../theme/index.ts';
import type { AlertView, Lang, Localized } from '../state/index.ts';

export class AlertList extends LitElement {
  static override properties = {
    alerts: { attribute: false },
    lang: { type: String },
    districts: { attribute: false },
  };

  static override styles = [severityVars('--sev'), css`
    :host { display: flex; flex-direction: column; min-height: 0; color: #dbe4f3; font-size: 15px; }
    h2 { margin: 0; padding: 12px 16px; font-size: 15px; font-weight: 600; letter-spacing: 0.02em; text-transform: uppercase;
      color: #9fb3d1; border-bottom: 1px solid #1d2a42; display: flex; justify-content: space-between; }
    .count { color: #fff; font-variant-numeric: tabular-nums; }
    ol { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
    li { padding: 10px 16px 10px 13px; border-bottom: 1px solid #17233a; border-left: 5px solid var(--sev); }
    li[data-severity='critical'] { background: rgba(244, 63, 94, 0.1); }
    .top { display: flex; gap: 8px; align-items: baseline; }
    .sev { font-size: 12px; font-weight: 700; text-transform: uppercase; color: var(--sev); white-space: nowrap; }
    .title { font-weight: 600; flex: 1; }
    .message { margin-top: 3px; color: #c4d0e4; }
    .meta { margin-top: 4px; display: flex; justify-content: space-between; font-size: 13px; color: #7f93b3; font-variant-numeric: tabular-nums; }
    .empty { padding: 16px; color: #7f93b3; }
  `];

  declare alerts: readonly AlertView[];
  declare lang: Lang;
  /** District names by id, for the zone of each alert. */
  declare districts: ReadonlyMap<string, Localized>;

  constructor() {
    super();
    this.alerts = [];
    this.lang = 'vi';
    this.districts = new Map();
  }

  override render() {
    const lang = this.lang;
    return html`
      <h2><span>${t('alerts.heading', lang)}</span><span class="count">${this.alerts.length}</span></h2>
      ${this.alerts.length === 0
        ? html`<p class="empty">${t('alerts.none', lang)}</p>`
        : html`<ol>
            ${repeat(this.alerts, (a) => a.fingerprint, (a) => html`
              <li data-severity=${a.severity} data-fingerprint=${a.fingerprint}>
                <div class="top">
                  <span class="sev">${severityLabel(a.severity, lang)}</span>
                  <span class="title">${pick(a.title, lang) || a.rule}</span>
                </div>
                ${pick(a.message, lang) ? html`<div class="message">${pick(a.message, lang)}</div>` : nothing}
                <div class="meta">
                  <span class="district">${this.districtName(a.zone)}</span>
                  <time datetime=${new Date(a.startsAt).toISOString()}>${formatTime(a.startsAt, lang)}</time>
                </div>
              </li>`)}
          </ol>`}
    `;
  }

  private districtName(zone: string): string {
    const names = this.districts.get(zone);
    return names ? names[this.lang] : zone;
  }
}

/** The text in `lang`, or in the other language when a rule left it empty. */
function pick(text: Localized, lang: Lang): string {
  return text[lang] || text[lang === 'vi' ? 'en' : 'vi'];
}

customElements.define('ioc-alert-list', AlertList);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-alert-list': AlertList;
  }
}
