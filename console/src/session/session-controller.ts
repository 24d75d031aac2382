// The console's session: asks the engine who this tab is (WhoAmI) at start,
// shows the sign-in when the engine requires it and the tab has no valid
// credential, keeps the credential (sessionStorage) and hands it to every call
// (api/credentials.ts). The header shows who is signed in, or that the engine
// runs without sign-in (demo). Signing out, or the engine refusing the
// credential mid-session, reloads the page: nothing the previous user saw stays
// in memory for the next one.

import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { useCredentials } from '../api/index.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import type { Lang } from '../state/index.ts';
import { CredentialStore } from './credential-store.ts';
import type { SignInRequest } from './sign-in.ts';
import { grpcWebWhoAmI, type Identity, type WhoAmIFn } from './who-am-i.ts';

export type SessionState =
  | { status: 'checking' }
  /** The engine runs without sign-in (auth.mode=off: the demo). */
  | { status: 'open'; identity: Identity }
  | { status: 'signed-in'; identity: Identity }
  | { status: 'signed-out'; busy: boolean; error?: { key: MessageKey; vars?: Record<string, string> } }
  | { status: 'unreachable'; message: string };

/** What browser tests read through `window.__ioc.session()`. */
export interface SessionSnapshot {
  status: SessionState['status'];
  name: string;
  role: string;
  requiresSignIn: boolean;
}

export interface SessionOptions {
  /** Called once, when the console may start its feeds (signed in, or no sign-in needed). */
  onReady(): void;
  whoAmI?: WhoAmIFn;
  store?: CredentialStore;
  /** What sign-out does after clearing the credential. Default: reload the page. */
  reload?: () => void;
  /** Wait before asking an unreachable engine again. Default 3 s. */
  retryMs?: number;
}

/** Methods that stand for "work incidents" in the role table (all incident actions share their roles). */
export const ACT_ON_INCIDENTS = '/ioc.v1.Incidents/Acknowledge';

/**
 * @example
 * readonly session = new SessionController(this, { onReady: () => this.startFeeds() });
 * render() { return this.session.ready ? this.renderMain() : this.session.renderGate(lang); }
 */
export class SessionController implements ReactiveController {
  state: SessionState = { status: 'checking' };
  private readonly store: CredentialStore;
  private readonly whoAmI: WhoAmIFn;
  private readonly reload: () => void;
  private readonly retryMs: number;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readied = false;

  constructor(private readonly host: ReactiveControllerHost, private readonly options: SessionOptions) {
    this.store = options.store ?? new CredentialStore();
    this.whoAmI = options.whoAmI ?? grpcWebWhoAmI(globalThis.location?.origin ?? '');
    this.reload = options.reload ?? (() => location.reload());
    this.retryMs = options.retryMs ?? 3000;
    useCredentials({
      authorization: () => this.store.get(),
      refused: (sent) => {
        // Only the credential in force: a candidate being checked at sign-in is the form's business.
        if (sent === this.store.get() && this.state.status === 'signed-in') this.end('expired');
      },
    });
    host.addController(this);
  }

  hostConnected(): void {
    void this.check();
  }

  hostDisconnected(): void {
    clearTimeout(this.retry);
  }

  /** True once the console may show data and start its feeds. */
  get ready(): boolean {
    return this.state.status === 'open' || this.state.status === 'signed-in';
  }

  /** The signed-in user's name; '' when nobody is (or the engine needs no sign-in). */
  get signedInName(): string {
    return this.state.status === 'signed-in' ? this.state.identity.name : '';
  }

  snapshot(): SessionSnapshot {
    const identity = this.state.status === 'open' || this.state.status === 'signed-in' ? this.state.identity : undefined;
    return { status: this.state.status, name: identity?.name ?? '', role: identity?.role ?? '', requiresSignIn: this.state.status !== 'open' };
  }

