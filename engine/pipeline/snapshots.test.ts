import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/index.ts';
import { SnapshotStore } from './snapshots.ts';

describe('SnapshotStore', () => {
  it('round-trips a large state in chunks and keeps only the current generation', async () => {
    const bus = new MemoryBus();
    const store = new SnapshotStore(bus.state, 'ioc-engine');
    expect(await store.load()).toBeUndefined();
    // Random-ish numbers compress poorly, so this spans several 256 KiB chunks.
    const big = { windows: Array.from({ length: 200_000 }, (_, i) => [i, Math.sin(i) * 1e6, `k${i}`]) };
    const bytes = await store.save({ seq: 41, state: big }, 1);
    expect(bytes).toBeGreaterThan(256 * 1024);
    await store.save({ seq: 42, state: { ...big, extra: 'ở Hà Nội' } }, 2);
    const loaded = await store.load();
    expect(loaded?.seq).toBe(42);
    expect(loaded?.state).toEqual({ ...big, extra: 'ở Hà Nội' });
    const chunks = [...(await bus.state.entries('snapshot-chunk.'))].map(([k]) => k);
    expect(chunks.every((k) => k.startsWith('snapshot-chunk.ioc-engine.2.'))).toBe(true);
  });

  it('keeps the previous snapshot when a save dies before the pointer flips', async () => {
    const bus = new MemoryBus();
    const store = new SnapshotStore(bus.state, 'c');
    await store.save({ seq: 7, state: { n: 7 } }, 1);
    const put = bus.state.put.bind(bus.state);
    bus.state.put = async (key, value) => {
      if (key === 'snapshot.c') throw new Error('crash');
      return put(key, value);
    };
    await expect(store.save({ seq: 8, state: { n: 8 } }, 2)).rejects.toThrow('crash');
    expect(await store.load()).toEqual({ seq: 7, state: { n: 7 } });
  });
});
