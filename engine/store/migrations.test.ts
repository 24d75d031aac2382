import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.ts';
import { migrate, migrations, type Migration, type SqlRunner } from './migrations.ts';
import { sql, type Sql } from './sql-escape.ts';

/** A SqlRunner that records statements and answers the one query migrate makes from what was inserted. */
class RecordingRunner implements SqlRunner {
  readonly statements: string[] = [];
  readonly records: { version: number; name: string }[] = [];

  async command(statement: Sql): Promise<void> {
    this.statements.push(statement.text);
    const m = /^INSERT INTO `[^`]+`\.`schema_migrations` \(version, name, applied_at\) VALUES \((\d+), '([^']*)', (\d+)\)$/.exec(statement.text);
    if (m) this.records.push({ version: Number(m[1]), name: m[2]! });
  }

  async queryRows<T>(query: Sql): Promise<T[]> {
    expect(query.text).toContain('schema_migrations');
    return this.records as T[];
  }
}

const two: Migration[] = [
  { version: 1, name: 'one', statements: (db) => [sql`CREATE TABLE IF NOT EXISTS ${db} one`] },
  { version: 2, name: 'two', statements: () => [sql`S2a`, sql`S2b`] },
];

describe('migrate', () => {
  it('applies each migration once, in order, and records it with the injected time', async () => {
    const runner = new RecordingRunner();
    const first = await migrate(runner, { database: 'ioc', now: () => 42, migrations: two });
    expect(first).toEqual({ applied: [1, 2], version: 2 });
    expect(runner.statements.filter((s) => s.startsWith('INSERT'))).toEqual([
      "INSERT INTO `ioc`.`schema_migrations` (version, name, applied_at) VALUES (1, 'one', 42)",
      "INSERT INTO `ioc`.`schema_migrations` (version, name, applied_at) VALUES (2, 'two', 42)",
    ]);
    expect(runner.statements.indexOf('S2a')).toBeLessThan(runner.statements.indexOf('S2b'));

    const before = runner.statements.length;
    const second = await migrate(runner, { database: 'ioc', now: () => 43, migrations: two });
    expect(second).toEqual({ applied: [], version: 2 });
    expect(runner.statements.slice(before).some((s) => s === 'S2a' || s.startsWith('INSERT'))).toBe(false);
  });

  it('applies only what a newer build added', async () => {
    const runner = new RecordingRunner();
    await migrate(runner, { database: 'ioc', now: () => 1, migrations: two.slice(0, 1) });
    expect(await migrate(runner, { database: 'ioc', now: () => 2, migrations: two })).toEqual({ applied: [2], version: 2 });
  });

  it('refuses a database migrated by a diverging build', async () => {
    const runner = new RecordingRunner();
    await migrate(runner, { database: 'ioc', now: () => 1, migrations: two });
    const renamed = [two[0]!, { ...two[1]!, name: 'other' }];
    await expect(migrate(runner, { database: 'ioc', now: () => 1, migrations: renamed })).rejects.toThrow(ConfigError);
  });

  it('refuses a database name that is not an identifier', async () => {
    await expect(migrate(new RecordingRunner(), { database: 'ioc; DROP', now: () => 1 })).rejects.toThrow(ConfigError);
  });
});

describe('shipped migrations', () => {
  it('are numbered 1..n with unique kebab-case names', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
    for (const m of migrations) expect(m.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('use only IF NOT EXISTS creates and none of the syntax 18.16 rejects', () => {
    for (const m of migrations) {
      for (const s of m.statements('ioc')) {
        expect(s.text).toMatch(/^CREATE (TABLE|DATABASE|MATERIALIZED VIEW) IF NOT EXISTS /);
        expect(s.text).not.toMatch(/\b(TTL|DateTime64|LowCardinality|CODEC|Map\(|Bool\b|SimpleAggregateFunction)/);
      }
    }
  });
});
