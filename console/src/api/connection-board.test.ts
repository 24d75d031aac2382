import { describe, expect, it } from 'vitest';
import { ConnectionBoard, type ConnectionSummary } from './connection-board.ts';

describe('ConnectionBoard', () => {
  it('shows the worst feed, and since when the data has been stale', () => {
    let now = 1_000;
    const board = new ConnectionBoard(() => now);
    const seen: ConnectionSummary[] = [];
    board.subscribe((s) => seen.push(s));
    expect(seen[0]).toMatchObject({ phase: 'connecting', staleSince: undefined });

    board.report('console', { phase: 'live', since: now });
    board.report('incidents', { phase: 'connecting', attempt: 0 });
    expect(board.summary().phase).toBe('connecting');
    board.report('incidents', { phase: 'live', since: now });
    expect(board.summary()).toMatchObject({ phase: 'live', staleSince: undefined });

    now = 5_000;
    board.report('incidents', { phase: 'reconnecting', attempt: 1, retryAt: 6_000, reason: 'fetch failed' });
    now = 5_500;
    board.report('console', { phase: 'reconnecting', attempt: 1, retryAt: 5_900, reason: 'engine closed' });
    expect(board.summary()).toMatchObject({ phase: 'reconnecting', staleSince: 5_000, retryAt: 5_900, reason: 'engine closed' });

    // Connecting again is not live yet: still stale since the first loss.
    board.report('console', { phase: 'connecting', attempt: 1 });
    board.report('incidents', { phase: 'live', since: 7_000 });
    expect(board.summary()).toMatchObject({ phase: 'connecting', staleSince: 5_500 });
    board.report('console', { phase: 'live', since: 7_100 });
    expect(board.summary()).toMatchObject({ phase: 'live', staleSince: undefined });
    expect(seen.at(-1)?.phase).toBe('live');
  });

  it('forgets a feed that was stopped and stops telling unsubscribed listeners', () => {
    const board = new ConnectionBoard(() => 0);
    let calls = 0;
    const off = board.subscribe(() => calls++);
    board.report('a', { phase: 'live', since: 0 });
    board.report('b', { phase: 'reconnecting', attempt: 1, retryAt: 10, reason: 'x' });
    board.remove('b');
    expect(board.summary().phase).toBe('live');
    off();
    board.report('a', { phase: 'connecting', attempt: 0 });
    expect(calls).toBe(4);
  });
});
