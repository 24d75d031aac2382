// Rollups on a private, real clickhouse-server (Debian's 18.16 in CI): a
// simulated Hanoi day goes in through the store's insertEvents; every rollup
// table must then give, per key and bucket, the count, sum, min, max, average
// and quantiles computed here from the same events. Also: a redelivered batch
// inflates the rollups (the documented limit) and rebuildRollups repairs the day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HanoiFeed } from '../engine/sim/index.ts';
import { ClickHouseStore, ident, rebuildRollups, ROLLUP_QUANTILES, rollupTables, sql, type RollupTable, type StoredEvent } from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';

const DB = 'ioc_rollups';
const DAY = '2026-03-10';
const DAY_START = Date.UTC(2026, 2, 10);
/** The feed starts an hour before the day, so the rows straddle midnight and two day partitions. */
const START = DAY_START - 3_600_000;
const END = DAY_START + 86_400_000;
const EVENTS = 40_000;
const BATCH = 5_000;

let ch: ClickHouseServer;
let store: ClickHouseStore;
let events: StoredEvent[];

/** A simulated day (the default few hundred sensors plus hotline complaints, which carry no value), evenly spread in time. */
function simulatedDay(): StoredEvent[] {
  const feed = new HanoiFeed({ start: START, seed: 5, firstStormAfter: 3 * 3_600_000, stormEvery: 6 * 3_600_000, stormDuration: 40 * 60_000 });
  const out: StoredEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    feed.advance(START + Math.floor(((END - START) * i) / EVENTS));
    out.push({ ...feed.next(), seq: i + 1, ingestedAt: END });
  }
  return out;
}

beforeAll(async () => {
  ch = await startClickHouse({ logLevel: 'warning' });
  store = new ClickHouseStore({ url: ch.url, database: DB, requestTimeoutMs: 60_000 });
  await store.migrate();
  events = simulatedDay();
  for (let i = 0; i < events.length; i += BATCH) await store.insertEvents(events.slice(i, i + BATCH));
}, 120_000);

afterAll(async () => {
  await store?.close();
  await ch?.destroy();
});

interface Aggregate {
  n: number;
  nv: number;
  sum: number;
  min: number;
  max: number;
  values: number[];
}

function keyOf(t: RollupTable, e: { type: string; zone?: string; source: string }, bucket: number): string {
  return [e.type, e.zone ?? '', ...(t.perSource ? [e.source] : []), bucket].join('|');
}

/** Start of the UTC minute or hour, epoch seconds. */
function bucketOf(t: RollupTable, time: number): number {
  const size = t.resolution === 'minute' ? 60_000 : 3_600_000;
  return Math.floor(time / size) * (size / 1000);
}

/** The aggregates of `rows` per rollup key and bucket, computed in JS. */
function expected(t: RollupTable, rows: readonly StoredEvent[]): Map<string, Aggregate> {
  const out = new Map<string, Aggregate>();
  for (const e of rows) {
    const k = keyOf(t, e, bucketOf(t, e.time));
    let a = out.get(k);
    if (a === undefined) out.set(k, (a = { n: 0, nv: 0, sum: 0, min: Infinity, max: -Infinity, values: [] }));
    a.n++;
    if (e.value === undefined || e.value === null) continue;
    a.nv++;
    a.sum += e.value;
    a.min = Math.min(a.min, e.value);
    a.max = Math.max(a.max, e.value);
    a.values.push(e.value);
  }
  return out;
}

/**
 * ClickHouse's `quantiles` on at most 8,192 values (its reservoir holds them
 * all): sort, then interpolate linearly at level × (n − 1).
 */
function quantile(sorted: readonly number[], level: number): number {
  const index = level * (sorted.length - 1);
  const lo = Math.floor(index);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (index - lo) * (sorted[hi]! - sorted[lo]!);
}

interface RollupRow {
  type: string;
  zone: string;
  source?: string;
  b: number;
  events: string;
  with_value: string;
  total: number;
  lo: number;
  hi: number;
  avg: number | null;
  qs: (number | null)[];
}

/**
 * Every key and bucket of a rollup table, read the way the query API reads it.
 * Result aliases differ from the column names: `countMerge(nv) AS nv` would
 * make a later `nv` mean the merged count (an aggregate inside an aggregate).
 */
async function readRollup(t: RollupTable, where = sql``): Promise<Map<string, RollupRow>> {
  const key = t.perSource ? sql`type, zone, source` : sql`type, zone`;
  const rows = await store.queryRows<RollupRow>(sql`
    SELECT ${key}, toUInt32(bucket) AS b,
           countMerge(n) AS events, countMerge(nv) AS with_value, sumMerge(sum) AS total, minMerge(min) AS lo, maxMerge(max) AS hi,
           if(with_value = 0, NULL, total / with_value) AS avg,
           quantilesMerge(0.5, 0.9, 0.95, 0.99)(q) AS qs
    FROM ${ident(DB, t.table)} ${where}
    GROUP BY ${key}, b`);
  return new Map(rows.map((r) => [keyOf(t, { type: r.type, zone: r.zone, source: r.source ?? '' }, r.b), r]));
}

