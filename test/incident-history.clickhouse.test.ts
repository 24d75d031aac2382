// Incident history against a private, real clickhouse-server (Debian's 18.16 in CI):
// the history cases shared with the MemoryStore, replayed batches that must not
// change any figure, hostile strings, and failures while the server is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnavailableError } from '../engine/errors/index.ts';
import type { AlertEventRow, DeliveryAttempt } from '../engine/incidents/model.ts';
import { historyCases, historyOf, T0, timeline } from '../engine/store/incident-history-cases.ts';
import { ClickHouseStore, ident, sql } from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';

const DB = 'ioc_history';
const HOSTILE = ["'; DROP TABLE alert_events; --", 'ends with backslash\\', 'dòng một\ndòng hai\r\n\ttab', '"Hồ Hoàn Kiếm" \\\' 😀', '\0'];
let ch: ClickHouseServer;
let store: ClickHouseStore;

beforeAll(async () => {
  ch = await startClickHouse();
  store = new ClickHouseStore({ url: ch.url, database: DB, now: () => T0, requestTimeoutMs: 5000 });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  await ch?.destroy();
});

function alertEvent(over: Partial<AlertEventRow> = {}): AlertEventRow {
  return {
    fingerprint: 'fp-1',
    rule: 'flood.water-level-critical',
    zone: 'hoan-kiem',
    source: 'w1',
    severity: 'critical',
    state: 'firing',
    startsAt: T0 - 60_000,
    endsAt: 0,
    value: 6.94,
    eventId: 'w1-9',
    incidentId: 'inc-flood-a',
    silenced: false,
    inhibited: true,
    flapping: false,
    at: T0,
    ...over,
  };
}

function delivery(over: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return { notificationId: 'inc-flood-a:opened:ops', receiver: 'ops-webhook', incidentId: 'inc-flood-a', attempt: 1, at: T0, ok: false, detail: 'HTTP 503', ...over };
}

describe('migrations', () => {
  it('create the three history tables keyed by their identities', async () => {
    const tables = await store.queryRows<{ name: string; engine: string; sorting_key: string; partition_key: string }>(
      sql`SELECT name, engine, sorting_key, partition_key FROM system.tables
          WHERE database = ${DB} AND name IN ('alert_events', 'incident_events', 'notification_deliveries') ORDER BY name`,
    );
    expect(tables).toEqual([
      { name: 'alert_events', engine: 'ReplacingMergeTree', sorting_key: 'fingerprint, state, starts_at, at', partition_key: 'toYYYYMM(day)' },
      { name: 'incident_events', engine: 'ReplacingMergeTree', sorting_key: 'incident_id, seq', partition_key: 'toYYYYMM(opened_day)' },
      { name: 'notification_deliveries', engine: 'ReplacingMergeTree', sorting_key: 'notification_id, attempt', partition_key: 'toYYYYMM(day)' },
    ]);
    expect(await store.migrateSchema()).toEqual({ applied: [], version: 7 });
  });
});

