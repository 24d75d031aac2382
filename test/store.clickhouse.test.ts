// ClickHouseStore against a private, real clickhouse-server (Debian's 18.16 in CI):
// migrations, idempotent inserts under FINAL, hostile strings, and the store's
// behaviour while the server is down and after it comes back.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../engine/alerts/alert.ts';
import { InvalidArgumentError, UnavailableError } from '../engine/errors/index.ts';
import {
  ClickHouseQueryError,
  ClickHouseStore,
  ident,
  sql,
  toWellFormed,
  type StoredEvent,
} from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';

const DB = 'ioc_test';
const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z
let ch: ClickHouseServer;
let store: ClickHouseStore;

beforeAll(async () => {
  ch = await startClickHouse();
  store = new ClickHouseStore({ url: ch.url, database: DB, now: () => NOW, requestTimeoutMs: 5000 });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  await ch?.destroy();
});

function event(over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: 'w1-1',
    type: 'water.level',
    source: 'w1',
    time: NOW - 1, // 2025-12-31T23:59:59.999Z: the day must be the UTC day
    value: 1.25,
    unit: 'm',
    lat: 21.0285,
    lon: 105.8542,
    zone: 'hoan-kiem',
    attrs: { river: 'Tô Lịch', gauge: 'A' },
    extra: { firmware: '1.2', nested: { ok: true } },
    seq: 7,
    ingestedAt: NOW,
    ...over,
  };
}

function alert(over: Partial<Alert> = {}): Alert {
  return {
    fingerprint: 'fp-1',
    rule: 'flood.water-level-critical',
    key: 'w1',
    state: 'firing',
    severity: 'critical',
    title: { vi: 'Mực nước nguy hiểm', en: 'Critical water level' },
    message: { vi: 'Mực nước 2.1 m tại w1', en: 'Water level 2.1 m at w1' },
    zone: 'hoan-kiem',
    source: 'w1',
    value: 2.1,
    eventId: 'w1-9',
    eventType: 'water.level',
    startsAt: NOW - 60_000,
    endsAt: 0,
    eventTime: NOW - 60_000,
    emittedAt: NOW,
    ...over,
  };
}

const events = ident(DB, 'events');
const alerts = ident(DB, 'alerts');

describe('migrations', () => {
  it('create the schema once, record it, and are idempotent', async () => {
    const fresh = new ClickHouseStore({ url: ch.url, database: 'ioc_migrations', now: () => NOW });
    try {
      expect(await fresh.migrateSchema()).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7], version: 7 });
      expect(await fresh.migrateSchema()).toEqual({ applied: [], version: 7 });
      await fresh.migrate();
    } finally {
      await fresh.close();
    }

    const recorded = await store.queryRows(sql`SELECT version, name, applied_at FROM ${ident('ioc_migrations', 'schema_migrations')} ORDER BY version`);
    expect(recorded).toEqual([
      { version: 1, name: 'events', applied_at: String(NOW) },
      { version: 2, name: 'alerts', applied_at: String(NOW) },
      { version: 3, name: 'alert-events', applied_at: String(NOW) },
      { version: 4, name: 'incident-events', applied_at: String(NOW) },
      { version: 5, name: 'notification-deliveries', applied_at: String(NOW) },
      { version: 6, name: 'rollups', applied_at: String(NOW) },
      { version: 7, name: 'shadow-alerts', applied_at: String(NOW) },
    ]);
    const tables = await store.queryRows<{ name: string; engine: string }>(
      sql`SELECT name, engine FROM system.tables WHERE database = ${'ioc_migrations'} ORDER BY name`,
    );
    expect(tables).toEqual([
      { name: 'alert_events', engine: 'ReplacingMergeTree' },
      { name: 'alerts', engine: 'ReplacingMergeTree' },
      { name: 'events', engine: 'ReplacingMergeTree' },
      { name: 'incident_events', engine: 'ReplacingMergeTree' },
      { name: 'mv_rollup_source_1h', engine: 'MaterializedView' },
      { name: 'mv_rollup_source_1m', engine: 'MaterializedView' },
      { name: 'mv_rollup_zone_1h', engine: 'MaterializedView' },
      { name: 'mv_rollup_zone_1m', engine: 'MaterializedView' },
      { name: 'notification_deliveries', engine: 'ReplacingMergeTree' },
      { name: 'rollup_source_1h', engine: 'AggregatingMergeTree' },
      { name: 'rollup_source_1m', engine: 'AggregatingMergeTree' },
      { name: 'rollup_zone_1h', engine: 'AggregatingMergeTree' },
      { name: 'rollup_zone_1m', engine: 'AggregatingMergeTree' },
      { name: 'schema_migrations', engine: 'MergeTree' },
      { name: 'shadow_alerts', engine: 'ReplacingMergeTree' },
    ]);
  });
});

