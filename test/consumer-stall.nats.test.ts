// A read of the event stream that stops receiving while events wait (seen
// once under load in a NATS cluster fail-over: a partition's consumer had
// delivered 7,800 events and held 1,307 more, nothing awaited an ack, and the
// engine never pulled again). The bus's watchdog ends such a read, and the
// reader resumes from its checkpoint on a re-created consumer: every event
// arrives, none is skipped.
//
// The stall is made on a real nats-server under nats.js: by discarding what
// its pull subscription receives (the server delivers into a pull that never
// arrives), then by removing that subscription (its pulls go nowhere).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { connectNats, type InboundMessage, type NatsBus } from '../engine/bus/index.ts';
import { pino } from 'pino';
import { silentLogger } from '../engine/log/index.ts';
import { readFromCheckpoint } from '../engine/pipeline/read-from-checkpoint.ts';
import { startNats, type NatsServer } from './harness/nats.ts';

let nats: NatsServer;
let nc: NatsConnection;
const buses: NatsBus[] = [];
const warnings: string[] = [];

/** A bus whose reads count as stalled after 1 s, logging its warnings into `warnings`. */
async function openBus(maxAckPending: number): Promise<NatsBus> {
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const bus = await connectNats({
    servers: nats.url, eventsStream: 'IOC_EVENTS', alertsStream: 'IOC_ALERTS', dlqStream: 'IOC_DLQ', consumer: 'stall-test',
    stateBucket: 'ioc_engine', eventsMaxAgeHours: 1, replicas: 1, maxAckPending, ackWaitSeconds: 30, stallSeconds: 1, log,
  });
  buses.push(bus);
  await bus.setup();
  return bus;
}

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url, noAsyncTraces: true });
});
afterAll(async () => {
  await nc?.close();
  for (const bus of buses) await bus.close();
  await nats?.destroy();
});

/** The plain `_INBOX.<id>` subscriptions of the bus's connection (nats.js internals: one per consume). */
function pullSubscriptions(bus: NatsBus): Subscription[] {
  const protocol = (bus.nc as unknown as { protocol: { subscriptions: { all(): Subscription[] } } }).protocol;
  return protocol.subscriptions.all().filter((s) => /^_INBOX\.[^.*>]+$/.test(s.getSubject()));
}

async function publish(from: number, count: number): Promise<void> {
  const js = nc.jetstream();
  for (let i = from; i < from + count; i++) await js.publish('ioc.events.water.level', JSON.stringify({ n: i }));
}

it('ends a read that stopped receiving while events wait, and resumes from the checkpoint without losing one', async () => {
  const bus = await openBus(1000);
  const seen: number[] = [];
  let checkpoint = 0;
  let last: InboundMessage | undefined;
  let reads = 0;
  const stop = new AbortController();
  const source = { stream: 'IOC_EVENTS', consumer: 'stall-test', filterSubject: 'ioc.events.>' };
  const reading = readFromCheckpoint({
    bus, source, batch: 10, maxInFlight: 1000, signal: stop.signal, log: silentLogger(),
    checkpoint: () => {
      reads++;
      return checkpoint;
    },
    onMessage: (m) => {
      seen.push((JSON.parse(new TextDecoder().decode(m.data)) as { n: number }).n);
      last = m;
      // Committed at once, as the pipeline does after its batch is stored.
      m.ack();
      checkpoint = m.seq;
    },
    settle: async () => {},
  });

  await publish(0, 20);
  await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(20);
  expect(last).toBeDefined();
  // Quiet with nothing waiting, then a new event delivered at once: not a stall.
  await new Promise((r) => setTimeout(r, 3_000));
  await publish(20, 1);
  await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(21);
  await new Promise((r) => setTimeout(r, 2_000));
  expect(reads).toBe(1);
  expect(warnings).toEqual([]);

  // The server delivers, but nothing reaches the read: it delivers every event into the lost pull, so none waits
  // undelivered (only its delivery count tells).
  let subs = pullSubscriptions(bus);
  expect(subs).toHaveLength(1);
  (subs[0] as Subscription & { callback: (err: unknown, msg: unknown) => void }).callback = () => {};
  await publish(21, 5);
  await expect.poll(() => seen.length, { timeout: 30_000 }).toBe(26);
  expect(reads).toBe(2);

  // The pull's subscription gone: the events wait undelivered.
  subs = pullSubscriptions(bus).filter((sub) => !sub.isClosed());
  expect(subs).toHaveLength(1);
  subs[0]!.unsubscribe();
  await publish(26, 29);
  await expect.poll(() => seen.length, { timeout: 30_000 }).toBe(55);
  expect(reads).toBe(3);

  expect(seen).toEqual(Array.from({ length: 55 }, (_, i) => i));
  expect(warnings.filter((w) => w.includes('stopped delivering although events wait'))).toHaveLength(2);

  stop.abort();
  await reading;
}, 60_000);

it('leaves alone a read whose events await acknowledgement (backpressure)', async () => {
  const bus = await openBus(5);
  const seen: InboundMessage[] = [];
  let reads = 0;
  const stop = new AbortController();
  const source = { stream: 'IOC_EVENTS', consumer: 'stall-held', filterSubject: 'ioc.events.>' };
  const before = warnings.length;
  const reading = readFromCheckpoint({
    bus, source, batch: 5, maxInFlight: 5, signal: stop.signal, log: silentLogger(),
    checkpoint: () => {
      reads++;
      return 0;
    },
    onMessage: (m) => void seen.push(m), // held, never acknowledged: the engine waiting on ClickHouse
    settle: async () => {},
  });
  // 50 events already in the stream, 5 handed over (max ack pending), none acknowledged: backpressure.
  await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(5);
  await new Promise((r) => setTimeout(r, 3_000)); // three times the stall limit
  expect(reads).toBe(1);
  expect(warnings.length).toBe(before);

  stop.abort();
  await reading;
}, 60_000);
