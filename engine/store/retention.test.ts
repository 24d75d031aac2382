import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/index.ts';
import type { SqlRunner } from './migrations.ts';
import { expiredPartitions, partitionPeriod, Retention, type PartitionInfo, type RetentionPolicy } from './retention.ts';
import type { Sql } from './sql-escape.ts';

const policy: RetentionPolicy = { eventsDays: 30, rollupsMinuteDays: 7, rollupsHourDays: 400, alertsDays: 400 };
const part = (table: string, partitionId: string): PartitionInfo => ({ table, partitionId, rows: 10, bytes: 1000 });
const dropped = (parts: PartitionInfo[], now: number, p: RetentionPolicy = policy) =>
  expiredPartitions(parts, p, now).map((e) => `${e.table} ${e.partitionId}`);

describe('partitionPeriod', () => {
  it('reads day and month partition ids as UTC periods', () => {
    expect(partitionPeriod('20260228')).toEqual({ start: Date.UTC(2026, 1, 28), end: Date.UTC(2026, 2, 1) });
    expect(partitionPeriod('202612')).toEqual({ start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
  });

  it('refuses ids that are not a real day or month', () => {
    for (const id of ['all', '20260230', '202613', '2026022', 'a1b2c3d4e5f6', '20261300', '']) expect(partitionPeriod(id)).toBeUndefined();
  });
});

describe('expiredPartitions', () => {
  const now = Date.UTC(2026, 2, 31); // 2026-03-31T00:00:00Z

  it('drops a day once the whole day is older than the table keeps, and not a moment before', () => {
    const parts = ['20260227', '20260228', '20260301', '20260331'].map((d) => part('events', d));
    expect(dropped(parts, now)).toEqual(['events 20260227', 'events 20260228']);
    expect(dropped(parts, now - 1)).toEqual(['events 20260227']);
  });

  it('keeps each kind of table for its own number of days', () => {
    const parts = [part('rollup_source_1m', '20260323'), part('rollup_zone_1m', '20260324'), part('rollup_source_1h', '20260323'), part('rollup_zone_1h', '20250220')];
    expect(dropped(parts, now)).toEqual(['rollup_source_1m 20260323', 'rollup_zone_1h 20250220']);
  });

  it('drops a monthly history partition only when all of the month is past its retention', () => {
    const parts = ['202501', '202502', '202503'].map((m) => part('alerts', m));
    // 2025-02 ends 2025-03-01; +400 days is 2026-04-05.
    expect(dropped(parts, now)).toEqual(['alerts 202501']);
    expect(dropped(parts, Date.UTC(2026, 3, 5) - 1)).toEqual(['alerts 202501']);
    expect(dropped(parts, Date.UTC(2026, 3, 5))).toEqual(['alerts 202501', 'alerts 202502']);
    expect(dropped(['alert_events', 'incident_events', 'notification_deliveries'].map((t) => part(t, '202501')), now)).toHaveLength(3);
  });

  it('keeps everything of a table set to 0, of tables it does not govern, and ids it cannot read', () => {
    const parts = [part('events', '20200101'), part('schema_migrations', 'all'), part('shadow_alerts', '202001'), part('events', 'all')];
    expect(dropped(parts, now, { ...policy, eventsDays: 0 })).toEqual([]);
    expect(dropped(parts, now)).toEqual(['events 20200101']);
  });

  it('says why each partition goes', () => {
    expect(expiredPartitions([part('events', '20260201')], policy, now)).toEqual([
      { table: 'events', partitionId: '20260201', rows: 10, bytes: 1000, keepDays: 30, endsAt: Date.UTC(2026, 1, 2) },
    ]);
  });
});

/** Answers the partition listing with a fixed list and records the drops. */
class PartsRunner implements SqlRunner {
  readonly commands: string[] = [];
  listings = 0;
  constructor(private readonly parts: { table: string; partition_id: string; rows: string; bytes: string }[]) {}
  async command(statement: Sql): Promise<void> {
    this.commands.push(statement.text);
  }
  async queryRows<T>(query: Sql): Promise<T[]> {
    expect(query.text).toContain('system.parts');
    this.listings++;
    return this.parts as T[];
  }
}

describe('Retention', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops each expired partition by id, one statement each', async () => {
    const runner = new PartsRunner([
      { table: 'events', partition_id: '20260101', rows: '5', bytes: '50' },
      { table: 'events', partition_id: '20260330', rows: '5', bytes: '50' },
      { table: 'alerts', partition_id: '202401', rows: '1', bytes: '9' },
    ]);
    const r = new Retention({ runner, database: 'ioc', policy, everyMs: 60_000, now: () => Date.UTC(2026, 2, 31), log: silentLogger() });
    const run = await r.run();
    expect(run.dropped.map((p) => p.partitionId)).toEqual(['202401', '20260101']);
    expect(runner.commands).toEqual([
      "ALTER TABLE `ioc`.`alerts` DROP PARTITION ID '202401'",
      "ALTER TABLE `ioc`.`events` DROP PARTITION ID '20260101'",
    ]);
  });

  it('runs at start and then every interval until stopped', async () => {
    vi.useFakeTimers();
    const runner = new PartsRunner([]);
    const r = new Retention({ runner, database: 'ioc', policy, everyMs: 60_000, now: () => 0, log: silentLogger() });
    r.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runner.listings).toBe(1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(runner.listings).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.listings).toBe(2);
    await r.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(runner.listings).toBe(2);
  });

  it('keeps running after a pass fails', async () => {
    vi.useFakeTimers();
    const runner = new PartsRunner([]);
    let fail = true;
    const failing: SqlRunner = {
      command: (s) => runner.command(s),
      queryRows: async <T>(q: Sql) => {
        if (fail) throw new Error('server down');
        return runner.queryRows<T>(q);
      },
    };
    const r = new Retention({ runner: failing, database: 'ioc', policy, everyMs: 1000, now: () => 0, log: silentLogger() });
    r.start();
    await vi.advanceTimersByTimeAsync(0);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runner.listings).toBe(1);
    await r.stop();
  });
});
