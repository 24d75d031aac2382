import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import type { SqlRunner } from './migrations.ts';
import { parseDay, rebuildRollups, rollupTables, rollupViewDdl } from './rollups.ts';
import type { Sql } from './sql-escape.ts';

describe('parseDay', () => {
  it('accepts real calendar days', () => {
    for (const d of ['2026-03-10', '2024-02-29', '1970-01-01']) expect(parseDay(d)).toBe(d);
  });

  it('refuses anything else, hostile text included', () => {
    for (const d of ['2026-02-30', '2025-02-29', '2026-3-10', '20260310', "2026-03-10'; DROP TABLE events --", '', '1969-12-31']) {
      expect(() => parseDay(d)).toThrow(InvalidArgumentError);
    }
  });
});

class RecordingRunner implements SqlRunner {
  readonly statements: string[] = [];
  async command(statement: Sql): Promise<void> {
    this.statements.push(statement.text);
  }
  async queryRows<T>(): Promise<T[]> {
    return [{ rows: '3' }] as T[];
  }
}

describe('rebuildRollups', () => {
  it('drops the day partition of each rollup before re-inserting it from events FINAL', async () => {
    const runner = new RecordingRunner();
    const result = await rebuildRollups(runner, { database: 'ioc', day: '2026-03-10' });
    expect(result.rows).toEqual(Object.fromEntries(rollupTables.map((t) => [t.table, 3])));
    expect(runner.statements).toHaveLength(2 * rollupTables.length);
    rollupTables.forEach((t, i) => {
      expect(runner.statements[2 * i]).toBe(`ALTER TABLE \`ioc\`.\`${t.table}\` DROP PARTITION ID '20260310'`);
      const insert = runner.statements[2 * i + 1]!;
      expect(insert).toMatch(new RegExp(`^INSERT INTO \`ioc\`\\.\`${t.table}\` \\(`));
      expect(insert).toContain("FROM `ioc`.`events` FINAL WHERE day = toDate('2026-03-10')");
    });
  });

  it('aggregates exactly as the view does', async () => {
    const runner = new RecordingRunner();
    await rebuildRollups(runner, { database: 'ioc', day: '2026-03-10' });
    rollupTables.forEach((t, i) => {
      const view = rollupViewDdl('ioc', t).text;
      const viewSelect = view.slice(view.indexOf(' AS SELECT ') + 4).replace('FROM `ioc`.`events`', 'FROM');
      const insert = runner.statements[2 * i + 1]!;
      const insertSelect = insert.slice(insert.indexOf('SELECT ')).replace("FROM `ioc`.`events` FINAL WHERE day = toDate('2026-03-10')", 'FROM');
      expect(insertSelect).toBe(viewSelect);
    });
  });
});
