// The incident queue's logic without the DOM: which incidents show and in what
// order, which rows a scrolled viewport needs, where the keyboard moves the
// selection, and what "escalate" raises a severity to. Pure functions.

import { severities, severityRank, type Lang, type Localized, type Severity } from '../state/index.ts';
import type { IncidentState, IncidentView } from './types.ts';

export interface QueueFilter {
  /** Incident type ('' for any). */
  type: string;
  /** Zone id ('' for any). */
  zone: string;
  /** 'active' is open or acknowledged. */
  state: 'active' | IncidentState | 'all';
  /** Case-insensitive substring of the title (either language), id, type, zone or assignee. */
  text: string;
}

export const anyIncident: QueueFilter = { type: '', zone: '', state: 'active', text: '' };

/**
 * The incidents that pass `filter`, worst severity first, then oldest first (the
 * one waiting longest at the top), then by id so the order is stable.
 * @example queueOf(store.incidents(), { ...anyIncident, zone: 'hoan-kiem' }, names)
 */
export function queueOf(incidents: Iterable<IncidentView>, filter: QueueFilter, districts: ReadonlyMap<string, Localized> = new Map()): IncidentView[] {
  const text = filter.text.trim().toLowerCase();
  const out: IncidentView[] = [];
  for (const i of incidents) {
    if (filter.type && i.type !== filter.type) continue;
    if (filter.zone && !i.zones.includes(filter.zone)) continue;
    if (filter.state === 'active' ? i.state === 'resolved' : filter.state !== 'all' && i.state !== filter.state) continue;
    if (text && !searchText(i, districts).includes(text)) continue;
    out.push(i);
  }
  return out.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.openedAt - b.openedAt || a.id.localeCompare(b.id));
}

function searchText(i: IncidentView, districts: ReadonlyMap<string, Localized>): string {
  const zones = i.zones.flatMap((z) => [z, districts.get(z)?.vi ?? '', districts.get(z)?.en ?? '']);
  return [i.id, i.type, i.title.vi, i.title.en, i.assignee, ...zones].join('\n').toLowerCase();
}

/** Distinct values for the filter menus, sorted. */
export function filterOptions(incidents: Iterable<IncidentView>): { types: string[]; zones: string[] } {
  const types = new Set<string>();
  const zones = new Set<string>();
  for (const i of incidents) {
    types.add(i.type);
    for (const z of i.zones) zones.add(z);
  }
  return { types: [...types].sort(), zones: [...zones].sort() };
}

/**
 * Rows [start, end) a viewport needs, with `overscan` rows either side so a fast scroll shows no gap.
 * @example visibleRange(640, 400, 64, 5000) // { start: 6, end: 20 }
 */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 4): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  return { start: Math.max(0, first - overscan), end: Math.min(count, first + shown + overscan) };
}

/**
 * The id `delta` rows away from `selected` (clamped at the ends); the first row when nothing is selected
 * or the selection left the list.
 */
export function step(queue: readonly IncidentView[], selected: string | undefined, delta: number): string | undefined {
  if (queue.length === 0) return undefined;
  const at = selected === undefined ? -1 : queue.findIndex((i) => i.id === selected);
  if (at < 0) return queue[0]!.id;
  return queue[Math.min(queue.length - 1, Math.max(0, at + delta))]!.id;
}

/** One level up; undefined when it is already critical. */
export function escalated(s: Severity): Severity | undefined {
  return severities[severities.indexOf(s) + 1];
}

/** The text in `lang`, or in the other language when the policy left it empty. */
export function pick(text: Localized, lang: Lang): string {
  return text[lang] || text[lang === 'vi' ? 'en' : 'vi'];
}
