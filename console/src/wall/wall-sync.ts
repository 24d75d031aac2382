// What the windows of one wall share (the view shown, the language, the time
// cursor and the selected incident) and how they agree on it over a
// BroadcastChannel. Each field is last-writer-wins on a logical clock, with the
// window id breaking ties, so windows that change different fields at once both
// keep their change and every window ends with the same state. Never touches the DOM.

import type { Lang } from '../state/index.ts';

export const wallViews = ['map', 'queue', 'kpis'] as const;
export type WallView = (typeof wallViews)[number];

export interface WallShared {
  view: WallView;
  lang: Lang;
  /** The time cursor, epoch ms; null when live. */
  cursor: number | null;
  /** The incident selected, by id; null when none. */
  incident: string | null;
}

export type WallField = keyof WallShared;

interface Stamp {
  clock: number;
  origin: string;
}

/** The shared state with, per field, the logical time and window of its last change. */
export type Stamped = { [K in WallField]: { value: WallShared[K] } & Stamp };

export type WallMessage =
  | { type: 'hello'; from: string }
  | { type: 'state'; from: string; state: Stamped };

/** The part of BroadcastChannel this uses, so tests can pass an in-memory one. */
export interface ChannelLike {
  postMessage(message: WallMessage): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

const newer = (a: Stamp, b: Stamp) => a.clock > b.clock || (a.clock === b.clock && a.origin > b.origin);

/**
 * Merges a remote state into a local one, field by field; returns the result and the fields that changed value.
 * @example merge(local, remote).changed // ['lang']
 */
export function merge(local: Stamped, remote: Stamped): { state: Stamped; changed: WallField[] } {
  const state = { ...local };
  const changed: WallField[] = [];
  for (const key of Object.keys(local) as WallField[]) {
    const r = remote[key];
    if (r && newer(r, local[key])) {
      if (r.value !== local[key].value) changed.push(key);
      (state as Record<WallField, unknown>)[key] = r;
    }
  }
  return { state, changed };
}

function isMessage(data: unknown): data is WallMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as { type?: unknown; from?: unknown; state?: unknown };
  return typeof m.from === 'string' && (m.type === 'hello' || (m.type === 'state' && typeof m.state === 'object' && m.state !== null));
}

/**
 * @example
 * const sync = new WallSync({ initial: { view: 'map', lang: 'vi', cursor: null, incident: null } });
 * sync.subscribe((state, changed) => { if (changed.includes('lang')) setLang(state.lang); });
 * sync.set({ view: 'queue' });
 */
export class WallSync {
  readonly id: string;
  private stamped: Stamped;
  private clock = 0;
  private readonly channel: ChannelLike | undefined;
  private readonly listeners = new Set<(state: WallShared, changed: WallField[]) => void>();

  constructor(options: { initial: WallShared; channel?: ChannelLike | undefined; id?: string }) {
    this.id = options.id ?? Math.random().toString(36).slice(2);
    const stamp = { clock: 0, origin: '' };
    const i = options.initial;
    this.stamped = {
      view: { value: i.view, ...stamp }, lang: { value: i.lang, ...stamp },
      cursor: { value: i.cursor, ...stamp }, incident: { value: i.incident, ...stamp },
    };
    this.channel = options.channel;
    if (this.channel) {
      this.channel.onmessage = (event) => this.receive(event.data);
      // Whoever is already up answers with what the wall shows now.
      this.channel.postMessage({ type: 'hello', from: this.id });
    }
  }

  get state(): WallShared {
    const s = this.stamped;
    return { view: s.view.value, lang: s.lang.value, cursor: s.cursor.value, incident: s.incident.value };
  }

  /** A change made in this window: applied here and sent to the others. Fields whose value is unchanged are ignored. */
  set(patch: Partial<WallShared>): void {
    const changed = (Object.keys(patch) as WallField[]).filter((k) => patch[k] !== undefined && patch[k] !== this.stamped[k].value);
    if (changed.length === 0) return;
    this.clock++;
    const next = { ...this.stamped };
    for (const k of changed) (next as Record<WallField, unknown>)[k] = { value: patch[k], clock: this.clock, origin: this.id };
    this.stamped = next;
    this.channel?.postMessage({ type: 'state', from: this.id, state: this.stamped });
    this.notify(changed);
  }

  /** Calls `listener` on every change, local or remote; returns the unsubscribe function. */
  subscribe(listener: (state: WallShared, changed: WallField[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.channel) {
      this.channel.onmessage = null;
      this.channel.close();
    }
    this.listeners.clear();
  }

  private receive(data: unknown): void {
    if (!isMessage(data) || data.from === this.id) return;
    if (data.type === 'hello') {
      this.channel?.postMessage({ type: 'state', from: this.id, state: this.stamped });
      return;
    }
    for (const f of Object.values(data.state) as Stamp[]) this.clock = Math.max(this.clock, f.clock);
    const { state, changed } = merge(this.stamped, data.state);
    this.stamped = state;
    if (changed.length) this.notify(changed);
  }

  private notify(changed: WallField[]): void {
    const state = this.state;
    for (const l of this.listeners) l(state, changed);
  }
}