function close(actual: number | null, want: number): boolean {
  return actual !== null && Math.abs(actual - want) <= 1e-9 * Math.max(1, Math.abs(want));
}

/** The keys whose rollup differs from the expectation, with both sides, for a readable failure. */
function differences(want: Map<string, Aggregate>, got: Map<string, RollupRow>): string[] {
  const out: string[] = [];
  for (const [k, a] of want) {
    const r = got.get(k);
    if (r === undefined) {
      out.push(`${k}: missing`);
      continue;
    }
    const sorted = [...a.values].sort((x, y) => x - y);
    const ok =
      Number(r.events) === a.n &&
      Number(r.with_value) === a.nv &&
      (a.nv === 0
        ? r.avg === null
        : close(r.total, a.sum) &&
          r.lo === a.min &&
          r.hi === a.max &&
          close(r.avg, a.sum / a.nv) &&
          ROLLUP_QUANTILES.every((level, i) => close(r.qs[i] ?? null, quantile(sorted, level))));
    if (!ok) out.push(`${k}: rollup ${JSON.stringify(r)} vs events n=${a.n} nv=${a.nv} sum=${a.sum} min=${a.min} max=${a.max}`);
  }
  for (const k of got.keys()) if (!want.has(k)) out.push(`${k}: not in the events`);
  return out;
}

describe('rollups of a simulated day', () => {
  it('hold the events the feed produced: hundreds of sensors, values and value-less complaints, two days', async () => {
    const [raw] = await store.queryRows<{ n: string; sources: string; nv: string; days: string }>(
      sql`SELECT count() AS n, uniqExact(source) AS sources, count(value) AS nv, uniqExact(day) AS days FROM ${ident(DB, 'events')} FINAL`,
    );
    expect(Number(raw!.n)).toBe(EVENTS);
    expect(Number(raw!.sources)).toBeGreaterThan(200);
    expect(Number(raw!.nv)).toBeLessThan(EVENTS);
    expect(Number(raw!.days)).toBe(2);
  });

  for (const t of rollupTables) {
    it(`${t.table}: count, sum, min, max, avg and quantiles per key and bucket equal the raw events'`, async () => {
      const want = expected(t, events);
      // Quantiles are exact only while a bucket fits the 8,192-value reservoir.
      expect(Math.max(...[...want.values()].map((a) => a.nv))).toBeLessThanOrEqual(8192);
      const got = await readRollup(t);
      expect(differences(want, got).slice(0, 5)).toEqual([]);
      expect(got.size).toBe(want.size);
    });
  }

  it('put every bucket in the partition of its UTC day', async () => {
    for (const t of rollupTables) {
      const rows = await store.queryRows<{ bad: string }>(
        sql`SELECT count() AS bad FROM ${ident(DB, t.table)} WHERE day != toDate(bucket)`,
      );
      expect(Number(rows[0]!.bad)).toBe(0);
    }
  });
});

describe('a redelivered batch and rebuild-rollups', () => {
  it('counts a batch inserted twice twice, until the day is rebuilt from events FINAL', async () => {
    const inDay = events.filter((e) => e.time >= DAY_START && e.time < END);
    const again = inDay.slice(1000, 1000 + 700);
    await store.insertEvents(again);

    const [dedup] = await store.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${ident(DB, 'events')} FINAL WHERE day = toDate(${DAY})`);
    expect(Number(dedup!.n)).toBe(inDay.length);
    const zoneHour = rollupTables.find((t) => t.table === 'rollup_zone_1h')!;
    const total = async (t: RollupTable): Promise<number> => {
      const [r] = await store.queryRows<{ n: string }>(sql`SELECT countMerge(n) AS n FROM ${ident(DB, t.table)} WHERE day = toDate(${DAY})`);
      return Number(r!.n);
    };
    expect(await total(zoneHour)).toBe(inDay.length + again.length);

    const result = await rebuildRollups(store, { database: DB, day: DAY });
    expect(Object.keys(result.rows)).toEqual(rollupTables.map((t) => t.table));
    for (const t of rollupTables) {
      expect(await total(t)).toBe(inDay.length);
      const got = await readRollup(t, sql`WHERE day = toDate(${DAY})`);
      expect(differences(expected(t, inDay), got).slice(0, 5)).toEqual([]);
    }
    // The day before was not touched.
    const before = events.filter((e) => e.time < DAY_START);
    const [prev] = await store.queryRows<{ n: string }>(sql`SELECT countMerge(n) AS n FROM ${ident(DB, 'rollup_source_1m')} WHERE day = toDate('2026-03-09')`);
    expect(Number(prev!.n)).toBe(before.length);
  });
});
