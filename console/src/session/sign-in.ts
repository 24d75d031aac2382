// <ioc-sign-in>: the console's sign-in, shown when the engine requires it and
// this tab holds no valid credential. A name and secret (sent as `Basic`), or a
// pasted bearer token. It only builds the credential and sends it up as a
// `sign-in` event; the session controller checks it with WhoAmI and shows the
// outcome through `error` and `busy`. It never stores anything itself.

import { css, html, LitElement, nothing } from 'lit';
import { t } from '../i18n/index.ts';
import type { Lang } from '../state/index.ts';
import { basicCredential, bearerCredential } from './credential-store.ts';

/** Detail of `sign-in`. */
export interface SignInRequest {
  authorization: string;
  kind: 'password' | 'token';
}

export class SignIn extends LitElement {
  static override properties = {
    lang: { type: String },
    error: { type: String },
    busy: { type: Boolean },
    kind: { state: true },
    missing: { state: true },
  };

  static override styles = css`
    :host { display: grid; place-items: center; min-height: 0; padding: 24px; }
    form { width: min(420px, 100%); display: grid; gap: 12px; padding: 24px; background: #0a1120; border: 1px solid #2a3d5e; border-radius: 8px;
      box-shadow: 0 12px 40px rgba(0, 0, 0, 0.5); }
    h2 { margin: 0; font-size: 20px; }
    p { margin: 0; color: #9fb3d1; font-size: 14px; }
    .tabs { display: flex; gap: 4px; }
    .tabs button { flex: 1; }
    .tabs button[aria-pressed='true'] { background: #1d4ed8; border-color: #3b82f6; }
    label { display: grid; gap: 4px; font-size: 14px; color: #c4d0e4; }
    input, textarea { font: inherit; font-size: 15px; color: #dbe4f3; background: #060a12; border: 1px solid #2a3d5e; border-radius: 4px; padding: 6px 8px; }
    textarea { min-height: 96px; font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 12px; word-break: break-all; }
    button { font: inherit; font-size: 14px; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 4px; padding: 6px 12px; cursor: pointer; }
    button:hover:not([disabled]) { background: #1b2a4a; }
    button[disabled] { opacity: 0.6; cursor: default; }
    button.submit { background: #1d4ed8; border-color: #3b82f6; font-weight: 600; }
    .error { color: #fca5a5; font-weight: 600; }
  `;

  declare lang: Lang;
  /** What went wrong with the last attempt, already in `lang`; empty when nothing did. */
  declare error: string;
  /** True while the credential is being checked. */
  declare busy: boolean;
  declare kind: SignInRequest['kind'];
  declare missing: boolean;

  constructor() {
    super();
    this.lang = 'vi';
    this.error = '';
    this.busy = false;
    this.kind = 'password';
    this.missing = false;
  }

  override render() {
    const lang = this.lang;
    const error = this.missing ? t('session.missing', lang) : this.error;
    return html`<form @submit=${this.submit} aria-labelledby="sign-in-heading" novalidate>
      <h2 id="sign-in-heading">${t('session.heading', lang)}</h2>
      <p>${t('session.intro', lang)}</p>
      <div class="tabs" role="group">
        <button type="button" class="tab-password" aria-pressed=${this.kind === 'password'} @click=${() => this.choose('password')}>${t('session.tab.password', lang)}</button>
        <button type="button" class="tab-token" aria-pressed=${this.kind === 'token'} @click=${() => this.choose('token')}>${t('session.tab.token', lang)}</button>
      </div>
      ${this.kind === 'password'
        ? html`<label>${t('session.name', lang)}<input name="name" autocomplete="username" autocapitalize="none" spellcheck="false" required></label>
          <label>${t('session.secret', lang)}<input name="secret" type="password" autocomplete="current-password" required></label>`
        : html`<label>${t('session.token', lang)}<textarea name="token" spellcheck="false" required></textarea></label>`}
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      <button type="submit" class="submit" ?disabled=${this.busy}>${this.busy ? t('session.checking', lang) : t('session.submit', lang)}</button>
    </form>`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLInputElement>('input[name="name"]')?.focus();
  }

  private choose(kind: SignInRequest['kind']): void {
    this.kind = kind;
    this.missing = false;
  }

  private submit(e: Event): void {
    e.preventDefault();
    if (this.busy) return;
    const field = (name: string) => this.renderRoot.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[name="${name}"]`)?.value ?? '';
    let authorization: string | undefined;
    if (this.kind === 'password') {
      const name = field('name').trim();
      const secret = field('secret');
      authorization = name && secret ? basicCredential(name, secret) : undefined;
    } else {
      authorization = bearerCredential(field('token'));
    }
    this.missing = authorization === undefined;
    if (authorization === undefined) return;
    const detail: SignInRequest = { authorization, kind: this.kind };
    this.dispatchEvent(new CustomEvent('sign-in', { detail, bubbles: true, composed: true }));
  }
}

customElements.define('ioc-sign-in', SignIn);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-sign-in': SignIn;
  }
}
