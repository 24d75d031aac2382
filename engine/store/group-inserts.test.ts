import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/index.ts';
import { groupInserts } from './group-inserts.ts';
import type { StoredEvent } from './store.ts';

/** A store whose inserts wait until released, recording each INSERT's rows; rows with id "bad" are refused. */
function slowStore() {
  const inserts: string[][] = [];
  const gates: (() => void)[] = [];
  const insertEvents = async (rows: readonly StoredEvent[]) => {
    inserts.push(rows.map((r) => r.id));
    await new Promise<void>((r) => gates.push(r));
    if (rows.some((r) => r.id === 'bad')) throw new Error('Cannot parse input: bad row');
  };
  const release = async () => {
    while (gates.length > 0) gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { inserts, release, store: { insertEvents, insertAlerts: async (_rows: readonly Alert[]) => undefined } };
}

const rows = (...ids: string[]) => ids.map((id) => ({ id }) as StoredEvent);

describe('groupInserts', () => {
  it('sends the first insert at once and the ones that arrive meanwhile together, as one INSERT', async () => {
    const s = slowStore();
    const g = groupInserts(s.store);
    const first = g.insertEvents(rows('a1', 'a2'));
    const second = g.insertEvents(rows('b1'));
    const third = g.insertEvents(rows('c1', 'c2'));
    expect(s.inserts).toEqual([['a1', 'a2']]);
    await s.release();
    expect(s.inserts).toEqual([['a1', 'a2'], ['b1', 'c1', 'c2']]);
    await s.release();
    await expect(Promise.all([first, second, third])).resolves.toBeDefined();
  });

  it('when a grouped INSERT is refused, sends each caller\'s rows again on their own: only the caller with the bad row fails', async () => {
    const s = slowStore();
    const g = groupInserts(s.store);
    const first = g.insertEvents(rows('a1'));
    const good = g.insertEvents(rows('b1', 'b2'));
    const bad = g.insertEvents(rows('c1', 'bad')).then(() => 'stored', (err: unknown) => String(err));
    for (let i = 0; i < 4; i++) await s.release();
    await expect(first).resolves.toBeUndefined();
    await expect(good).resolves.toBeUndefined();
    expect(await bad).toMatch(/bad row/);
    expect(s.inserts).toEqual([['a1'], ['b1', 'b2', 'c1', 'bad'], ['b1', 'b2'], ['c1', 'bad']]);
  });
});
