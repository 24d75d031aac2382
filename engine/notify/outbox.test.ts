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

it('lets one owner at a time claim a pending notification, until its claim runs out or the notification is done', async () => {
  let now = 1000;
  const outbox = new MemoryOutbox({ now: () => now });
  const req = request();
  await outbox.add(req);
  expect(await outbox.claim(req.id, 'a', 2000)).toEqual({ kind: 'claimed' });
  expect(await outbox.claim(req.id, 'b', 2500)).toEqual({ kind: 'taken', until: 2000 });
  expect(await outbox.claim(req.id, 'a', 3000)).toEqual({ kind: 'claimed' }); // its own claim, renewed
  now = 3001; // a's claim ran out: a died mid-attempt
  expect(await outbox.claim(req.id, 'b', 4000)).toEqual({ kind: 'claimed' });
  await outbox.attempted(req.id, 1, 0); // a failed attempt ends the claim
  expect(await outbox.claim(req.id, 'a', 5000)).toEqual({ kind: 'claimed' });
  await outbox.delivered(req.id);
  expect(await outbox.claim(req.id, 'b', 6000)).toEqual({ kind: 'done' });
});