describe('incident stats and history (the cases shared with MemoryStore)', () => {
  it.each(historyCases.map((c, i) => ({ ...c, db: `ioc_case_${i}` })))('$name, written in two batches and replayed', async ({ rows, stats, db }) => {
    const caseStore = new ClickHouseStore({ url: ch.url, database: db, now: () => T0 });
    try {
      await caseStore.migrate();
      // With merges stopped the replayed copies stay in separate parts: the figures must hold with duplicates present.
      await caseStore.command(sql`SYSTEM STOP MERGES ${ident(db, 'incident_events')}`);
      const half = Math.ceil(rows.length / 2);
      await caseStore.insertIncidentEvents(rows.slice(0, half));
      await caseStore.insertIncidentEvents(rows.slice(half));
      await caseStore.insertIncidentEvents([...rows].reverse());
      const [stored] = await caseStore.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${ident(db, 'incident_events')}`);
      expect(stored).toEqual({ n: String(rows.length * 2) });

      for (const { q, expected } of stats) expect(await caseStore.incidentStats(q), JSON.stringify(q)).toEqual(expected);
      for (const id of new Set(rows.map((r) => r.incidentId))) expect(await caseStore.incidentHistory(id)).toEqual(historyOf(rows, id));
    } finally {
      await caseStore.close();
    }
  });

  it('keeps an incident that spans two months whole and measures it by its opening', async () => {
    const opened = Date.UTC(2026, 2, 31, 23, 50);
    const rows = timeline('inc-month-end', 'flood', opened, ['long-bien'], [
      { min: 0, kind: 'opened' },
      { min: 15, kind: 'acknowledged', actor: 'an' },
      { min: 25, kind: 'resolved', actor: 'an' },
    ]);
    await store.insertIncidentEvents(rows);
    await store.insertIncidentEvents(rows);
    expect(await store.incidentStats({ from: Date.UTC(2026, 2, 31), to: Date.UTC(2026, 3, 1) })).toEqual([
      { type: 'flood', zone: 'long-bien', incidents: 1, acknowledged: 1, resolved: 1, mttaMs: 15 * 60_000, mttrMs: 25 * 60_000 },
    ]);
    expect(await store.incidentStats({ from: Date.UTC(2026, 3, 1), to: Date.UTC(2026, 4, 1) })).toEqual([]);
    expect(await store.incidentHistory('inc-month-end')).toEqual(rows);
  });

  it('has no history for an unknown incident and refuses a negative range start', async () => {
    expect(await store.incidentHistory("nope' OR 1 = 1 --")).toEqual([]);
    await expect(store.incidentStats({ from: -1, to: T0 })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('alert events', () => {
  it('keep one row per (fingerprint, state, starts_at, at) and store every field, hostile strings included', async () => {
    const rows = HOSTILE.map((s, i) => alertEvent({ fingerprint: `fp-${s}`, rule: s, zone: s, source: s, eventId: s, incidentId: s, at: T0 + i, flapping: i % 2 === 0 }));
    const resolved = alertEvent({ state: 'resolved', endsAt: T0 + 1000, at: T0 + 1000, inhibited: false, silenced: true, value: undefined });
    await store.insertAlertEvents([alertEvent(), resolved, ...rows]);
    await store.insertAlertEvents([...rows, resolved, alertEvent(), alertEvent({ at: T0 + 5 })]);

    const stored = await store.queryRows(
      sql`SELECT fingerprint, rule, zone, source, severity, state, starts_at, ends_at, value, event_id, incident_id,
                 silenced, inhibited, flapping, at, day
          FROM ${ident(DB, 'alert_events')} FINAL WHERE fingerprint = 'fp-1' ORDER BY state, at`,
    );
    expect(stored).toEqual([
      {
        fingerprint: 'fp-1',
        rule: 'flood.water-level-critical',
        zone: 'hoan-kiem',
        source: 'w1',
        severity: 'critical',
        state: 'firing',
        starts_at: String(T0 - 60_000),
        ends_at: '0',
        value: 6.94,
        event_id: 'w1-9',
        incident_id: 'inc-flood-a',
        silenced: 0,
        inhibited: 1,
        flapping: 0,
        at: String(T0),
        day: '2026-03-01',
      },
      expect.objectContaining({ state: 'firing', at: String(T0 + 5) }),
      expect.objectContaining({ state: 'resolved', ends_at: String(T0 + 1000), value: null, silenced: 1, inhibited: 0 }),
    ]);

    const hostile = await store.queryRows<{ fingerprint: string; rule: string; zone: string; source: string; event_id: string; incident_id: string; flapping: number }>(
      sql`SELECT fingerprint, rule, zone, source, event_id, incident_id, flapping FROM ${ident(DB, 'alert_events')} FINAL
          WHERE fingerprint != 'fp-1' ORDER BY at`,
    );
    expect(hostile).toEqual(
      rows.map((r) => ({ fingerprint: r.fingerprint, rule: r.rule, zone: r.zone, source: r.source, event_id: r.eventId, incident_id: r.incidentId, flapping: r.flapping ? 1 : 0 })),
    );
  });
});

describe('notification deliveries', () => {
  it('keep one row per (notification_id, attempt) and store every field, hostile strings included', async () => {
    const rows = [
      delivery(),
      delivery({ attempt: 2, at: T0 + 30_000, ok: true, detail: 'HTTP 200' }),
      ...HOSTILE.map((s, i) => delivery({ notificationId: `n-${i}`, receiver: s, incidentId: s, detail: s })),
    ];
    await store.insertDeliveries(rows);
    await store.insertDeliveries([...rows].reverse());

    const stored = await store.queryRows(
      sql`SELECT notification_id, receiver, incident_id, attempt, at, ok, detail FROM ${ident(DB, 'notification_deliveries')} FINAL
          ORDER BY notification_id, attempt`,
    );
    const expected = rows.map((d) => ({
      notification_id: d.notificationId,
      receiver: d.receiver,
      incident_id: d.incidentId,
      attempt: d.attempt,
      at: String(d.at),
      ok: d.ok ? 1 : 0,
      detail: d.detail,
    }));
    expect(stored).toEqual(expected);
  });
});

describe('errors', () => {
  it('a row a column cannot hold fails the whole insert before anything is stored', async () => {
    const rows = timeline('inc-bad', 'flood', T0, ['hoan-kiem'], [{ min: 0, kind: 'opened' }]);
    await expect(store.insertIncidentEvents([...rows, { ...rows[0]!, seq: -1 }])).rejects.toThrow(InvalidArgumentError);
    await expect(store.insertDeliveries([delivery({ notificationId: 'bad', attempt: 2 ** 32 })])).rejects.toThrow(/attempt/);
    expect(await store.incidentHistory('inc-bad')).toEqual([]);
  });

  it('raise UnavailableError while the server is stopped and work again after start', async () => {
    await ch.stop();
    const rows = timeline('inc-outage', 'flood', T0, ['hoan-kiem'], [{ min: 0, kind: 'opened' }]);
    await expect(store.insertIncidentEvents(rows)).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.insertAlertEvents([alertEvent({ fingerprint: 'fp-outage' })])).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.insertDeliveries([delivery({ notificationId: 'n-outage' })])).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.incidentStats({ from: T0, to: T0 + 1 })).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.incidentHistory('inc-outage')).rejects.toBeInstanceOf(UnavailableError);

    await ch.start();
    await store.insertIncidentEvents(rows);
    expect(await store.incidentHistory('inc-outage')).toEqual(rows);
  });
});
