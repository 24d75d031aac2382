// <ioc-wall-bar>: the one strip of chrome a video wall keeps: title, the view
// shown, the connection and the clock, in large type. Shows what it is given;
// sends 'wall-next' and 'wall-exit' up.

import { css, html, LitElement, nothing } from 'lit';
import type { Connection } from '../api/index.ts';
import { formatTime, t } from '../i18n/index.ts';
import type { Lang } from '../state/index.ts';
import type { WallView } from './wall-sync.ts';

export class WallBar extends LitElement {
  static override properties = {
    lang: { type: String },
    view: { type: String },
    connection: { attribute: false },
    staleSince: { attribute: false },
    rotating: { type: Boolean },
    now: { attribute: false },
  };

  static override styles = css`
    :host { display: flex; align-items: center; gap: 20px; padding: 8px 20px; background: #0a1120; border-bottom: 2px solid #1d2a42;
      font-size: 24px; color: #dbe4f3; }
    .title { flex: 1; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .view { color: #9fb3d1; }
    .connection { display: flex; align-items: center; gap: 12px; font-variant-numeric: tabular-nums; }
    .dot { width: 18px; height: 18px; border-radius: 50%; background: #64748b; }
    /* Not color alone: a lost connection is a hollow square, a live one a filled circle. */
    [data-phase='live'] .dot { background: #22c55e; }
    [data-phase='reconnecting'] { color: #fca5a5; }
    [data-phase='reconnecting'] .dot { border-radius: 0; background: transparent; border: 4px solid #ef4444; }
    .stale { font-size: 22px; color: #fca5a5; }
    time { font-variant-numeric: tabular-nums; color: #9fb3d1; }
    button { font: inherit; font-size: 17px; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 4px; padding: 4px 14px; cursor: pointer; }
    button:focus-visible { outline: 3px solid #facc15; outline-offset: 2px; }
  `;

  declare lang: Lang;
  declare view: WallView;
  declare connection: Connection;
  declare staleSince: number | undefined;
  declare rotating: boolean;
  declare now: number;

  constructor() {
    super();
    this.lang = 'vi';
    this.view = 'map';
    this.connection = { phase: 'connecting', attempt: 0 };
    this.staleSince = undefined;
    this.rotating = false;
    this.now = Date.now();
  }

  override render() {
    const { lang, connection: c } = this;
    const text = c.phase === 'reconnecting'
      ? t('connection.reconnecting', lang, { s: Math.max(0, Math.ceil((c.retryAt - this.now) / 1000)) })
      : t(`connection.${c.phase}`, lang);
    return html`
      <span class="title">${t('title', lang)}</span>
      <span class="view" data-view=${this.view}>${t(`wall.view.${this.view}`, lang)}${this.rotating ? html` · ${t('wall.rotating', lang)}` : nothing}</span>
      <span class="connection" data-phase=${c.phase}><span class="dot"></span>${text}</span>
      ${this.staleSince !== undefined ? html`<span class="stale">${t('connection.stale', lang, { time: formatTime(this.staleSince, lang) })}</span>` : nothing}
      <time>${formatTime(this.now, lang)}</time>
      <button type="button" @click=${() => this.emit('wall-next')}>${t('wall.next', lang)}</button>
      <button type="button" @click=${() => this.emit('wall-exit')}>${t('wall.exit', lang)}</button>
    `;
  }

  private emit(name: 'wall-next' | 'wall-exit'): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }));
  }
}

customElements.define('ioc-wall-bar', WallBar);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-wall-bar': WallBar;
  }
}
