// <ioc-incident-desk>: where operators work incidents. Wires the incident store
// (fed by Incidents/Watch) to the queue and the detail, runs the alarm, turns
// keys and events into Incidents actions sent as the operator named in "who am
// I". Holds no incident logic of its own: the store, the queue model and the
// alarm do; every change shown comes back through Watch. While the page shows a
// past instant (`past`), the queue lists the incidents of that instant, live
// changes stay in the store (the alarm still hears them), and nothing can be
// opened or acted on.

import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import type { Connection } from '../api/index.ts';
import { t } from '../i18n/index.ts';
import type { Lang, Localized } from '../state/index.ts';
import { grpcWebIncidents, type IncidentAction, type IncidentsApi } from './client.ts';
import type { IncidentActionRequest } from './incident-detail.ts';
import { incidentFeed } from './incident-feed.ts';
import type { IncidentChange, IncidentStore } from './incident-store.ts';
import { operatorName, setOperatorName } from './identity.ts';
import { anyIncident, escalated, filterOptions, queueOf, step, type QueueFilter } from './queue-model.ts';
import { realSoundClock, SoundAlarm, webAudio, type SoundState } from './sound.ts';
import type { IncidentDetailView, IncidentView } from './types.ts';
import './incident-detail.ts';
import './incident-queue.ts';

/** What browser tests read through `window.__ioc.incidents()`. */
export interface IncidentDeskSnapshot {
  /** Incidents held (all states). */
  held: number;
  /** Rows in the queue after filtering. */
  queued: number;
  /** Row elements in the DOM (virtualization keeps this small). */
  rendered: number;
  selected: string | undefined;
  open: string | undefined;
  /** True while the queue shows a past instant's incidents rather than the live ones. */
  past: boolean;
  user: string;
  sound: SoundState | undefined;
}

export class IncidentDesk extends LitElement {
  static override properties = {
    store: { attribute: false },
    districts: { attribute: false },
    past: { attribute: false },
    denied: { attribute: false },
    signedIn: { attribute: false },
    lang: { type: String },
    queue: { state: true },
    options: { state: true },
    filter: { state: true },
    selected: { state: true },
    openId: { state: true },
    detail: { state: true },
    mergedInto: { state: true },
    error: { state: true },
    notice: { state: true },
    sound: { state: true },
    user: { state: true },
    now: { state: true },
  };

  static override styles = css`
    :host { display: flex; flex-direction: column; min-height: 0; flex: 2 1 0; }
    ioc-incident-queue { flex: 1; min-height: 0; }
    ioc-incident-detail { position: fixed; z-index: 20; top: 64px; bottom: 16px; right: max(336px, calc(26vw + 16px)); width: min(620px, 46vw); }
    .notice { margin: 0; padding: 6px 12px; font-size: 13px; color: #fca5a5; border-bottom: 1px solid #17233a; }
    .past { margin: 0; padding: 6px 12px; font-size: 13px; color: #fbbf24; border-bottom: 2px solid #f59e0b; }
  `;

  declare store: IncidentStore | undefined;
  declare districts: ReadonlyMap<string, Localized>;
  /** The incidents at a past instant, shown instead of the live ones; undefined when live. */
  declare past: IncidentView[] | undefined;
  /** Why the signed-in role may not act on incidents (shown on the disabled actions); '' when it may (console/src/session). */
  declare denied: string;
  /** The signed-in user, who the engine records as the actor; '' without sign-in (then "who am I" names the actor). */
  declare signedIn: string;
  declare lang: Lang;
  declare queue: IncidentView[];
  declare options: { types: string[]; zones: string[] };
  declare filter: QueueFilter;
  declare selected: string | undefined;
  declare openId: string | undefined;
  declare detail: IncidentDetailView | undefined;
  declare mergedInto: string;
  declare error: string;
  declare notice: string;
  declare sound: SoundState | undefined;
  declare user: string;
  declare now: number;

  /** The engine's Incidents service; same origin by default. */
  api: IncidentsApi | undefined;
  /** Told of the Watch stream's connection state (for the page's connection indicator). */
  onConnection: (connection: Connection) => void = () => {};

  private alarm: SoundAlarm | undefined;
  private feed: ReturnType<typeof incidentFeed> | undefined;
  private unsubscribe: (() => void) | undefined;
  private frame = 0;
  private ticker = 0;
  private loading: AbortController | undefined;

  constructor() {
    super();
    this.store = undefined;
    this.districts = new Map();
    this.past = undefined;
    this.denied = '';
    this.signedIn = '';
    this.lang = 'vi';
    this.queue = [];
    this.options = { types: [], zones: [] };
    this.filter = anyIncident;
    this.selected = undefined;
    this.openId = undefined;
    this.detail = undefined;
    this.mergedInto = '';
    this.error = '';
    this.notice = '';
    this.sound = undefined;
    this.user = operatorName();
    this.now = Date.now();
  }

