// Limits on what one caller may ask of the API: a token bucket of ingest events
// per principal, the most events in one batch, and the longest a unary call may
// run. It must never queue or slow a caller down: over a limit it says no at
// once, with how long to wait when waiting helps (docs/limits.md, decision 0522).

import type { Config } from '../config/index.ts';
import { ConfigError, ResourceExhaustedError } from '../errors/index.ts';

/** A token bucket: `eventsPerSecond` refill, at most `burst` events at once. */
export interface IngestRate {
  /** 0 = no limit. */
  eventsPerSecond: number;
  burst: number;
}

/** Every limit of the API, from the `limits.*` configuration keys. */
export interface ApiLimits {
  /** The bucket every principal gets unless `perPrincipal` names it. */
  ingest: IngestRate;
  perPrincipal: ReadonlyMap<string, IngestRate>;
  /** Buckets kept at most; idle (full) ones are forgotten first. */
  maxPrincipals: number;
  maxBatchEvents: number;
  /** Largest request message on either transport. */
  maxMessageBytes: number;
  /** Longest a unary call may run, whatever the client's own deadline. */
  callTimeoutMs: number;
  /** Open connections to the HTTP port at most. */
  maxConnections: number;
  /** Concurrent calls on one native gRPC (HTTP/2) connection at most. */
  maxStreamsPerConnection: number;
}

/** Over a limit that waiting lifts: carries the wait, sent as the `retry-after-ms` trailer. */
export class RetryLaterError extends ResourceExhaustedError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The trailer (native gRPC) / header (gRPC-web) that tells a refused caller when to come back. */
export const RETRY_AFTER_TRAILER = 'retry-after-ms';

const OVERRIDE = /^([A-Za-z0-9._@-]{1,64})=(\d+)(?::(\d+))?$/;

/**
 * Reads `limits.ingestPerPrincipal`: `name=eventsPerSecond[:burst]`, comma-separated.
 * A missing burst is twice the rate (at least the default burst's floor of 1).
 *
 * @example parsePerPrincipal('traffic-gw=5000:20000, hotline=50').get('hotline') // { eventsPerSecond: 50, burst: 100 }
 */
export function parsePerPrincipal(text: string): Map<string, IngestRate> {
  const out = new Map<string, IngestRate>();
  for (const [i, raw] of text.split(',').entries()) {
    const item = raw.trim();
    if (item === '') continue;
    const m = OVERRIDE.exec(item);
    if (!m) throw new ConfigError(`limits.ingestPerPrincipal item ${i + 1} "${item}" must read name=eventsPerSecond or name=eventsPerSecond:burst (e.g. traffic-gw=5000:20000)`);
    const [, name, rate, burst] = m;
    if (out.has(name!)) throw new ConfigError(`limits.ingestPerPrincipal names ${name} twice`);
    const eventsPerSecond = Number(rate);
    const b = burst === undefined ? Math.max(1, 2 * eventsPerSecond) : Number(burst);
    if (b < 1) throw new ConfigError(`limits.ingestPerPrincipal item "${item}": burst must be at least 1`);
    out.set(name!, { eventsPerSecond, burst: b });
  }
  return out;
}

/** The API limits of a configuration; ConfigError names the key at fault. */
export function apiLimits(config: Pick<Config, 'limits.ingestEventsPerSecond' | 'limits.ingestBurst' | 'limits.ingestPerPrincipal' | 'limits.ingestMaxPrincipals' | 'limits.maxBatchEvents' | 'limits.maxMessageBytes' | 'limits.callTimeoutMs' | 'limits.maxConnections' | 'limits.maxStreamsPerConnection'>): ApiLimits {
  return {
    ingest: { eventsPerSecond: config['limits.ingestEventsPerSecond'], burst: config['limits.ingestBurst'] },
    perPrincipal: parsePerPrincipal(config['limits.ingestPerPrincipal']),
    maxPrincipals: config['limits.ingestMaxPrincipals'],
    maxBatchEvents: config['limits.maxBatchEvents'],
    maxMessageBytes: config['limits.maxMessageBytes'],
    callTimeoutMs: config['limits.callTimeoutMs'],
    maxConnections: config['limits.maxConnections'],
    maxStreamsPerConnection: config['limits.maxStreamsPerConnection'],
  };
}

/** What a bucket says to a request for `n` tokens. */
export type Take =
  | { kind: 'ok' }
  | { kind: 'wait'; retryAfterMs: number; rate: IngestRate }
  /** `n` is more than the bucket ever holds: waiting cannot help. */
  | { kind: 'never'; rate: IngestRate };

interface Bucket {
  tokens: number;
  at: number;
  rate: IngestRate;
}

