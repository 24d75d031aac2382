// The benchmark's input, shared by its scripts (run.ts, variants.ts and
// engine/incidents/bench/alert-changes.ts): the simulated Hanoi feed at a
// fixed event-time pace with a share of late events, and the publishing of
// it into IOC_EVENTS as an outside sender would.

import { nanos, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { eventKey, type IocEvent } from '../../engine/events/index.ts';
import { HanoiFeed, sensorCountsForTotal } from '../../engine/sim/index.ts';

/** Event-time pace of the generated feed: about one reading per sensor every 50 s (10,000 sensors). */
export const FEED_RATE = 200;

/**
 * Hanoi (UTC+7) hour the feed ends at: an ordinary afternoon. Feeds of 25
 * minutes ending at most hours make about 10,000 alert changes with the
 * bench's 100 rules; one ending at 18:00 (the evening rush) three times as many.
 */
const END_HOUR_HANOI = 14;

/**
 * Where the feed ends: the latest 14:00 in Hanoi at least a minute ago. The
 * simulator follows the hour of the day (rush hours, smog), so a feed that
 * ended at "now" made half or twice the alerts depending on when the bench
 * ran (10,600 to 21,700 alert changes over 300,000 events in one day's runs,
 * ratios 0.19 to 0.30).
 */
export function benchFeedEnd(now = Date.now()): number {
  const day = 86_400_000;
  const endUtcHour = (END_HOUR_HANOI - 7 + 24) % 24;
  let end = Math.floor(now / day) * day + endUtcHour * 3_600_000;
  while (end > now - 60_000) end -= day;
  return end;
}

/**
 * Realistic events from the simulator, stamped at FEED_RATE per second of event
 * time so windows, absences and sequences see a believable city, ending at
 * the same hour of the day whenever the bench runs (`benchFeedEnd`); every
 * `lateEvery`-th event is sent 40 s late (past the default 30 s allowed
 * lateness). `sensors` omitted: the simulator's default city.
 */
export function benchEvents(n: number, o: { sensors?: number; lateEvery?: number } = {}): IocEvent[] {
  const start = benchFeedEnd() - (n / FEED_RATE) * 1000;
  const feed = new HanoiFeed({ start, seed: 42, ...(o.sensors ? { sensors: sensorCountsForTotal(o.sensors) } : {}) });
  const lateEvery = o.lateEvery ?? 0;
  const out: IocEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 20 === 0) feed.advance(start + (i * 1000) / FEED_RATE);
    const e = feed.next();
    if (lateEvery > 0 && i % lateEvery === lateEvery - 1) e.time -= 40_000;
    out[i] = e;
  }
  return out;
}

/** Creates IOC_EVENTS and publishes the events into it, 2,000 in flight; resolves with the rate (events/s). */
export async function publishEvents(nc: NatsConnection, events: readonly IocEvent[]): Promise<number> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'IOC_EVENTS', subjects: ['ioc.events.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: nanos(120_000) });
  const js = nc.jetstream();
  const t = performance.now();
  const pending: Promise<unknown>[] = [];
  for (const e of events) {
    pending.push(js.publish(`ioc.events.${e.type}`, JSON.stringify(e), { msgID: eventKey(e) }));
    if (pending.length >= 2000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return events.length / ((performance.now() - t) / 1000);
}
