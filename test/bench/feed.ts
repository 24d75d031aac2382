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
 * Realistic events from the simulator, stamped at FEED_RATE per second of event
 * time so windows, absences and sequences see a believable city, ending a
 * minute before now; every `lateEvery`-th event is sent 40 s late (past the
 * default 30 s allowed lateness). `sensors` omitted: the simulator's default city.
 */
export function benchEvents(n: number, o: { sensors?: number; lateEvery?: number } = {}): IocEvent[] {
  const start = Date.now() - 60_000 - (n / FEED_RATE) * 1000;
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
