// Which incidents deserve a screen-reader announcement: those that have just
// become critical, by appearing critical or by escalating to it. Fed the
// incident store's changes; the first full picture (a Watch snapshot) only
// primes the memory, so opening the console does not read out every critical
// incident already on screen. Pure: no DOM, no timers.

import type { Severity } from '../state/index.ts';

export interface IncidentLike {
  id: string;
  severity: Severity;
  state: 'open' | 'acknowledged' | 'resolved';
}

/** An incident to announce, and whether it was already known at a lower severity. */
export interface CriticalNews<T extends IncidentLike> {
  incident: T;
  escalated: boolean;
}

const isCritical = (i: IncidentLike) => i.severity === 'critical' && i.state !== 'resolved';

/**
 * @example
 * const news = new CriticalIncidents();
 * news.prime(snapshot);                 // nothing announced
 * news.update([changed]);               // [{ incident, escalated: false }] when `changed` is a new critical one
 */
export class CriticalIncidents<T extends IncidentLike> {
  /** Every incident seen (not resolved), critical or not; undefined until primed. */
  private seen: Map<string, boolean> | undefined;

  get primed(): boolean {
    return this.seen !== undefined;
  }

  /** The full picture, remembered without announcing anything. A later full picture (a reconnect) goes through update(). */
  prime(all: Iterable<T>): void {
    this.seen = new Map();
    for (const i of all) if (i.state !== 'resolved') this.seen.set(i.id, isCritical(i));
  }

  /**
   * The incidents among `changed` that are critical now and were not at the last look, in the order given;
   * `gone` are ids that left (merged away). Before prime() nothing is announced.
   */
  update(changed: Iterable<T>, gone: Iterable<string> = []): CriticalNews<T>[] {
    const seen = this.seen;
    if (!seen) return [];
    for (const id of gone) seen.delete(id);
    const news: CriticalNews<T>[] = [];
    for (const i of changed) {
      const was = seen.get(i.id);
      if (i.state === 'resolved') {
        // Forgotten, so one reopened as critical is news again.
        seen.delete(i.id);
        continue;
      }
      const now = isCritical(i);
      if (now && was !== true) news.push({ incident: i, escalated: was === false });
      seen.set(i.id, now);
    }
    return news;
  }
}