  snapshot(): IncidentDeskSnapshot {
    return {
      held: this.store?.incidents().length ?? 0, queued: this.queue.length,
      rendered: this.renderRoot.querySelector('ioc-incident-queue')?.renderedRows ?? 0,
      selected: this.selected, open: this.openId, past: this.past !== undefined, user: this.user, sound: this.sound,
    };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Into the past or back to live: the queue changes source. The selection and the open detail belong to the view left.
    if (changed.has('past') && (changed.get('past') !== undefined) !== (this.past !== undefined)) {
      this.selected = undefined;
      this.closeIncident();
    }
    if (changed.has('past')) this.refresh();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const store = this.store;
    if (!store) return;
    this.api ??= grpcWebIncidents(location.origin);
    this.alarm = new SoundAlarm(webAudio(), realSoundClock, (s) => { this.sound = s; });
    this.sound = this.alarm.state();
    this.unsubscribe = store.subscribe((change) => this.changed(change));
    this.feed = incidentFeed({ api: this.api, store, onConnection: (c) => this.onConnection(c) });
    void this.feed.start();
    window.addEventListener('keydown', this.onKey);
    window.addEventListener('pointerdown', this.onGesture);
    this.ticker = window.setInterval(() => { this.now = Date.now(); }, 30_000);
    this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.feed?.stop();
    this.unsubscribe?.();
    this.alarm?.dispose();
    this.loading?.abort();
    cancelAnimationFrame(this.frame);
    clearInterval(this.ticker);
    window.removeEventListener('keydown', this.onKey);
    window.removeEventListener('pointerdown', this.onGesture);
  }

  override render() {
    const lang = this.lang;
    return html`
      ${this.notice ? html`<p class="notice" role="alert">${this.notice}</p>` : nothing}
      ${this.past ? html`<p class="past" role="status">${t('incidents.past', lang)}</p>` : nothing}
      <ioc-incident-queue .incidents=${this.queue} .selected=${this.selected} .filter=${this.filter} .types=${this.options.types}
        .zones=${this.options.zones} .districts=${this.districts} .sound=${this.sound} .user=${this.signedIn || this.user} .now=${this.now} lang=${lang}
        @incident-select=${(e: CustomEvent<{ id: string }>) => { this.selected = e.detail.id; }}
        @incident-open=${(e: CustomEvent<{ id: string }>) => { if (!this.past) this.openIncident(e.detail.id); }}
        @filter-change=${(e: CustomEvent<{ filter: QueueFilter }>) => { this.filter = e.detail.filter; this.refresh(); }}
        @sound-mute=${(e: CustomEvent<{ minutes: number }>) => (e.detail.minutes > 0 ? this.alarm?.mute(e.detail.minutes) : this.alarm?.unmute())}
        @sound-unlock=${() => this.alarm?.unlock()}
        @user-change=${(e: CustomEvent<{ name: string }>) => { this.user = setOperatorName(e.detail.name); }}></ioc-incident-queue>
      ${this.openId === undefined ? nothing : html`<ioc-incident-detail role="dialog" .detail=${this.detail} .others=${this.mergeCandidates()}
        .mergedInto=${this.mergedInto} .error=${this.error} .districts=${this.districts} .denied=${this.denied} lang=${lang}
        @incident-action=${(e: CustomEvent<IncidentActionRequest>) => this.onAction(e.detail)}
        @incident-open=${(e: CustomEvent<{ id: string }>) => this.openIncident(e.detail.id)}
        @incident-close=${() => this.closeIncident()}></ioc-incident-detail>`}
    `;
  }

  /** Performs an action as the operator; errors are shown, never thrown. */
  async act(id: string, action: IncidentAction): Promise<boolean> {
    if (!this.api) return false;
    // Keyboard shortcuts reach here too: say why at once rather than after a refused call.
    if (this.denied) {
      this.notice = this.denied;
      return false;
    }
    try {
      await this.api.act(id, action, this.signedIn || this.user);
      this.notice = '';
      this.error = '';
      return true;
    } catch (err) {
      const message = t('incidents.error', this.lang, { message: err instanceof Error ? err.message : String(err) });
      if (id === this.openId) this.error = message;
      else this.notice = message;
      return false;
    }
  }

  private onAction(request: IncidentActionRequest): void {
    void this.act(request.id, request.action).then((ok) => request.settle(ok));
  }

  private openIncident(id: string): void {
    this.selected = id;
    this.openId = id;
    this.detail = undefined;
    this.mergedInto = '';
    this.error = '';
    void this.loadDetail(id);
  }

  private closeIncident(): void {
    this.loading?.abort();
    this.openId = undefined;
    this.detail = undefined;
  }

