import { expect, it } from 'vitest';
import { MemoryOutbox } from './outbox.ts';
import { request } from './test-kit.ts';

it('adds an id once, lists pending oldest first, and refuses a delivered id until its retention ends', async () => {
  let now = 1000;
  const outbox = new MemoryOutbox({ now: () => now, retentionMs: 100 });
  const later = request({ createdAt: 20 });
  const earlier = request({ createdAt: 10 });
  expect(await outbox.add(later)).toBe(true);
  expect(await outbox.add(earlier)).toBe(true);
  expect(await outbox.add(later)).toBe(false);
  await outbox.attempted(later.id, 2, 5000);
  expect((await outbox.pending()).map((p) => [p.request.id, p.attempts, p.nextAt])).toEqual([
    [earlier.id, 0, 0],
    [later.id, 2, 5000],
  ]);
  await outbox.delivered(earlier.id);
  expect((await outbox.pending()).map((p) => p.request.id)).toEqual([later.id]);
  expect(await outbox.add(earlier)).toBe(false);
  now += 101;
  expect(await outbox.prune()).toBe(1);
  expect(await outbox.add(earlier)).toBe(true);
});
