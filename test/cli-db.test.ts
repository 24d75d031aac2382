// `ioc db migrate|status|rebuild-rollups` as an operator runs them: a real
// `ioc` process against a private, real clickhouse-server (Debian's 18.16 in
// CI), configured by IOC_* variables or a config file; output and exit codes.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseStore, ident, migrations, sql, type StoredEvent } from '../engine/store/index.ts';
import { startClickHouse, type ClickHouseServer } from './harness/clickhouse.ts';
import { repoRoot } from './harness/engine.ts';
import { freePort } from './harness/ports.ts';

let ch: ClickHouseServer;
const cwd = mkdtempSync(join(tmpdir(), 'ioc-cli-db-'));

/** Runs `ioc <args>` in an empty directory with only the given IOC_* variables set for ClickHouse. */
function ioc(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IOC_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'engine/cli/bin.mjs'), ...args], { cwd, env: { ...base, ...env } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

const envFor = (db: string) => ({ IOC_CLICKHOUSE_URL: ch.url, IOC_CLICKHOUSE_DB: db });

beforeAll(async () => {
  ch = await startClickHouse({ logLevel: 'warning' });
});

afterAll(async () => {
  await ch?.destroy();
});

describe('ioc db', () => {
  it('fails with exit 1 and says where it tried when ClickHouse is unreachable', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    for (const command of [['db', 'migrate'], ['db', 'status'], ['db', 'rebuild-rollups', '--day', '2026-03-10']]) {
      const r = await ioc({ IOC_CLICKHOUSE_URL: url }, ...command);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`cannot reach ClickHouse at ${url}`);
      expect(r.out).toBe('');
    }
  });

  it('status shows a new database with every migration pending; migrate applies them once; status then lists the tables', async () => {
    const env = envFor('cli_fresh');
    const fresh = await ioc(env, 'db', 'status');
    expect(fresh.code).toBe(0);
    expect(fresh.out).toContain(`0 migration(s) applied, ${migrations.length} pending`);
    expect(fresh.out).toContain('does not exist yet');
    for (const m of migrations) expect(fresh.out).toContain(`pending  ${m.version} ${m.name}`);

    const first = await ioc(env, 'db', 'migrate');
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out.split('\n').filter((l) => l.startsWith('applied '))).toEqual(migrations.map((m) => `applied ${m.version} ${m.name}`));

    const second = await ioc(env, 'db', 'migrate');
    expect(second.code).toBe(0);
    expect(second.out).not.toContain('applied ');
    expect(second.out).toContain(`schema is current (version ${migrations.length})`);

    const status = await ioc(env, 'db', 'status');
    expect(status.code).toBe(0);
    expect(status.out).toContain(`${migrations.length} migration(s) applied, 0 pending`);
    expect(status.out).not.toContain('pending  ');
    for (const table of ['events', 'alerts', 'rollup_source_1m', 'rollup_zone_1h', 'mv_rollup_zone_1m']) {
      expect(status.out).toMatch(new RegExp(`^  ${table}\\s+\\w+\\s+0\\s+0 B\\s+0$`, 'm'));
    }
  });

  it('status counts rows and partitions; rebuild-rollups repairs a day counted twice', async () => {
    const db = 'cli_data';
    // Configured by a file this time, as `ioc start` would be.
    const config = join(cwd, 'ioc.yaml');
    writeFileSync(config, `clickhouse:\n  url: ${ch.url}\n  db: ${db}\n`);
    expect((await ioc({}, 'db', 'migrate', '-c', config)).code).toBe(0);

    const store = new ClickHouseStore({ url: ch.url, database: db });
    try {
      const rows: StoredEvent[] = [0, 1].flatMap((d) =>
        Array.from({ length: 50 }, (_, i) => {
          const time = Date.UTC(2026, 2, 9 + d, 10) + i * 60_000;
          return { id: `${d}-${i}`, type: 'rain.rate', source: `rg-${i % 5}`, time, value: i, zone: 'ba-dinh', attrs: {}, seq: i, ingestedAt: time };
        }),
      );
      await store.insertEvents(rows);
      await store.insertEvents(rows.slice(50, 80)); // a redelivered batch on 2026-03-10

      const status = await ioc({}, 'db', 'status', '-c', config);
      expect(status.code).toBe(0);
      expect(status.out).toMatch(/^  events\s+ReplacingMergeTree\s+130\s+\S+ \S+\s+2$/m);

      const total = async (): Promise<number> => {
        const [r] = await store.queryRows<{ n: string }>(sql`SELECT countMerge(n) AS n FROM ${ident(db, 'rollup_zone_1m')} WHERE day = toDate('2026-03-10')`);
        return Number(r!.n);
      };
      expect(await total()).toBe(80);

      const rebuilt = await ioc({}, 'db', 'rebuild-rollups', '--day', '2026-03-10', '-c', config);
      expect(rebuilt.err).toBe('');
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.out).toContain('rollup_source_1m: 50 rows for 2026-03-10');
      expect(rebuilt.out).toContain('rollup_zone_1h: 1 rows for 2026-03-10');
      expect(await total()).toBe(50);
    } finally {
      await store.close();
    }
  });

  it('rebuild-rollups refuses a malformed day, and a database without the rollup tables', async () => {
    const bad = await ioc(envFor('cli_data'), 'db', 'rebuild-rollups', '--day', '2026-02-30');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('"2026-02-30" is not a day in the form YYYY-MM-DD');

    const missing = await ioc(envFor('cli_empty'), 'db', 'rebuild-rollups', '--day', '2026-03-10');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('run `ioc db migrate` first');
  });

  it('rebuild-rollups warns that today is not over', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await ioc(envFor('cli_data'), 'db', 'rebuild-rollups', '--day', today);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`warning: ${today} is not over yet`);
  });
});
