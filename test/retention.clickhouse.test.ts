// Retention on a private, real clickhouse-server (Debian's 18.16 in CI): day
// partitions of events and rollups, month partitions of alert history, and a
// table it does not govern; with a fixed `now`, exactly the expired partitions
// go, each drop is logged, and a second pass drops nothing.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../engine/alerts/alert.ts';
import { ClickHouseStore, ident, Retention, sql, type RetentionPolicy, type StoredEvent } from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';

const DB = 'ioc_retention';
const NOW = Date.UTC(2026, 2, 11, 6); // 2026-03-11T06:00:00Z
const DAY_MS = 86_400_000;
/** Events: a day partition is dropped once its end is 3 days old, so 03-01..03-07 go and 03-08..03-11 stay. */
const policy: RetentionPolicy = { eventsDays: 3, rollupsMinuteDays: 5, rollupsHourDays: 0, alertsDays: 35 };

let ch: ClickHouseServer;
let store: ClickHouseStore;

function event(day: number, i: number): StoredEvent {
  const time = Date.UTC(2026, 2, day, 12) + i * 1000;
  return { id: `d${day}-${i}`, type: 'water.level', source: `wl-${i % 3}`, time, value: i / 10, unit: 'm', zone: 'hoan-kiem', attrs: {}, seq: i, ingestedAt: time };
}

function alert(startsAt: number): Alert {
  return {
    fingerprint: `fp-${startsAt}`,
    rule: 'flood.level',
    key: 'wl-1',
    state: 'firing',
    severity: 'major',
    title: { vi: 'Ngập', en: 'Flood' },
    message: { vi: 'Ngập', en: 'Flood' },
    zone: 'hoan-kiem',
    source: 'wl-1',
    value: 2,
    eventId: 'e1',
    eventType: 'water.level',
    startsAt,
    endsAt: 0,
    eventTime: startsAt,
    emittedAt: startsAt,
  };
}

/** Active partition ids per table, as system.parts lists them. */
async function partitions(): Promise<Record<string, string[]>> {
  const rows = await store.queryRows<{ table: string; ids: string[] }>(sql`
    SELECT table, groupUniqArray(partition_id) AS ids FROM system.parts
    WHERE database = ${DB} AND active GROUP BY table`);
  return Object.fromEntries(rows.map((r) => [r.table, [...r.ids].sort()]));
}

const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `202603${String(from + i).padStart(2, '0')}`);

beforeAll(async () => {
  ch = await startClickHouse({ logLevel: 'warning' });
  store = new ClickHouseStore({ url: ch.url, database: DB, requestTimeoutMs: 30_000 });
  await store.migrate();
  for (let day = 1; day <= 11; day++) await store.insertEvents(Array.from({ length: 20 }, (_, i) => event(day, i)));
  await store.insertAlerts([Date.UTC(2025, 11, 20), Date.UTC(2026, 0, 15), Date.UTC(2026, 1, 15), Date.UTC(2026, 2, 10)].map(alert));
  // A table of ours that retention does not govern: never touched.
  await store.command(sql`CREATE TABLE ${ident(DB, 'other')} (day Date) ENGINE = MergeTree PARTITION BY day ORDER BY day`);
  await store.command(sql`INSERT INTO ${ident(DB, 'other')} (day) VALUES ('2020-01-01')`);
});

afterAll(async () => {
  await store?.close();
  await ch?.destroy();
});

describe('Retention on ClickHouse', () => {
  it('drops exactly the expired partitions of each table, logs each, and leaves the rest', async () => {
    const before = await partitions();
    expect(before.events).toEqual(days(1, 11));
    expect(before.rollup_zone_1m).toEqual(days(1, 11));
    expect(before.alerts).toEqual(['202512', '202601', '202602', '202603']);

    const logged: { msg: string; table: string; partition: string; rows: number }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const retention = new Retention({ runner: store, database: DB, policy, everyMs: 3_600_000, now: () => NOW, log });
    const run = await retention.run();

    const after = await partitions();
    expect(after.events).toEqual(days(8, 11));
    expect(after.rollup_source_1m).toEqual(days(6, 11));
    expect(after.rollup_zone_1m).toEqual(days(6, 11));
    expect(after.rollup_source_1h).toEqual(days(1, 11));
    expect(after.rollup_zone_1h).toEqual(days(1, 11));
    // January ends 02-01; 35 days later is 03-08, before now. February's end plus 35 days is in April.
    expect(after.alerts).toEqual(['202602', '202603']);
    expect(after.other).toEqual(['20200101']);

    const [left] = await store.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${ident(DB, 'events')} FINAL`);
    expect(Number(left!.n)).toBe(4 * 20);

    expect(run.failed).toEqual([]);
    const drops = logged.filter((l) => l.msg.startsWith('retention: dropped'));
    expect(drops.map((l) => `${l.table} ${l.partition}`).sort()).toEqual(run.dropped.map((p) => `${p.table} ${p.partitionId}`).sort());
    expect(drops).toHaveLength(7 + 5 + 5 + 2);
    expect(drops.find((l) => l.table === 'events')!.rows).toBe(20);

    const again = await retention.run();
    expect(again.dropped).toEqual([]);
    expect(await partitions()).toEqual(after);
  });
});