  /**
   * Why the signed-in role may not call `method` (in `lang`), or '' when it may.
   * @example html`<button ?disabled=${!!denied} title=${denied}>` with denied = session.denied(ACT_ON_INCIDENTS, lang)
   */
  denied(method: string, lang: Lang): string {
    const s = this.state;
    if (s.status !== 'signed-in' || s.identity.allowed.has(method)) return '';
    return t('session.denied', lang, { role: roleLabel(s.identity.role, lang) });
  }

  /** Asks the engine who this tab is, with the stored credential if any. */
  async check(): Promise<void> {
    clearTimeout(this.retry);
    const stored = this.store.get();
    const r = await this.whoAmI(stored);
    if (r.ok) {
      this.set({ status: r.identity.requiresSignIn ? 'signed-in' : 'open', identity: r.identity });
    } else if (r.reason === 'refused') {
      if (stored !== undefined) this.store.clear();
      const note = this.store.takeNote();
      this.set({ status: 'signed-out', busy: false, ...(stored !== undefined || note ? { error: { key: 'session.expired' } } : {}) });
    } else {
      this.set({ status: 'unreachable', message: r.message });
      this.retry = setTimeout(() => void this.check(), this.retryMs);
    }
  }

  /** Checks a credential from the sign-in; keeps it only when the engine accepts it. */
  async signIn(request: SignInRequest): Promise<void> {
    if (this.state.status !== 'signed-out') return;
    this.set({ status: 'signed-out', busy: true });
    const r = await this.whoAmI(request.authorization);
    if (r.ok) {
      this.store.set(request.authorization);
      this.set({ status: r.identity.requiresSignIn ? 'signed-in' : 'open', identity: r.identity });
    } else if (r.reason === 'refused') {
      this.set({ status: 'signed-out', busy: false, error: request.kind === 'password' ? { key: 'session.wrong' } : { key: 'session.tokenRefused', vars: { message: r.message } } });
    } else {
      this.set({ status: 'signed-out', busy: false, error: { key: 'session.unreachable', vars: { message: r.message } } });
    }
  }

  signOut(): void {
    this.end();
  }

  /** The header's part: who is signed in with a sign-out button, or the loud "no sign-in" badge. */
  renderBadge(lang: Lang) {
    const s = this.state;
    if (s.status === 'open') return html`<span class="session" data-state="open" title=${t('session.open.title', lang)}>${t('session.open', lang)}</span>`;
    if (s.status !== 'signed-in') return nothing;
    return html`<span class="session" data-state="signed-in" data-role=${s.identity.role}>
      ${t('session.signedIn', lang, { name: s.identity.name, role: roleLabel(s.identity.role, lang) })}
      <button type="button" class="sign-out" @click=${() => this.signOut()}>${t('session.signOut', lang)}</button></span>`;
  }

  /** What the page shows instead of its content until the session is ready. */
  renderGate(lang: Lang) {
    const s = this.state;
    switch (s.status) {
      case 'checking': return html`<p class="gate" role="status">${t('session.checking', lang)}</p>`;
      case 'unreachable': return html`<p class="gate error" role="alert">${t('session.unreachable', lang, { message: s.message })}
        <button type="button" @click=${() => void this.check()}>${t('session.retry', lang)}</button></p>`;
      case 'signed-out': return html`<ioc-sign-in lang=${lang} ?busy=${s.busy} error=${s.error ? t(s.error.key, lang, s.error.vars) : ''}
        @sign-in=${(e: CustomEvent<SignInRequest>) => void this.signIn(e.detail)}></ioc-sign-in>`;
      default: return nothing;
    }
  }

  private end(note?: 'expired'): void {
    this.store.clear();
    if (note) this.store.leaveNote(note);
    this.reload();
  }

  private set(state: SessionState): void {
    this.state = state;
    this.host.requestUpdate();
    if (this.ready && !this.readied) {
      this.readied = true;
      this.options.onReady();
    }
  }
}

export function roleLabel(role: string, lang: Lang): string {
  const key = `role.${role}` as MessageKey;
  try {
    return t(key, lang);
  } catch {
    return role; // a role this console does not know yet
  }
}