describe('events', () => {
  it('store every field and collapse a redelivered event into one row under FINAL', async () => {
    const batch = [event(), event({ id: 'w1-2', value: undefined, lat: undefined, lon: undefined, unit: undefined, zone: undefined, attrs: {}, extra: undefined })];
    await store.insertEvents(batch);
    await store.insertEvents([event({ ingestedAt: NOW + 5, seq: 8 }), batch[1]!]);

    const rows = await store.queryRows(
      sql`SELECT id, type, source, time, day, value, unit, lat, lon, zone, attrs.key, attrs.value, extra, seq, ingested_at
          FROM ${events} FINAL WHERE source = 'w1' ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: 'w1-1',
        type: 'water.level',
        source: 'w1',
        time: String(NOW - 1),
        day: '2025-12-31',
        value: 1.25,
        unit: 'm',
        lat: 21.0285,
        lon: 105.8542,
        zone: 'hoan-kiem',
        'attrs.key': ['river', 'gauge'],
        'attrs.value': ['Tô Lịch', 'A'],
        extra: '{"firmware":"1.2","nested":{"ok":true}}',
        seq: '8',
        ingested_at: String(NOW + 5),
      },
      {
        id: 'w1-2',
        type: 'water.level',
        source: 'w1',
        time: String(NOW - 1),
        day: '2025-12-31',
        value: null,
        unit: '',
        lat: null,
        lon: null,
        zone: '',
        'attrs.key': [],
        'attrs.value': [],
        extra: '',
        seq: '7',
        ingested_at: String(NOW),
      },
    ]);
    // Without FINAL the copies may still be separate parts; OPTIMIZE … FINAL merges them for good (again
    // if it found the parts in a background merge: then it does nothing, and says nothing).
    const optimized = async (): Promise<{ n: string } | undefined> => {
      await store.command(sql`OPTIMIZE TABLE ${events} FINAL`);
      return (await store.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${events} WHERE source = 'w1'`))[0];
    };
    const deadline = Date.now() + 30_000;
    let merged = await optimized();
    while (merged?.n !== '2' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      merged = await optimized();
    }
    expect(merged).toEqual({ n: '2' });
  });

  it('does nothing for an empty batch', async () => {
    await store.insertEvents([]);
    await store.insertAlerts([]);
  });
});

