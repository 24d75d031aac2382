import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { ConfigError } from '../errors/index.ts';
import { apiLimits, callDeadline, IngestLimits, parsePerPrincipal, RateLimiter, RetryLaterError } from './limits.ts';
import { toGrpcStatus } from './status.ts';

/** A clock the test moves by hand. */
function virtualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) };
}

describe('RateLimiter (virtual time)', () => {
  it('lets a burst through, then refuses with the exact wait, and refills at the rate', () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ rate: { eventsPerSecond: 10, burst: 20 }, maxKeys: 100, now: clock.now });
    expect(limiter.take('gw', 20)).toEqual({ kind: 'ok' });
    // Empty: 5 tokens take 500 ms at 10/s.
    expect(limiter.take('gw', 5)).toMatchObject({ kind: 'wait', retryAfterMs: 500 });
    clock.advance(499);
    expect(limiter.take('gw', 5)).toMatchObject({ kind: 'wait', retryAfterMs: 1 });
    clock.advance(1);
    expect(limiter.take('gw', 5)).toEqual({ kind: 'ok' });
    // A refused take costs nothing: after 2 s the bucket is full again, not more.
    clock.advance(10_000);
    expect(limiter.take('gw', 20)).toEqual({ kind: 'ok' });
    expect(limiter.take('gw', 1)).toMatchObject({ kind: 'wait', retryAfterMs: 100 });
  });

  it('keeps one bucket per key: one key drained does not refuse another', () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ rate: { eventsPerSecond: 1, burst: 3 }, maxKeys: 100, now: clock.now });
    expect(limiter.take('flood', 3).kind).toBe('ok');
    expect(limiter.take('flood', 1).kind).toBe('wait');
    expect(limiter.take('quiet', 3).kind).toBe('ok');
  });

  it('uses a per-key override, where 0 means no limit', () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({
      rate: { eventsPerSecond: 1, burst: 1 },
      overrides: new Map([['big', { eventsPerSecond: 1000, burst: 5000 }], ['free', { eventsPerSecond: 0, burst: 1 }]]),
      maxKeys: 100,
      now: clock.now,
    });
    expect(limiter.take('big', 5000).kind).toBe('ok');
    expect(limiter.take('big', 1000)).toMatchObject({ kind: 'wait', retryAfterMs: 1000 });
    for (let i = 0; i < 100; i++) expect(limiter.take('free', 1_000_000).kind).toBe('ok');
    expect(limiter.take('other', 2)).toMatchObject({ kind: 'never', rate: { burst: 1 } });
  });

  it('forgets buckets that have refilled (they equal new ones), so idle principals cost nothing', () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ rate: { eventsPerSecond: 10, burst: 10 }, maxKeys: 1000, now: clock.now });
    for (let i = 0; i < 100; i++) limiter.take(`p-${i}`, 1);
    expect(limiter.size).toBe(100);
    clock.advance(99);
    limiter.take('late', 1);
    expect(limiter.size).toBe(101);
    clock.advance(1); // p-* are full again; 'late' is not
    limiter.take('next', 1);
    expect(limiter.size).toBe(2);
  });

  it('never holds more buckets than maxKeys, however many principals come', () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ rate: { eventsPerSecond: 10, burst: 10 }, maxKeys: 3, now: clock.now });
    for (let i = 0; i < 1000; i++) {
      limiter.take(`p-${i}`, 1);
      clock.advance(1);
      expect(limiter.size).toBeLessThanOrEqual(3);
    }
  });

  it('forgets the least recently used bucket when every bucket is in use', () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ rate: { eventsPerSecond: 1, burst: 5 }, maxKeys: 2, now: clock.now });
    limiter.take('a', 5);
    limiter.take('b', 5);
    limiter.take('a', 0);
    limiter.take('c', 5); // evicts b (least recently used), not a
    expect(limiter.size).toBe(2);
    expect(limiter.take('a', 1).kind).toBe('wait');
    expect(limiter.take('b', 5).kind).toBe('ok'); // b starts again with a full bucket
  });

  it('refills nothing when the clock steps back, and drains nothing either', () => {
    const clock = virtualClock(10_000);
    const limiter = new RateLimiter({ rate: { eventsPerSecond: 10, burst: 10 }, maxKeys: 10, now: clock.now });
    limiter.take('gw', 5);
    clock.set(5_000);
    expect(limiter.take('gw', 5).kind).toBe('ok');
    expect(limiter.take('gw', 1).kind).toBe('wait');
  });
});

