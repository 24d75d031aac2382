// The router: with scale-out on, one process at a time (the holder of the
// router slot) reads IOC_EVENTS, decodes and validates each event, derives
// its zone, and republishes its original bytes on
// `ioc.part.<partition>.<type>`, where the partition's owner reads it. Publishers keep publishing on
// `ioc.events.<type>` and never learn the partition count.
//
// Delivery: a batch of routed publishes (each with the event's key as
// Nats-Msg-Id, so a re-route after a crash is dropped by JetStream's
// duplicate window) is made durable, then the router's checkpoint is saved,
// then the batch acknowledged — the same order as the pipeline's commits.

import type { Bus, EventSource, InboundMessage } from '../bus/index.ts';
import { errorMessage } from '../errors/index.ts';
import { eventKey, type ValidateOptions } from '../events/index.ts';
import type { ZoneLocator } from '../geo/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { checkpointKey, decodeMessage, readFromCheckpoint, retrying, StoppedError, type RetryPolicy } from '../pipeline/index.ts';
import { partitionOf } from './partition.ts';

export interface RouterOptions {
  bus: Bus;
  zones: ZoneLocator;
  validate: ValidateOptions;
  partitions: number;
  /** Where the router reads: IOC_EVENTS with the router's own durable consumer. */
  source: EventSource;
  batch: number;
  maxAckPending: number;
  /** Longest a routed batch waits before it is committed. */
  flushMs: number;
  retryMaxMs: number;
  metrics: Metrics;
  log: Logger;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The subject a routed event is published on. */
export function partitionSubject(partition: number, type: string): string {
  return `ioc.part.${partition}.${type}`;
}

/** The router's durable consumer on IOC_EVENTS. */
export const ROUTER_CONSUMER = 'ioc-router';
/** The city-wide rules' durable consumer on IOC_EVENTS. */
export const CITY_CONSUMER = 'ioc-city';

/** The consumer source of one partition on the routed stream. */
export function partitionSource(stream: string, partition: number): EventSource {
  return { stream, consumer: `ioc-engine-p${partition}`, filterSubject: `ioc.part.${partition}.>` };
}

export class Router {
  private readonly stopReading = new AbortController();
  private readonly abort = new AbortController();
  private pending: Promise<unknown>[] = [];
  private last: InboundMessage | undefined;
  private lastSeq = 0;
  private checkpoint = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private commits: Promise<void> = Promise.resolve();
  private read = 0;
  private committed = 0;
  private running: Promise<void> | undefined;
  failure: Error | undefined;

  constructor(private readonly o: RouterOptions) {}

  private get key(): string {
    return checkpointKey(this.o.source.consumer);
  }

  async start(): Promise<void> {
    const saved = await this.o.bus.state.get(this.key);
    this.checkpoint = saved ? Number(decoder.decode(saved)) || 0 : 0;
    this.o.log.info({ from: this.checkpoint + 1, partitions: this.o.partitions }, 'routing events to partitions');
    this.running = this.loop();
  }

  private loop(): Promise<void> {
    return readFromCheckpoint({
      bus: this.o.bus,
      source: this.o.source,
      batch: this.o.batch,
      maxInFlight: this.o.maxAckPending,
      signal: this.stopReading.signal,
      checkpoint: () => this.checkpoint,
      onMessage: (m) => this.route(m),
      settle: async () => {
        this.flush();
        await this.commits.catch(() => undefined);
      },
      log: this.o.log,
    });
  }

  /** One message: decoded, its partition found, published there (or dead-lettered); committed with its batch. */
  private route(m: InboundMessage): void {
    this.read++;
    if (m.seq <= this.lastSeq) return; // redelivered while we held it
    this.lastSeq = m.seq;
    const data = m.data;
    const decoded = decodeMessage(m, this.o.validate, this.o.zones);
    const policy = this.policy();
    if (!decoded.ok) {
      this.o.metrics.eventsRejected.labels(decoded.rejection.reason, 'nats').inc();
      const letter = { rejection: decoded.rejection, subject: m.subject, data, contentType: m.contentType };
      this.pending.push(retrying('dead letter', () => this.o.bus.publishDeadLetter(letter), policy));
    } else {
      const e = decoded.event;
      const partition = partitionOf(e.zone ?? e.source, this.o.partitions);
      // The original bytes (JSON or protobuf) go on unchanged: the partition decodes and derives the zone the same way.
      const headers: Record<string, string> = { 'Nats-Msg-Id': eventKey(e) };
      if (m.contentType !== undefined) headers['Content-Type'] = m.contentType;
      this.pending.push(retrying('route event', () => this.o.bus.publishRaw(partitionSubject(partition, e.type), data, headers), policy));
    }
    this.last = m;
    if (this.pending.length >= this.o.batch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.flushMs);
  }

  /** Commits what was routed so far: publishes durable, checkpoint saved, then one ack for all. */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const last = this.last;
    if (!last) return;
    const effects = this.pending;
    const seq = this.lastSeq;
    const count = this.read - this.committed;
    this.pending = [];
    this.last = undefined;
    this.commits = this.commits.then(async () => {
      try {
        await Promise.all(effects);
        if (seq > this.checkpoint) {
          await retrying('save router checkpoint', () => this.o.bus.state.put(this.key, encoder.encode(String(seq))), this.policy());
          this.checkpoint = seq;
        }
        last.ack();
        this.committed += count;
        this.o.metrics.eventsRouted.inc(effects.length);
      } catch (err) {
        if (err instanceof StoppedError) return; // not acknowledged: redelivered to the next router
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.o.log.error({ err: errorMessage(err) }, 'routing stopped');
        this.stopReading.abort();
      }
    });
  }

  private policy(): RetryPolicy {
    return { initialMs: 100, maxMs: this.o.retryMaxMs, signal: this.abort.signal };
  }

  /** Stops reading and commits what was routed, for up to `drainMs`. */
  async stop(drainMs = 5000): Promise<void> {
    this.stopReading.abort();
    const timer = setTimeout(() => this.abort.abort(), drainMs);
    await this.running?.catch(() => undefined);
    this.flush();
    await this.commits.catch(() => undefined);
    clearTimeout(timer);
    this.abort.abort();
  }
}
