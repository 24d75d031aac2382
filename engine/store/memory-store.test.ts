import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.ts';
import { InvalidArgumentError } from '../errors/index.ts';
import type { AlertEventRow, DeliveryAttempt } from '../incidents/model.ts';
import { historyCases, historyOf, T0, timeline } from './incident-history-cases.ts';
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

function alertEvent(over: Partial<AlertEventRow> = {}): AlertEventRow {
  return {
    fingerprint: 'f1',
    rule: 'flood.level',
    zone: 'hoan-kiem',
    source: 'w1',
    severity: 'critical',
    state: 'firing',
    startsAt: 1000,
    endsAt: 0,
    value: 2.1,
    eventId: 'e1',
    incidentId: 'inc-1',
    silenced: false,
    inhibited: false,
    flapping: false,
    at: 5000,
    ...over,
  };
}

function delivery(over: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return { notificationId: 'n1', receiver: 'ops-webhook', incidentId: 'inc-1', attempt: 1, at: 5000, ok: false, detail: '503', ...over };
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

  it('keeps one alert event per (fingerprint, state, startsAt, at)', async () => {
    const store = new MemoryStore();
    await store.insertAlertEvents([alertEvent(), alertEvent({ at: 6000 }), alertEvent({ state: 'resolved', endsAt: 2000 })]);
    await store.insertAlertEvents([alertEvent({ silenced: true })]);
    expect(store.alertEvents().map((a) => [a.state, a.at, a.silenced])).toEqual([
      ['firing', 5000, true],
      ['firing', 6000, false],
      ['resolved', 5000, false],
    ]);
  });

  it('keeps one delivery per (notificationId, attempt)', async () => {
    const store = new MemoryStore();
    await store.insertDeliveries([delivery(), delivery({ attempt: 2, ok: true, detail: '200' })]);
    await store.insertDeliveries([delivery(), delivery({ notificationId: 'n2' })]);
    expect(store.deliveries().map((d) => [d.notificationId, d.attempt, d.detail])).toEqual([
      ['n1', 1, '503'],
      ['n1', 2, '200'],
      ['n2', 1, '503'],
    ]);
  });

  it('drops the oldest history rows beyond its bounds', async () => {
    const store = new MemoryStore({ maxAlertEvents: 1, maxIncidentEvents: 2, maxDeliveries: 1 });
    await store.insertAlertEvents([alertEvent({ at: 1 }), alertEvent({ at: 2 })]);
    await store.insertDeliveries([delivery({ attempt: 1 }), delivery({ attempt: 2 })]);
    await store.insertIncidentEvents(
      timeline('inc-1', 'flood', T0, ['hoan-kiem'], [
        { min: 0, kind: 'opened' },
        { min: 1, kind: 'acknowledged' },
        { min: 2, kind: 'resolved' },
      ]),
    );
    expect(store.alertEvents().map((a) => a.at)).toEqual([2]);
    expect(store.deliveries().map((d) => d.attempt)).toEqual([2]);
    expect((await store.incidentHistory('inc-1')).map((r) => r.kind)).toEqual(['acknowledged', 'resolved']);
  });

  it('refuses a bound below one', () => {
    expect(() => new MemoryStore({ maxEvents: 0 })).toThrow(RangeError);
    expect(() => new MemoryStore({ maxAlerts: Number.NaN })).toThrow(RangeError);
    expect(() => new MemoryStore({ maxIncidentEvents: 0 })).toThrow(RangeError);
  });

  it('is always reachable and has nothing to migrate', async () => {
    const store = new MemoryStore();
    await store.migrate();
    expect(store.kind).toBe('memory');
    expect(await store.ping()).toBe(true);
    await store.close();
  });
});

describe('MemoryStore incident history (the cases shared with ClickHouse)', () => {
  it.each(historyCases)('$name, written in two batches and replayed', async ({ rows, stats }) => {
    const store = new MemoryStore();
    const half = Math.ceil(rows.length / 2);
    await store.insertIncidentEvents(rows.slice(0, half));
    await store.insertIncidentEvents(rows.slice(half));
    await store.insertIncidentEvents([...rows].reverse());
    for (const { q, expected } of stats) expect(await store.incidentStats(q), JSON.stringify(q)).toEqual(expected);
    for (const id of new Set(rows.map((r) => r.incidentId))) expect(await store.incidentHistory(id)).toEqual(historyOf(rows, id));
  });

  it('has no history for an unknown incident', async () => {
    expect(await new MemoryStore().incidentHistory('nope')).toEqual([]);
  });

  it.each([
    { from: -1, to: 10 },
    { from: 0, to: 1.5 },
    { from: Number.NaN, to: 10 },
  ])('refuses stats for from $from to $to', async (q) => {
    await expect(new MemoryStore().incidentStats(q)).rejects.toThrow(InvalidArgumentError);
  });
});
