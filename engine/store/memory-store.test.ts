import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.ts';
import { MemoryStore } from './memory-store.ts';
import type { StoredEvent } from './store.ts';

function event(source: string, id: string, ingestedAt = 1): StoredEvent {
  return { id, type: 'water.level', source, time: 1_767_225_600_000, value: 1.2, attrs: {}, seq: 0, ingestedAt };
}

function alert(over: Partial<Alert> = {}): Alert {
  return {
    fingerprint: 'f1',
    rule: 'flood.level',
    key: 'w1',
    state: 'firing',
    severity: 'critical',
    title: { vi: 'Mực nước', en: 'Water level' },
    message: { vi: 'cao', en: 'high' },
    zone: 'hoan-kiem',
    source: 'w1',
    eventId: 'e1',
    eventType: 'water.level',
    startsAt: 1000,
    endsAt: 0,
    eventTime: 1000,
    emittedAt: 5000,
    ...over,
  };
}

describe('MemoryStore', () => {
  it('keeps one event per (source, id), the latest copy', async () => {
    const store = new MemoryStore();
    await store.insertEvents([event('w1', 'a', 1), event('w2', 'a', 1)]);
    await store.insertEvents([event('w1', 'a', 2)]);
    expect(store.events().map((e) => [e.source, e.id, e.ingestedAt])).toEqual([
      ['w1', 'a', 2],
      ['w2', 'a', 1],
    ]);
  });

  it('keeps one alert per (fingerprint, state, startsAt)', async () => {
    const store = new MemoryStore();
    await store.insertAlerts([alert(), alert({ emittedAt: 6000 }), alert({ state: 'resolved', endsAt: 2000 }), alert({ startsAt: 3000 })]);
    expect(store.alerts().map((a) => [a.state, a.startsAt, a.emittedAt])).toEqual([
      ['firing', 1000, 6000],
      ['resolved', 1000, 5000],
      ['firing', 3000, 5000],
    ]);
  });

  it('drops the oldest events beyond its bound', async () => {
    const store = new MemoryStore({ maxEvents: 3 });
    for (let i = 0; i < 5; i++) await store.insertEvents([event('w1', `e${i}`)]);
    expect(store.events().map((e) => e.id)).toEqual(['e2', 'e3', 'e4']);
    await store.insertEvents([event('w1', 'x'), event('w1', 'y'), event('w1', 'z'), event('w1', 'w')]);
    expect(store.events().map((e) => e.id)).toEqual(['y', 'z', 'w']);
  });

  it('drops the oldest alerts beyond its bound', async () => {
    const store = new MemoryStore({ maxAlerts: 2 });
    await store.insertAlerts([alert({ startsAt: 1 }), alert({ startsAt: 2 }), alert({ startsAt: 3 })]);
    expect(store.alerts().map((a) => a.startsAt)).toEqual([2, 3]);
  });

  it('refuses a bound below one', () => {
    expect(() => new MemoryStore({ maxEvents: 0 })).toThrow(RangeError);
    expect(() => new MemoryStore({ maxAlerts: Number.NaN })).toThrow(RangeError);
  });

  it('is always reachable and has nothing to migrate', async () => {
    const store = new MemoryStore();
    await store.migrate();
    expect(store.kind).toBe('memory');
    expect(await store.ping()).toBe(true);
    await store.close();
  });
});
