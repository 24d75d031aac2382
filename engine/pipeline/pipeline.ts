// The event pipeline: read the stream in bounded pulls, decode and validate,
// derive the zone, evaluate the rules, and commit in batches: rows written to
// storage, alerts and dead letters durable on the bus, a checkpoint saved, and
// only then the batch acknowledged (AckPolicy.All: one ack covers it all).
// A crash at any point redelivers; every sink is idempotent, so nothing is lost
// or doubled. Per-event work is one plain function folding into the open
// batch (`batchBy`); RxJS times the batches and runs the commits in order.

import { asyncScheduler, concatMap, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { AlertTracker, type Alert, type RuleIndex } from '../alerts/index.ts';
import type { Bus, DeadLetter, InboundMessage } from '../bus/index.ts';
import { errorMessage, UnavailableError } from '../errors/index.ts';
import { decodeEvent, encodeEventJson, type IocEvent, type RejectReason, type ValidateOptions } from '../events/index.ts';
import type { ZoneLocator } from '../geo/index.ts';
import type { LiveView } from '../live/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Store, StoredEvent } from '../store/index.ts';
import { batchBy } from './batch-by.ts';
import { retrying, StoppedError, type RetryPolicy } from './retry.ts';

export interface PipelineOptions {
  bus: Bus;
  store: Store;
  /** The rules in force; read per event, so a reload takes effect at once. */
  rules(): RuleIndex;
  tracker: AlertTracker;
  zones: ZoneLocator;
  live: LiveView;
  metrics: Metrics;
  log: Logger;
  validate: ValidateOptions;
  /** Consumer name, part of the checkpoint key. */
  consumer: string;
  batch: number;
  maxAckPending: number;
  batchRows: number;
  flushMs: number;
  retryMaxMs: number;
  now(): number;
  scheduler?: SchedulerLike;
}

/** Everything one batch of messages produced, waiting to be made durable. */
interface Batch {
  /** Messages in the batch (read, skipped, rejected or accepted). */
  messages: number;
  /** The last message: acknowledging it acknowledges the whole batch. */
  last: InboundMessage | undefined;
  maxSeq: number;
  rows: StoredEvent[];
  alerts: Alert[];
  /** Side effects started during processing (dead letters, alert publishes); awaited before the ack. */
  effects: Promise<unknown>[];
  rejected: Map<RejectReason, number>;
  skipped: number;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
/** `{`: a body that starts with it is JSON; a protobuf message never does (field 15, group start, is not in ioc.v1.Event). */
const OPEN_BRACE = 0x7b;

/** KV key of the checkpoint of a consumer. */
export function checkpointKey(consumer: string): string {
  return `checkpoint.${consumer.replace(/[^-\w]/g, '_')}`;
}

export class Pipeline {
  /** Stops reading the stream. */
  private readonly stopReading = new AbortController();
  /** Stops retrying side effects: what is not durable by then is redelivered after a restart. */
  private readonly abort = new AbortController();
  private subscription: Subscription | undefined;
  /** Highest stream sequence committed (durable and acknowledged). */
  private checkpoint = 0;
  /** Highest stream sequence processed; anything at or below it is a redelivery and is skipped. */
  private processed = 0;
  /** Serialises alert publishes and state writes so the bus sees them in order. */
  private alertChain: Promise<unknown> = Promise.resolve();
  private stopped: Promise<void> | undefined;
  private resolveStopped: (() => void) | undefined;
  /** Messages read and messages committed (acknowledged) since start. */
  private read = 0;
  private committed = 0;
  /** The last error that stopped the pipeline, if any. */
  failure: Error | undefined;

  constructor(private readonly o: PipelineOptions) {}

  /** Loads the checkpoint and firing alerts, then starts reading. */
  async start(): Promise<void> {
    const saved = await this.o.bus.state.get(checkpointKey(this.o.consumer));
    this.checkpoint = saved ? Number(textDecoder.decode(saved)) || 0 : 0;
    this.processed = this.checkpoint;
    const firing = await this.o.bus.state.entries('alert.');
    const restored: Alert[] = [];
    for (const v of firing.values()) {
      try {
        restored.push(JSON.parse(textDecoder.decode(v)) as Alert);
      } catch {
        this.o.log.warn('ignoring an unreadable saved alert state');
      }
    }
    this.o.tracker.restore(restored);
    for (const a of restored) this.o.live.applyAlert(a);
    this.o.metrics.alertsFiring.set(restored.length);
    this.o.log.info({ checkpoint: this.checkpoint, firing: restored.length }, 'pipeline state loaded');

    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.subscription = this.messages()
      .pipe(
        batchBy<InboundMessage, Batch>({
          open: newBatch,
          add: (batch, m) => this.process(batch, m),
          size: (batch) => batch.messages,
          maxSize: this.o.batchRows,
          maxDelayMs: this.o.flushMs,
          scheduler: this.o.scheduler ?? asyncScheduler,
        }),
        concatMap((batch) => this.commit(batch)),
      )
      .subscribe({
        error: (err: unknown) => {
          if (!(err instanceof StoppedError)) {
            this.failure = err instanceof Error ? err : new Error(String(err));
            this.o.log.error({ err: errorMessage(err) }, 'pipeline stopped');
          }
          this.resolveStopped?.();
        },
        complete: () => this.resolveStopped?.(),
      });
  }

  /**
   * The event stream as an Observable, always read from just after the
   * checkpoint. When the bus ends a read (a delivery gap, an error), everything
   * read so far is committed first, then reading resumes from the new checkpoint.
   */
  private messages(): Observable<InboundMessage> {
    return new Observable<InboundMessage>((sub) => {
      const signal = this.stopReading.signal;
      const onMessage = (m: InboundMessage) => {
        this.read++;
        sub.next(m);
      };
      void (async () => {
        while (!signal.aborted) {
          const opts = { startAfter: this.checkpoint, batch: this.o.batch, maxInFlight: this.o.maxAckPending, signal };
          try {
            await this.o.bus.consumeEvents(opts, onMessage);
          } catch (err) {
            // e.g. the consumer was deleted under us, or NATS refused a request: start over shortly.
            if (signal.aborted) break;
            this.o.log.warn({ err: errorMessage(err) }, 'reading the event stream failed; resuming from the checkpoint');
            await new Promise((r) => setTimeout(r, 1000));
          }
          while (this.committed < this.read && !signal.aborted) await new Promise((r) => setTimeout(r, 20));
          this.processed = this.checkpoint;
        }
        sub.complete();
      })().catch((err: unknown) => (signal.aborted ? sub.complete() : sub.error(err)));
    });
  }

  /** One message, start to end of processing, folded into the open batch. Never throws for bad input. */
  private process(batch: Batch, msg: InboundMessage): void {
    batch.messages++;
    batch.last = msg;
    const seq = msg.seq;
    if (seq > batch.maxSeq) batch.maxSeq = seq;
    if (seq <= this.processed) {
      batch.skipped++; // committed before a restart, or redelivered while we held it
      return;
    }
    this.processed = seq;
    const data = msg.data;
    // Reading headers costs more than the rest of decoding; a JSON body does not need them.
    const decoded = decodeEvent(data, data[0] === OPEN_BRACE ? undefined : msg.contentType, msg.subject, this.o.validate);
    if (!decoded.ok) {
      const reason = decoded.rejection.reason;
      batch.rejected.set(reason, (batch.rejected.get(reason) ?? 0) + 1);
      const letter = { rejection: decoded.rejection, subject: msg.subject, data, contentType: msg.contentType };
      this.o.log.debug({ seq, reason, detail: decoded.rejection.detail }, 'rejected event');
      batch.effects.push(this.deadLetter(letter));
      return;
    }
    const e: IocEvent = decoded.event;
    if (e.zone === undefined && e.lat !== undefined && e.lon !== undefined) {
      const zone = this.o.zones.zoneOf(e.lat, e.lon);
      if (zone !== undefined) e.zone = zone;
    }
    const changes = this.o.tracker.process(e, this.o.rules());
    this.o.live.applyEvent(e);
    const row = e as StoredEvent;
    row.seq = seq;
    row.ingestedAt = this.o.now();
    batch.rows.push(row);
    if (changes.length > 0) {
      for (const a of changes) batch.alerts.push(a);
      batch.effects.push(this.publishAlerts(changes));
    }
  }

  private deadLetter(letter: DeadLetter): Promise<unknown> {
    return settled(retrying('dead letter', () => this.o.bus.publishDeadLetter(letter), this.retryPolicy()));
  }

  /** Publishes alert changes and saves alert state, in order, retrying until durable. */
  private publishAlerts(alerts: Alert[]): Promise<unknown> {
    const policy = this.retryPolicy();
    const { bus } = this.o;
    for (const a of alerts) {
      this.o.metrics.alerts.labels(a.severity, a.state).inc();
      this.o.log.info({ rule: a.rule, key: a.key, state: a.state, severity: a.severity }, 'alert');
    }
    this.o.metrics.alertsFiring.set(this.o.tracker.firingCount());
    this.alertChain = settled(this.alertChain.then(async () => {
      for (const a of alerts) {
        const key = `alert.${a.fingerprint}`;
        if (a.state === 'firing') await retrying('save alert state', () => bus.state.put(key, textEncoder.encode(JSON.stringify(a))), policy);
        else await retrying('clear alert state', () => bus.state.delete(key), policy);
        await retrying('publish alert', () => bus.publishAlert(a), policy);
      }
    }));
    return this.alertChain;
  }

  /** Makes a batch durable everywhere, then acknowledges it. */
  private async commit(batch: Batch): Promise<void> {
    const started = performance.now();
    const { rows, alerts } = batch;
    this.o.metrics.inFlight.set(this.read - this.committed);
    const policy = this.retryPolicy((err, attempt) => {
      this.o.metrics.storeRetries.inc();
      if (attempt === 1 || attempt % 10 === 0) this.o.log.warn({ err: errorMessage(err), attempt, rows: rows.length }, 'storage write failed; retrying');
    });
    const refused = rows.length > 0 ? await this.insertOrSplit(rows, policy) : [];
    for (const { row, reason } of refused) {
      this.o.metrics.eventsRejected.labels('storage_rejected', 'nats').inc();
      // The original bytes are gone by now; the event as validated is what storage refused.
      batch.effects.push(this.deadLetter({
        rejection: { reason: 'storage_rejected', detail: reason, id: row.id },
        subject: `ioc.events.${row.type}`,
        data: encodeEventJson(row),
        contentType: 'application/json',
      }));
    }
    if (refused.length > 0) this.o.log.error({ rows: refused.length, reason: refused[0]!.reason }, 'storage refused rows; sent to ioc.dlq.storage_rejected');
    if (alerts.length > 0) {
      await retrying('insert alerts', () => this.o.store.insertAlerts(alerts), policy).catch((err: unknown) => {
        if (err instanceof StoppedError) throw err;
        // The alerts are already on the bus; only their history row is missing.
        this.o.log.error({ err: errorMessage(err), alerts: alerts.length }, 'storage refused alert rows; they stay on IOC_ALERTS');
      });
    }
    await Promise.all(batch.effects);
    if (batch.maxSeq > this.checkpoint) {
      const seq = batch.maxSeq;
      await retrying('save checkpoint', () => this.o.bus.state.put(checkpointKey(this.o.consumer), textEncoder.encode(String(seq))), this.retryPolicy());
      this.checkpoint = seq;
    }
    batch.last?.ack();
    this.committed += batch.messages;

    const m = this.o.metrics;
    m.inFlight.set(this.read - this.committed);
    m.eventsIn.inc(batch.messages);
    if (rows.length > 0) {
      m.eventsAccepted.labels('nats').inc(rows.length);
      m.eventsStored.inc(rows.length - refused.length);
      m.batchRows.observe(rows.length);
      m.batchSeconds.observe((performance.now() - started) / 1000);
    }
    if (batch.skipped > 0) m.eventsSkipped.inc(batch.skipped);
    for (const [reason, n] of batch.rejected) m.eventsRejected.labels(reason, 'nats').inc(n);
  }

  private retryPolicy(onRetry?: RetryPolicy['onRetry']): RetryPolicy {
    return { initialMs: 100, maxMs: this.o.retryMaxMs, signal: this.abort.signal, ...(onRetry ? { onRetry } : {}) };
  }

  /**
   * Writes rows, retrying while storage is unreachable. When storage refuses
   * the batch itself (not an outage: e.g. too many partitions in one insert),
   * halves it until the refused rows are found; returns them with the reason.
   */
  private async insertOrSplit(rows: StoredEvent[], policy: RetryPolicy): Promise<{ row: StoredEvent; reason: string }[]> {
    try {
      await retrying('insert events', () => this.o.store.insertEvents(rows), { ...policy, retryIf: (err) => err instanceof UnavailableError });
      return [];
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      if (rows.length === 1) return [{ row: rows[0]!, reason: errorMessage(err) }];
      this.o.log.warn({ err: errorMessage(err), rows: rows.length }, 'storage refused a batch; splitting it to find the refused rows');
      const half = rows.length >> 1;
      return [...(await this.insertOrSplit(rows.slice(0, half), policy)), ...(await this.insertOrSplit(rows.slice(half), policy))];
    }
  }

  /**
   * Stops reading, commits what was read for up to `drainMs`, then gives up:
   * batches not committed by then stay unacknowledged and are redelivered later.
   */
  async stop(drainMs = 5000): Promise<void> {
    this.stopReading.abort();
    const timer = setTimeout(() => this.abort.abort(), drainMs);
    await this.stopped;
    clearTimeout(timer);
    this.abort.abort();
    this.subscription?.unsubscribe();
  }

  /** Resolves when the pipeline ends (stopped or failed). */
  whenStopped(): Promise<void> {
    return this.stopped ?? Promise.resolve();
  }
}

function newBatch(): Batch {
  return { messages: 0, last: undefined, maxSeq: 0, rows: [], alerts: [], effects: [], rejected: new Map(), skipped: 0 };
}

/** Marks a promise as handled now (it is awaited later, at commit) so a failure is never an unhandled rejection. */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