  private async loadDetail(id: string): Promise<void> {
    if (!this.api) return;
    this.loading?.abort();
    const loading = new AbortController();
    this.loading = loading;
    try {
      const detail = await this.api.get(id, loading.signal);
      if (this.openId !== id) return;
      // The store may already hold a newer version than the one Get read.
      const live = this.store?.get(id);
      this.detail = live && live.timeline.length >= detail.incident.timeline.length ? { ...detail, incident: live } : detail;
    } catch (err) {
      if (!loading.signal.aborted && this.openId === id) this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** Store changes reach the views at most once per frame; the open detail follows its incident live. */
  private changed(change: IncidentChange): void {
    const id = this.openId;
    if (id !== undefined && this.detail) {
      const merged = change.removed.find((r) => r.incidentId === id);
      if (merged) this.mergedInto = merged.mergedInto;
      const live = change.incidents.includes(id) ? this.store?.get(id) : undefined;
      if (live) {
        const newAlerts = live.alerts.some((fp) => !this.detail!.alerts.some((a) => a.fingerprint === fp)) || live.alerts.length !== this.detail.alerts.length;
        this.detail = { ...this.detail, incident: live };
        // Alerts joined or left (merge, split): Get has their records and evidence.
        if (newAlerts) void this.loadDetail(id);
      }
      this.applyAlertChanges(change.alerts);
    }
    if (this.frame === 0) this.frame = requestAnimationFrame(() => { this.frame = 0; this.refresh(); });
  }

  /** Live alert records of the open incident: newer values, and the event behind each as evidence. */
  private applyAlertChanges(fingerprints: string[]): void {
    const d = this.detail;
    if (!d || !this.store) return;
    let { alerts, evidence } = d;
    for (const fp of fingerprints) {
      const record = this.store.alert(fp);
      if (!record || !d.incident.alerts.includes(fp)) continue;
      alerts = alerts.map((a) => (a.fingerprint === fp ? record : a));
      if (record.eventId && !evidence.some((e) => e.eventId === record.eventId)) {
        evidence = [{
          eventId: record.eventId, eventType: record.eventType, eventTime: record.eventTime, source: record.source, zone: record.zone,
          fingerprint: fp, rule: record.rule, ...(record.value === undefined ? {} : { value: record.value }),
        }, ...evidence];
      }
    }
    if (alerts !== d.alerts || evidence !== d.evidence) this.detail = { ...d, alerts, evidence };
  }

  private refresh(): void {
    const live = this.store?.incidents() ?? [];
    const shown = this.past ? this.past.map((i) => withLiveTitle(i, this.store)) : live;
    this.queue = queueOf(shown, this.filter, this.districts);
    this.options = filterOptions(shown);
    // The alarm rings for what is happening now, whatever instant the queue shows.
    this.alarm?.update(live);
  }

  private mergeCandidates(): IncidentView[] {
    return this.queue.filter((i) => i.id !== this.openId && i.state !== 'resolved');
  }

  private readonly onGesture = (): void => {
    this.alarm?.unlock();
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e)) return;
    this.alarm?.unlock();
    const id = this.selected;
    // At a past instant the rows are history: moving through them is allowed, acting on them is not.
    const incident = id === undefined || this.past ? undefined : this.store?.get(id);
    switch (e.key) {
      case 'j': case 'ArrowDown': this.selected = step(this.queue, id, 1); break;
      case 'k': case 'ArrowUp': this.selected = step(this.queue, id, -1); break;
      case 'Enter': if (id !== undefined && !this.past) this.openIncident(id); break;
      case 'Escape': if (this.openId === undefined) return; this.closeIncident(); break;
      case 'a': if (incident) void this.act(incident.id, { kind: 'acknowledge' }); break;
      case 's': if (incident) this.promptAssign(incident); break;
      case 'e': if (incident) this.escalate(incident); break;
      default: return;
    }
    e.preventDefault();
  };

  private promptAssign(incident: IncidentView): void {
    const assignee = window.prompt(t('incidents.prompt.assign', this.lang), incident.assignee)?.trim();
    if (assignee) void this.act(incident.id, { kind: 'assign', assignee });
  }

  private escalate(incident: IncidentView): void {
    const severity = escalated(incident.severity);
    if (severity === undefined) this.notice = t('incidents.escalate.max', this.lang);
    else void this.act(incident.id, { kind: 'set-severity', severity });
  }
}

/** The history keeps no titles: a past row takes its title from the live incident with the same id, when held. */
function withLiveTitle(past: IncidentView, store: IncidentStore | undefined): IncidentView {
  const title = store?.get(past.id)?.title;
  return title && !past.title.vi && !past.title.en ? { ...past, title } : past;
}

/** Keys typed into a field are text, not shortcuts. */
function isTyping(e: KeyboardEvent): boolean {
  const target = e.composedPath()[0];
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

customElements.define('ioc-incident-desk', IncidentDesk);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-incident-desk': IncidentDesk;
  }
}