/**
 * Token buckets by key, in one Map kept in least-recently-used order. A bucket
 * that has refilled to its burst is the same as a new one, so least recently
 * used buckets are forgotten as soon as they are full, at no cost to anyone;
 * at `maxKeys` the least recently used goes even when not full (that key then
 * starts again with a full burst).
 *
 * @example
 * const limiter = new RateLimiter({ rate: { eventsPerSecond: 100, burst: 200 }, maxKeys: 10_000 });
 * limiter.take('traffic-gw', 50) // { kind: 'ok' }
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly o: { rate: IngestRate; overrides?: ReadonlyMap<string, IngestRate>; maxKeys: number; now?: () => number }) {
    this.now = o.now ?? Date.now;
  }

  /** Buckets held now (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes `n` tokens from `key`'s bucket, all or none. */
  take(key: string, n: number): Take {
    const rate = this.o.overrides?.get(key) ?? this.o.rate;
    if (rate.eventsPerSecond <= 0) return { kind: 'ok' };
    if (n > rate.burst) return { kind: 'never', rate };
    const now = this.now();
    const bucket = this.refilled(key, rate, now);
    // Re-inserted on every use, so the Map's first entries are the least recently used.
    this.buckets.delete(key);
    this.evict(now);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= n) {
      bucket.tokens -= n;
      return { kind: 'ok' };
    }
    return { kind: 'wait', retryAfterMs: Math.max(1, Math.ceil(((n - bucket.tokens) * 1000) / rate.eventsPerSecond)), rate };
  }

  private refilled(key: string, rate: IngestRate, now: number): Bucket {
    const b = this.buckets.get(key);
    if (b === undefined) return { tokens: rate.burst, at: now, rate };
    // A clock that steps back refills nothing rather than draining the bucket.
    b.tokens = Math.min(rate.burst, b.tokens + (Math.max(0, now - b.at) * rate.eventsPerSecond) / 1000);
    b.at = Math.max(b.at, now);
    return b;
  }

  /** Makes room for one more bucket: least recently used first, while they are full or the Map is at its bound. */
  private evict(now: number): void {
    for (const [key, b] of this.buckets) {
      const full = b.tokens + (Math.max(0, now - b.at) * b.rate.eventsPerSecond) / 1000 >= b.rate.burst;
      if (!full && this.buckets.size < this.o.maxKeys) return;
      this.buckets.delete(key);
    }
  }
}

/** Why a Publish request message is refused; the caller adds what the call achieved so far. */
export interface IngestRefusal {
  message: string;
  /** Present when waiting lifts the refusal. */
  retryAfterMs?: number;
}

/**
 * The ingest side of the limits: the batch size, then the principal's bucket.
 * Checked per request message of `ioc.v1.Ingest/Publish`, before its events are read.
 *
 * @example
 * const ingest = new IngestLimits(apiLimits(config));
 * const refusal = ingest.admit(ctx.principal?.name ?? 'anonymous', events.length, isBatch);
 */
export class IngestLimits {
  private readonly limiter: RateLimiter;

  constructor(private readonly limits: Pick<ApiLimits, 'ingest' | 'perPrincipal' | 'maxPrincipals' | 'maxBatchEvents'>, now?: () => number) {
    this.limiter = new RateLimiter({ rate: limits.ingest, overrides: limits.perPrincipal, maxKeys: limits.maxPrincipals, ...(now ? { now } : {}) });
  }

  /** Buckets held now. */
  get principals(): number {
    return this.limiter.size;
  }

  admit(principal: string, events: number): IngestRefusal | undefined {
    if (events > this.limits.maxBatchEvents) {
      return { message: `a batch of ${events} events is over the limit of ${this.limits.maxBatchEvents} (limits.maxBatchEvents); send smaller batches` };
    }
    if (events === 0) return undefined;
    const t = this.limiter.take(principal, events);
    if (t.kind === 'ok') return undefined;
    const rate = `${t.rate.eventsPerSecond} events/s with bursts of ${t.rate.burst}`;
    if (t.kind === 'never') return { message: `a batch of ${events} events is more than ${principal}'s ingest burst (${rate}); send batches of at most ${t.rate.burst}` };
    return { message: `${principal} is over its ingest rate of ${rate}; retry in ${t.retryAfterMs} ms`, retryAfterMs: t.retryAfterMs };
  }
}

/** What a call's deadline is, and what to say when it passes. */
export interface Deadline {
  ms: number;
  message: string;
}

/**
 * A call's deadline: the client's `grpc-timeout` when it is shorter than the
 * server's maximum (unary calls only; streams pass no maximum), else the maximum.
 *
 * @example callDeadline(undefined, 30_000)?.message // "the call ran past the server's limit of 30000 ms (limits.callTimeoutMs)"
 */
export function callDeadline(clientMs: number | undefined, serverMaxMs?: number): Deadline | undefined {
  if (clientMs !== undefined && (serverMaxMs === undefined || clientMs <= serverMaxMs)) return { ms: clientMs, message: `deadline of ${clientMs} ms exceeded` };
  if (serverMaxMs === undefined) return undefined;
  return { ms: serverMaxMs, message: `the call ran past the server's limit of ${serverMaxMs} ms (limits.callTimeoutMs)` };
}
