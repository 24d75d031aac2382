import { describe, expect, it } from 'vitest';
import { MemoryBoard } from './memory-board.ts';
import { PartitionOwnership, type RevokeReason } from './ownership.ts';

const LEASE = 6_000;
const P = 12;

/** A small cluster on one in-memory board, with a virtual clock. */
function cluster() {
  let now = 1_000_000;
  const board = new MemoryBoard(LEASE, () => now);
  const log: string[] = [];
  const members = new Map<string, PartitionOwnership>();
  const add = (id: string) => {
    const o = new PartitionOwnership({
      board,
      partitions: P,
      leaseMs: LEASE,
      clock: () => now,
      member: { id, host: 'test', pid: 1, startedAt: now },
      handlers: {
        assigned: async (p) => void log.push(`${id} +${p}`),
        revoked: async (p, why: RevokeReason) => void log.push(`${id} -${p} ${why}`),
      },
    });
    members.set(id, o);
    return o;
  };
  const rounds = async (ids: string[], n = 1) => {
    for (let i = 0; i < n; i++) for (const id of ids) await members.get(id)!.round();
  };
  const owned = (id: string) => members.get(id)!.owned();
  /** No partition in two live members' hands, and the board agrees with each holder. */
  const assertExclusive = async (ids: string[]) => {
    const seen = new Map<number, string>();
    for (const id of ids) for (const p of owned(id)) {
      expect(seen.get(p), `partition ${p} held by ${seen.get(p)} and ${id}`).toBeUndefined();
      seen.set(p, id);
    }
    const leases = await board.leases();
    for (const [p, id] of seen) expect(leases.get(p)?.owner).toBe(id);
    return seen;
  };
  return { board, log, add, rounds, owned, assertExclusive, advance: (ms: number) => void (now += ms) };
}

describe('PartitionOwnership', () => {
  it('splits the partitions fairly and exclusively among the members', async () => {
    const c = cluster();
    for (const id of ['a', 'b', 'c']) c.add(id);
    await c.rounds(['a', 'b', 'c'], 3);
    const holders = await c.assertExclusive(['a', 'b', 'c']);
    expect(holders.size).toBe(P);
    for (const id of ['a', 'b', 'c']) expect(c.owned(id)).toHaveLength(4);
  });

  it("moves a dead member's partitions to the survivors once its lease expires", async () => {
    const c = cluster();
    for (const id of ['a', 'b', 'c']) c.add(id);
    await c.rounds(['a', 'b', 'c'], 3);
    const cHad = c.owned('c');
    // c dies: it stops running rounds. Before its lease runs out nobody may take its partitions.
    c.advance(LEASE / 2);
    await c.rounds(['a', 'b']);
    expect(cHad.every((p) => !c.owned('a').includes(p) && !c.owned('b').includes(p))).toBe(true);
    for (let t = 0; t < 3; t++) {
      c.advance(2_000);
      await c.rounds(['a', 'b']);
    }
    const holders = await c.assertExclusive(['a', 'b']);
    expect(holders.size).toBe(P);
    expect(c.owned('a')).toHaveLength(6);
    expect(c.owned('b')).toHaveLength(6);
  });

  it('hands a fair share to a member that joins, each partition released before it is claimed', async () => {
    const c = cluster();
    c.add('a');
    c.add('b');
    await c.rounds(['a', 'b'], 2);
    c.add('c');
    // c announces itself; a and b give back what the new plan moves; c claims it on its next round.
    await c.rounds(['c', 'a', 'b', 'c']);
    await c.assertExclusive(['a', 'b', 'c']);
    expect(c.owned('c')).toHaveLength(4);
    const moves = c.log.filter((l) => l.startsWith('c +')).map((l) => Number(l.slice(3)));
    for (const p of moves) {
      const released = c.log.findIndex((l) => / -\d+ rebalanced$/.test(l) && l.endsWith(` -${p} rebalanced`));
      expect(released, `partition ${p} was released before c took it`).toBeGreaterThanOrEqual(0);
      expect(released).toBeLessThan(c.log.indexOf(`c +${p}`));
    }
  });

  it('tells a member that stalled past its lease that it lost its partitions', async () => {
    const c = cluster();
    for (const id of ['a', 'b']) c.add(id);
    await c.rounds(['a', 'b'], 2);
    const bHad = c.owned('b');
    c.advance(LEASE + 1);
    await c.rounds(['a']); // a takes everything while b is silent
    expect(c.owned('a')).toHaveLength(P);
    await c.rounds(['b']); // b wakes up: its renewals fail
    for (const p of bHad) expect(c.log).toContain(`b -${p} lost`);
    await c.rounds(['a', 'b'], 2); // and it gets its share back through the plan
    await c.assertExclusive(['a', 'b']);
    expect(c.owned('b')).toHaveLength(6);
  });

  it('counts its own leases as lost when a round comes later than the lease, before anyone else can claim them', async () => {
    const c = cluster();
    c.add('a');
    await c.rounds(['a']);
    expect(c.owned('a')).toHaveLength(P);
    c.advance(LEASE - 500); // past the safety margin, still before the board expires them
    expect(c.owned('a')).toEqual([]);
    expect((await c.board.leases()).size).toBe(P);
    await c.rounds(['a']);
    expect(c.log.filter((l) => l.endsWith(' lost'))).toHaveLength(P);
  });

  it('on stop, checkpoints and releases at once so the others need not wait for expiry', async () => {
    const c = cluster();
    const a = c.add('a');
    c.add('b');
    await c.rounds(['a', 'b'], 2);
    const aHad = a.owned();
    await a.stop();
    for (const p of aHad) expect(c.log).toContain(`a -${p} stopping`);
    await c.rounds(['b']);
    expect(c.owned('b')).toHaveLength(P);
  });

  it('gives a partition back when starting it fails, and retries it later', async () => {
    let now = 0;
    const board = new MemoryBoard(LEASE, () => now);
    let failOnce = true;
    const o = new PartitionOwnership({
      board, partitions: 2, leaseMs: LEASE, clock: () => now, member: { id: 'a', host: 'h', pid: 1, startedAt: 0 },
      handlers: {
        assigned: async (p) => { if (p === 1 && failOnce) { failOnce = false; throw new Error('checkpoint unreadable'); } },
        revoked: async () => undefined,
      },
    });
    await expect(o.round()).rejects.toThrow('checkpoint unreadable');
    expect((await board.leases()).has(1)).toBe(false);
    now += 1000;
    await o.round();
    expect(o.owned()).toEqual([0, 1]);
  });
});