describe('IngestLimits', () => {
  const limits = { ingest: { eventsPerSecond: 100, burst: 200 }, perPrincipal: new Map(), maxPrincipals: 10, maxBatchEvents: 150 };

  it('refuses a batch over maxBatchEvents without a retry hint, whatever the bucket holds', () => {
    const ingest = new IngestLimits(limits, virtualClock().now);
    expect(ingest.admit('gw', 151)).toEqual({ message: 'a batch of 151 events is over the limit of 150 (limits.maxBatchEvents); send smaller batches' });
    expect(ingest.admit('gw', 150)).toBeUndefined();
  });

  it('refuses over the rate with the wait in the message and as a number', () => {
    const clock = virtualClock();
    const ingest = new IngestLimits(limits, clock.now);
    expect(ingest.admit('gw', 150)).toBeUndefined();
    expect(ingest.admit('gw', 50)).toBeUndefined();
    const r = ingest.admit('gw', 25);
    expect(r).toEqual({ message: 'gw is over its ingest rate of 100 events/s with bursts of 200; retry in 250 ms', retryAfterMs: 250 });
    clock.advance(250);
    expect(ingest.admit('gw', 25)).toBeUndefined();
    expect(ingest.admit('other', 150)).toBeUndefined();
  });

  it('says when a batch can never fit the principal\'s burst', () => {
    const ingest = new IngestLimits({ ...limits, perPrincipal: new Map([['tiny', { eventsPerSecond: 1, burst: 10 }]]) }, virtualClock().now);
    expect(ingest.admit('tiny', 11)?.message).toBe("a batch of 11 events is more than tiny's ingest burst (1 events/s with bursts of 10); send batches of at most 10");
    expect(ingest.admit('tiny', 11)?.retryAfterMs).toBeUndefined();
  });
});

describe('limits configuration', () => {
  it('reads per-principal overrides, with the burst twice the rate when absent', () => {
    expect(parsePerPrincipal(' traffic-gw=5000:20000, hotline=50 ,,free=0')).toEqual(new Map([
      ['traffic-gw', { eventsPerSecond: 5000, burst: 20000 }],
      ['hotline', { eventsPerSecond: 50, burst: 100 }],
      ['free', { eventsPerSecond: 0, burst: 1 }],
    ]));
    expect(parsePerPrincipal('')).toEqual(new Map());
  });

  it('says which item is wrong and why', () => {
    expect(() => parsePerPrincipal('a=1, b=fast')).toThrow(ConfigError);
    expect(() => parsePerPrincipal('a=1, b=fast')).toThrow('limits.ingestPerPrincipal item 2 "b=fast" must read name=eventsPerSecond or name=eventsPerSecond:burst');
    expect(() => parsePerPrincipal('a=1,a=2')).toThrow('limits.ingestPerPrincipal names a twice');
    expect(() => parsePerPrincipal('a=1:0')).toThrow('burst must be at least 1');
  });

  it('comes from the limits.* keys and their IOC_LIMITS_* variables', () => {
    const config = loadConfig({ env: { IOC_LIMITS_INGEST_EVENTS_PER_SECOND: '7', IOC_LIMITS_INGEST_PER_PRINCIPAL: 'gw=9:18', IOC_LIMITS_CALL_TIMEOUT_MS: '1500' }, cwd: '/nonexistent' });
    const limits = apiLimits(config);
    expect(limits).toMatchObject({ ingest: { eventsPerSecond: 7, burst: 10_000 }, maxBatchEvents: 1000, maxMessageBytes: 4 * 1024 * 1024, callTimeoutMs: 1500 });
    expect(limits.perPrincipal.get('gw')).toEqual({ eventsPerSecond: 9, burst: 18 });
    expect(() => loadConfig({ env: { IOC_LIMITS_MAX_MESSAGE_BYTES: '10' }, cwd: '/nonexistent' })).toThrow('IOC_LIMITS_MAX_MESSAGE_BYTES: limits.maxMessageBytes must be at least 1024, got 10');
  });
});

describe('deadlines and statuses', () => {
  it('takes the client\'s deadline when shorter than the server\'s limit, else the limit', () => {
    expect(callDeadline(500, 30_000)).toEqual({ ms: 500, message: 'deadline of 500 ms exceeded' });
    expect(callDeadline(60_000, 30_000)).toEqual({ ms: 30_000, message: "the call ran past the server's limit of 30000 ms (limits.callTimeoutMs)" });
    expect(callDeadline(undefined, 30_000)?.ms).toBe(30_000);
    expect(callDeadline(800)).toEqual({ ms: 800, message: 'deadline of 800 ms exceeded' });
    expect(callDeadline(undefined)).toBeUndefined();
  });

  it('sends the retry hint as a retry-after-ms trailer with RESOURCE_EXHAUSTED', () => {
    expect(toGrpcStatus(new RetryLaterError('gw is over its ingest rate', 250))).toEqual({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      message: 'gw is over its ingest rate',
      trailers: { 'retry-after-ms': '250' },
    });
  });
});
