import { describe, expect, it } from 'vitest';
import type { FeedUpdate } from '../state/index.ts';
import { ConsoleFeed, type Clock, type Connection, type WatchFn } from './console-feed.ts';

const snapshot = (seq: number): FeedUpdate => ({ kind: 'snapshot', seq, mode: 'embedded', sensors: [], alerts: [] });
const sensorUpdate = (seq: number): FeedUpdate => ({
  kind: 'sensor', seq, sensor: { source: 's', type: 't', zone: 'z', unit: '', time: 0 },
});

/** Virtual time: sleeping only moves the clock forward. */
function virtualClock(): Clock & { slept: number[] } {
  let now = 1_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** Resolves when `signal` aborts, even if it already has. */
const aborted = (signal: AbortSignal) =>
  new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', resolve, { once: true })));

/** Each call to watch() plays the next scripted session; the last one blocks until aborted. */
function scripted(sessions: ((signal: AbortSignal) => AsyncIterable<FeedUpdate>)[], done: () => void): WatchFn {
  let n = 0;
  return (signal) => {
    const session = sessions[n++];
    if (session) return session(signal);
    done();
    return (async function* () {
      await aborted(signal);
    })();
  };
}

describe('ConsoleFeed', () => {
  it('reconnects with backoff, restarts from a snapshot, and resets the backoff once live', async () => {
    const clock = virtualClock();
    const states: Connection[] = [];
    const applied: string[] = [];
    let feed: ConsoleFeed | undefined;
    const watch = scripted([
      // 1: the engine is down
      async function* () { throw new Error('fetch failed'); },
      // 2: still down
      async function* () { throw new Error('fetch failed'); },
      // 3: up; a snapshot, one update, then a gap
      async function* () { yield snapshot(5); yield sensorUpdate(6); yield sensorUpdate(8); },
      // 4: a fresh snapshot, then the engine closes the stream
      async function* () { yield snapshot(20); },
    ], () => feed?.stop());
    feed = new ConsoleFeed({
      watch,
      clock,
      backoff: { delay: (attempt) => 100 * 2 ** attempt },
      onConnection: (c) => states.push(c),
      onUpdate: (u) => {
        applied.push(`${u.kind}:${u.seq}`);
        return u.seq === 8 ? 'resync' : 'ok';
      },
    });
    await feed.start();

    expect(applied).toEqual(['snapshot:5', 'sensor:6', 'sensor:8', 'snapshot:20']);
    expect(clock.slept).toEqual([100, 200, 100, 100]);
    expect(states.map((s) => s.phase)).toEqual([
      'connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting', 'live', 'reconnecting',
      'connecting', 'live', 'reconnecting', 'connecting',
    ]);
    expect(states[1]).toEqual({ phase: 'reconnecting', attempt: 1, retryAt: 1_100, reason: 'fetch failed' });
    expect(states[6]).toMatchObject({ phase: 'reconnecting', reason: 'updates were missed; reloading the snapshot' });
    expect(states[9]).toMatchObject({ phase: 'reconnecting', reason: 'the engine closed the stream' });
  });

  it('refuses a stream that does not start with a snapshot', async () => {
    const states: Connection[] = [];
    let feed: ConsoleFeed | undefined;
    feed = new ConsoleFeed({
      watch: scripted([async function* () { yield sensorUpdate(1); }], () => feed?.stop()),
      clock: virtualClock(),
      onConnection: (c) => states.push(c),
      onUpdate: () => { throw new Error('must not be called'); },
    });
    await feed.start();
    expect(states[1]).toMatchObject({ phase: 'reconnecting', reason: 'the stream did not start with a snapshot' });
  });

  it('aborts the open stream when stopped', async () => {
    let seen: AbortSignal | undefined;
    const feed = new ConsoleFeed({
      watch: (signal) => {
        seen = signal;
        return (async function* () {
          yield snapshot(1);
          await aborted(signal);
        })();
      },
      clock: virtualClock(),
      onConnection: (c) => { if (c.phase === 'live') queueMicrotask(() => feed.stop()); },
      onUpdate: () => 'ok',
    });
    await feed.start();
    expect(seen?.aborted).toBe(true);
  });
});