describe('alerts', () => {
  it('keep one row per (fingerprint, state, starts_at) under FINAL', async () => {
    const resolved = alert({ state: 'resolved', endsAt: NOW, emittedAt: NOW + 1 });
    await store.insertAlerts([alert(), resolved]);
    await store.insertAlerts([alert({ emittedAt: NOW + 10 }), resolved, alert({ startsAt: NOW, emittedAt: NOW + 20 })]);

    const rows = await store.queryRows(
      sql`SELECT fingerprint, rule, key, state, severity, title_vi, title_en, message_vi, message_en, zone, source, value,
                 event_id, event_type, starts_at, ends_at, event_time, emitted_at, day
          FROM ${alerts} FINAL ORDER BY starts_at, state`,
    );
    expect(rows).toEqual([
      {
        fingerprint: 'fp-1',
        rule: 'flood.water-level-critical',
        key: 'w1',
        state: 'firing',
        severity: 'critical',
        title_vi: 'Mực nước nguy hiểm',
        title_en: 'Critical water level',
        message_vi: 'Mực nước 2.1 m tại w1',
        message_en: 'Water level 2.1 m at w1',
        zone: 'hoan-kiem',
        source: 'w1',
        value: 2.1,
        event_id: 'w1-9',
        event_type: 'water.level',
        starts_at: String(NOW - 60_000),
        ends_at: '0',
        event_time: String(NOW - 60_000),
        emitted_at: String(NOW + 10),
        day: '2025-12-31',
      },
      expect.objectContaining({ state: 'resolved', starts_at: String(NOW - 60_000), ends_at: String(NOW), emitted_at: String(NOW + 1) }),
      expect.objectContaining({ state: 'firing', starts_at: String(NOW), emitted_at: String(NOW + 20), day: '2026-01-01' }),
    ]);
  });

  it('store an alert without a value as NULL', async () => {
    const { value: _omitted, ...noValue } = alert({ fingerprint: 'fp-novalue' });
    await store.insertAlerts([noValue]);
    const rows = await store.queryRows(sql`SELECT value FROM ${alerts} FINAL WHERE fingerprint = 'fp-novalue'`);
    expect(rows).toEqual([{ value: null }]);
  });
});

/** Any UTF-16 code unit (lone surrogates, NUL, controls) plus known troublemakers. */
const hostileString = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    "'; DROP TABLE events; --",
    "\\'; DROP TABLE events; --",
    'ends with backslash\\',
    '\\',
    "''",
    '\0',
    '😀',
    '\ud83d',
    '\ude00',
    '{x:String}',
    '\\x41',
    '\r\n\t\b\f\v\x07\x7f',
    'Hồ Hoàn Kiếm',
  ),
);

/** Finite doubles that are zero or normal: 18.16 reads subnormals back as 0 (see docs/decisions/0102). */
const normalDouble = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .filter((n) => n === 0 || Math.abs(n) >= 2.2250738585072014e-308)
  .map((n) => (n === 0 ? 0 : n));

