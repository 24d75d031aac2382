import { describe, expect, it } from 'vitest';
import { IncidentStore } from './incident-store.ts';
import { alertRecord, incident } from './test-fixtures.ts';
import type { IncidentFeedUpdate } from './types.ts';

type Unnumbered = IncidentFeedUpdate extends infer U ? (U extends IncidentFeedUpdate ? Omit<U, 'seq'> : never) : never;

/** Applies updates numbered from `from` (1 on a fresh stream); returns the outcomes. */
function stream(store: IncidentStore, updates: Unnumbered[], from = 1): string[] {
  return updates.map((u, n) => store.apply({ ...u, seq: from + n } as IncidentFeedUpdate));
}

describe('IncidentStore', () => {
  it('shows a snapshot only once it has ended, then applies live changes', () => {
    const store = new IncidentStore();
    store.begin();
    stream(store, [{ kind: 'incident', incident: incident({ id: 'a' }) }]);
    expect(store.incidents()).toEqual([]);
    expect(store.live).toBe(false);
    stream(store, [{ kind: 'snapshot-end' }, { kind: 'incident', incident: incident({ id: 'b', severity: 'critical' }) }], 2);
    expect(store.live).toBe(true);
    expect(store.incidents().map((i) => i.id).sort()).toEqual(['a', 'b']);
  });

  it('keeps the old picture through a reconnect until the new snapshot ends, then replaces it', () => {
    const store = new IncidentStore();
    store.begin();
    stream(store, [{ kind: 'incident', incident: incident({ id: 'gone' }) }, { kind: 'snapshot-end' }]);
    store.begin();
    stream(store, [{ kind: 'incident', incident: incident({ id: 'new' }) }]);
    expect(store.incidents().map((i) => i.id)).toEqual(['gone']);
    stream(store, [{ kind: 'snapshot-end' }], 2);
    expect(store.incidents().map((i) => i.id)).toEqual(['new']);
  });

  it('asks for a resync on a sequence gap or on updates before any stream began', () => {
    const store = new IncidentStore();
    expect(store.apply({ kind: 'snapshot-end', seq: 1 })).toBe('resync');
    store.begin();
    expect(stream(store, [{ kind: 'snapshot-end' }])).toEqual(['ok']);
    expect(store.apply({ kind: 'incident', seq: 3, incident: incident({ id: 'x' }) })).toBe('resync');
  });

  it('gives the worst open severity per zone and tells zone listeners only when it changes', () => {
    const store = new IncidentStore();
    const seen: [string, string][][] = [];
    store.onZones((z) => seen.push([...z]));
    store.begin();
    stream(store, [
      { kind: 'incident', incident: incident({ id: 'a', zones: ['hoan-kiem', 'ba-dinh'], severity: 'minor' }) },
      { kind: 'incident', incident: incident({ id: 'b', zones: ['hoan-kiem'], severity: 'critical', state: 'acknowledged' }) },
      { kind: 'snapshot-end' },
    ]);
    expect(Object.fromEntries(store.openIncidentsByZone())).toEqual({ 'hoan-kiem': 'critical', 'ba-dinh': 'minor' });
    // A change that leaves the zones as they were is not announced.
    stream(store, [{ kind: 'incident', incident: incident({ id: 'a', zones: ['hoan-kiem', 'ba-dinh'], severity: 'minor', assignee: 'lan' }) }], 4);
    expect(seen).toHaveLength(1);
    // Resolved incidents do not color the map.
    stream(store, [{ kind: 'incident', incident: incident({ id: 'b', zones: ['hoan-kiem'], severity: 'critical', state: 'resolved' }) }], 5);
    expect(Object.fromEntries(store.openIncidentsByZone())).toEqual({ 'hoan-kiem': 'minor', 'ba-dinh': 'minor' });
    expect(seen).toHaveLength(2);
  });

  it('drops an incident merged away and reports where it went', () => {
    const store = new IncidentStore();
    const changes: unknown[] = [];
    store.subscribe((c) => changes.push(c.removed));
    store.begin();
    stream(store, [{ kind: 'incident', incident: incident({ id: 'a' }) }, { kind: 'incident', incident: incident({ id: 'b' }) }, { kind: 'snapshot-end' }]);
    stream(store, [{ kind: 'removed', incidentId: 'b', mergedInto: 'a' }], 4);
    expect(store.get('b')).toBeUndefined();
    expect(changes.at(-1)).toEqual([{ incidentId: 'b', mergedInto: 'a' }]);
  });

  it('keeps live alert records of the incidents it holds', () => {
    const store = new IncidentStore();
    store.begin();
    stream(store, [{ kind: 'incident', incident: incident({ id: 'a', alerts: ['fp1'] }) }, { kind: 'snapshot-end' }]);
    stream(store, [{ kind: 'alert', alert: alertRecord({ fingerprint: 'fp1', incidentId: 'a', value: 2.6 }) }], 3);
    expect(store.alert('fp1')?.value).toBe(2.6);
    // After a reconnect whose snapshot no longer holds the incident, its records go too.
    store.begin();
    stream(store, [{ kind: 'snapshot-end' }]);
    expect(store.alert('fp1')).toBeUndefined();
  });
});
