// The fault suite's steady feed: deterministic water-level readings published
// to JetStream at a fixed pace, each with its `Nats-Msg-Id`. An event counts
// as accepted only once JetStream acknowledged it; a publish that fails (NATS
// down, a timeout) is retried in order with the same id until it is, so the
// stream's order is the feed's order and a retry that JetStream had in fact
// stored comes back as a duplicate, counted once.

import { connect, type JetStreamClient, type NatsConnection } from 'nats';

/** Gauges in the feed; their readings interleave, one per `STEP_MS` of event time. */
export const SOURCES = 20;
export const ZONES = ['hoang-mai', 'cau-giay', 'long-bien', 'hoan-kiem'] as const;
/** Event time between two consecutive events of the feed (any source). */
export const STEP_MS = 20;

export interface FeedEvent {
  id: string;
  type: 'water.level';
  source: string;
  time: number;
  value: number;
  unit: 'm';
  zone: string;
}

/**
 * Event `i` of a feed whose event time starts at `t0`: a function of `i` alone,
 * so the expected alerts follow from the accepted indices. Each gauge rides a
 * slow wave (what the windowed rule averages) and now and then spends 30
 * readings above the critical level (what the threshold rule sees).
 */
export function feedEvent(t0: number, i: number): FeedEvent {
  const s = i % SOURCES;
  const k = Math.floor(i / SOURCES);
  const wave = 1.2 + 0.6 * Math.sin((2 * Math.PI * (k + 37 * s)) / 1800);
  const critical = (k + 13 * s) % 400 < 30;
  const value = Math.round((critical ? wave + 1.1 : wave) * 100) / 100;
  return { id: `f-${i}`, type: 'water.level', source: `wl-fault-${s}`, time: t0 + i * STEP_MS, value, unit: 'm', zone: ZONES[s % ZONES.length]! };
}

export interface FeedStats {
  /** Events JetStream acknowledged (each once). */
  accepted: number;
  /** Of those, acknowledged as duplicates of an earlier publish that had been stored without our seeing its ack. */
  duplicateAcks: number;
  /** Publishes that failed and were sent again. */
  retries: number;
}

export interface Feed {
  readonly stats: FeedStats;
  /** Stops after the batch in hand is acknowledged; resolves with the accepted count. */
  stop(): Promise<number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes `perTick` events every `tickMs` until stopped, on its own
 * connection (reconnecting forever, so a NATS restart only pauses it).
 */
export async function startFeed(opts: { url: string; t0: number; perTick: number; tickMs: number }): Promise<Feed> {
  const nc: NatsConnection = await connect({ servers: opts.url, noAsyncTraces: true, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const js: JetStreamClient = nc.jetstream({ timeout: 2000 });
  const stats: FeedStats = { accepted: 0, duplicateAcks: 0, retries: 0 };
  let running = true;
  const publish = (i: number) => {
    const e = feedEvent(opts.t0, i);
    return js.publish(`ioc.events.${e.type}`, JSON.stringify(e), { msgID: `${e.source}/${e.id}` });
  };
  const loop = (async () => {
    let next = 0;
    while (running) {
      const started = Date.now();
      const batch = Array.from({ length: opts.perTick }, (_, j) => next + j);
      next += opts.perTick;
      // Sent together (in order on the one connection); failures are retried one by one, in order.
      const results = await Promise.allSettled(batch.map(publish));
      for (let j = 0; j < batch.length; j++) {
        let r = results[j]!;
        while (r.status === 'rejected') {
          stats.retries++;
          await sleep(200);
          r = await publish(batch[j]!).then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason }));
        }
        stats.accepted++;
        if (r.value.duplicate) stats.duplicateAcks++;
      }
      await sleep(Math.max(0, opts.tickMs - (Date.now() - started)));
    }
  })();
  return {
    stats,
    stop: async () => {
      running = false;
      await loop;
      await nc.close();
      return stats.accepted;
    },
  };
}