describe('hostile values', () => {
  it('string literals read back as the same (well-formed) string, for thousands of hostile strings', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, fc.array(hostileString, { minLength: 5, maxLength: 40 }), async (one, many) => {
        const [row] = await store.queryRows<{ s: string; a: string[] }>(sql`SELECT ${one} AS s, ${many} AS a`);
        expect(row).toEqual({ s: toWellFormed(one), a: many.map(toWellFormed) });
      }),
      // About 3,500 strings, each through the escaping helper and back from the server.
      { numRuns: 150 },
    );
  });

  it('number literals read back as the same number', async () => {
    await fc.assert(
      fc.asyncProperty(normalDouble, async (n) => {
        // 64-bit integers arrive as strings in JSON, floats as numbers.
        const [row] = await store.queryRows<{ n: number | string }>(sql`SELECT ${n} AS n`);
        expect(Number(row!.n)).toBe(n);
      }),
      { numRuns: 200 },
    );
  });

  it('events with hostile ids, attributes, units and values round-trip through insert', async () => {
    let run = 0;
    // Any double: RowBinary carries the bits, so even subnormals are exact; non-finite values become NULL.
    const value = fc.option(fc.double(), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, hostileString, value, async (id, key, text, v) => {
        const source = `hostile-${++run}`;
        await store.insertEvents([event({ id, source, attrs: { [key]: text }, unit: text, value: v, extra: { raw: text } })]);
        const rows = await store.queryRows(
          sql`SELECT id, unit, value, attrs.key AS k, attrs.value AS v, extra FROM ${events} FINAL WHERE source = ${source} AND id = ${id}`,
        );
        expect(rows).toEqual([
          {
            id: toWellFormed(id),
            unit: toWellFormed(text),
            value: v !== undefined && Number.isFinite(v) ? v : null,
            k: [toWellFormed(key)],
            v: [toWellFormed(text)],
            extra: JSON.stringify({ raw: text }),
          },
        ]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('exactness', () => {
  it('stores floats bit for bit, including ones 18.16 text formats misread', async () => {
    const values = [6.94, 7.81, 1.93, 21.0285, 4.998126498074757e-231, 5e-324, 1.7976931348623157e308];
    await store.insertEvents(values.map((value, i) => event({ source: 'floats', id: `f${i}`, value, lat: value })));
    const rows = await store.queryRows<{ value: number; lat: number }>(sql`SELECT value, lat FROM ${events} FINAL WHERE source = 'floats' ORDER BY id`);
    expect(rows).toEqual(values.map((v) => ({ value: v, lat: v })));
  });
});

describe('errors', () => {
  it('a row a column cannot hold fails the whole insert before anything is stored', async () => {
    const good = Array.from({ length: 20_000 }, (_, i) => event({ source: 'partial', id: `p${i}` }));
    const err = await store.insertEvents([...good, event({ source: 'partial', id: 'bad', time: -1 })]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/event time/);
    const [row] = await store.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${events} WHERE source = 'partial'`);
    expect(row).toEqual({ n: '0' });
    await store.insertEvents(good.slice(0, 10));
    const [after] = await store.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${events} WHERE source = 'partial'`);
    expect(after).toEqual({ n: '10' });
  });

  it('a statement the server refuses is a ClickHouseQueryError with the server message', async () => {
    const err = await store.queryRows(sql`SELECT nope FROM ${events}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClickHouseQueryError);
    expect((err as ClickHouseQueryError).serverCode).toBe(47);
    expect((err as Error).message).toMatch(/nope/);
  });
});

describe('server down', () => {
  it('raises UnavailableError while stopped and works again after start', async () => {
    await ch.stop();
    expect(ch.running).toBe(false);
    expect(await store.ping()).toBe(false);
    const err = await store.insertEvents([event({ id: 'while-down' })]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    await expect(store.queryRows(sql`SELECT 1 AS one`)).rejects.toBeInstanceOf(UnavailableError);

    await ch.start();
    expect(ch.running).toBe(true);
    expect(await store.ping()).toBe(true);
    await store.insertEvents([event({ id: 'while-down' })]);
    const rows = await store.queryRows<{ id: string }>(sql`SELECT id FROM ${events} FINAL WHERE source = 'w1' ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual(['w1-1', 'w1-2', 'while-down']);
    expect(await store.migrateSchema()).toEqual({ applied: [], version: 7 });
  });
});

describe('shadow alerts', () => {
  it('go to shadow_alerts, never into the live alerts history', async () => {
    const base = { rule: 'flood.shadowed', key: 'k', severity: 'major' as const, title: { vi: 't', en: 't' }, message: { vi: 'm', en: 'm' }, zone: 'z', source: 's', eventId: 'e', eventType: 'water.level', endsAt: 0, eventTime: NOW, emittedAt: NOW };
    await store.insertAlerts([
      { ...base, fingerprint: 'live-fp', state: 'firing', startsAt: NOW },
      { ...base, fingerprint: 'shadow-fp', state: 'firing', startsAt: NOW, shadow: true },
    ]);
    const live = await store.queryRows<{ fingerprint: string }>(sql`SELECT fingerprint FROM ${alerts} WHERE rule = 'flood.shadowed'`);
    const shadow = await store.queryRows<{ fingerprint: string }>(sql`SELECT fingerprint FROM ${ident(DB, 'shadow_alerts')} WHERE rule = 'flood.shadowed'`);
    expect(live.map((r) => r.fingerprint)).toEqual(['live-fp']);
    expect(shadow.map((r) => r.fingerprint)).toEqual(['shadow-fp']);
  });
});
