// The time cursor's state: "live", or the city as it was at an instant T,
// fetched once per instant. Plain TypeScript, no network or DOM of its own:
// the page hands it a fetch function and redraws when it says so. While at T,
// live updates keep flowing into the live state but must not reach the views;
// returning to live redraws from the live state (the resync).

import type { AlertView, SensorView } from '../state/index.ts';

/** The 24 hours the cursor may go back. */
export const CURSOR_SPAN_MS = 24 * 3600_000;

/** The city at an instant, as the engine's history gives it. */
export interface PastView {
  at: number;
  sensors: SensorView[];
  /** Alerts firing at `at`. */
  alerts: AlertView[];
  /** Incidents not resolved at `at` (the engine's Incident messages, decoded by the caller). */
  incidents: PastIncident[];
}

/** What the history keeps of an incident at an instant. */
export interface PastIncident {
  id: string;
  type: string;
  state: 'open' | 'acknowledged';
  severity: AlertView['severity'];
  zones: string[];
  openedAt: number;
  acknowledgedBy: string;
  assignee: string;
}

export type TimeView =
  | { mode: 'live' }
  | { mode: 'past'; at: number; status: 'loading' }
  | { mode: 'past'; at: number; status: 'ready'; view: PastView }
  | { mode: 'past'; at: number; status: 'error'; message: string };

export type FetchPast = (at: number, signal: AbortSignal) => Promise<PastView>;

/**
 * Moves between live and past instants; the newest request wins (an older
 * answer arriving late is dropped, never shown).
 *
 * @example
 * const travel = new TimeTravel(fetchPast, (v) => render(v));
 * await travel.goTo(Date.now() - 3600_000);
 * travel.goLive();
 */
export class TimeTravel {
  private current: TimeView = { mode: 'live' };
  private pending: AbortController | undefined;

  constructor(
    private readonly fetchPast: FetchPast,
    private readonly onChange: (view: TimeView) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get view(): TimeView {
    return this.current;
  }

  /** True while the views show a past instant (live updates must not reach them). */
  get isPast(): boolean {
    return this.current.mode === 'past';
  }

  /** Shows the city at `at`, clamped to the last 24 hours; an instant at or after now is live. */
  async goTo(at: number): Promise<void> {
    const now = this.now();
    if (at >= now) return this.goLive();
    const instant = Math.max(now - CURSOR_SPAN_MS, Math.round(at));
    this.pending?.abort();
    const ctl = new AbortController();
    this.pending = ctl;
    this.set({ mode: 'past', at: instant, status: 'loading' });
    try {
      const view = await this.fetchPast(instant, ctl.signal);
      if (this.pending === ctl) this.set({ mode: 'past', at: instant, status: 'ready', view });
    } catch (err) {
      if (this.pending === ctl) this.set({ mode: 'past', at: instant, status: 'error', message: err instanceof Error ? err.message : String(err) });
    } finally {
      if (this.pending === ctl) this.pending = undefined;
    }
  }

  /** Back to live: any answer still on its way is dropped. */
  goLive(): void {
    this.pending?.abort();
    this.pending = undefined;
    if (this.current.mode !== 'live') this.set({ mode: 'live' });
  }

  private set(view: TimeView): void {
    this.current = view;
    this.onChange(view);
  }
}
