// The event pipeline: read the stream in bounded pulls, decode and validate,
// derive the zone, run the rule runtime, and commit in batches: rows written
// to storage, alerts and dead letters durable on the bus, the checkpoint
// saved, and only then the batch acknowledged (AckPolicy.All: one ack covers
// it all). Rule state is snapshotted to KV now and then; after a restart the
// pipeline restores the snapshot and replays the stream from it to the
// checkpoint with every side effect suppressed, so nothing is lost, doubled or
// re-fired. Per-event work is one plain function folding into the open batch
// (`batchBy`); RxJS times the batches and runs the commits in order.

import { asyncScheduler, Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import type { Alert } from '../alerts/index.ts';
import type { Bus, DeadLetter, EventSource, InboundMessage } from '../bus/index.ts';
import { ConfigError, ConflictError, errorMessage, UnavailableError } from '../errors/index.ts';
import { encodeEventJson, type DecodeResult, type IocEvent, type RejectReason, type ValidateOptions } from '../events/index.ts';
import type { ZoneLocator } from '../geo/index.ts';
import type { LiveView } from '../live/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { CompiledRule } from '../rules/index.ts';
import type { PanePartial, ReloadReport, Runtime } from '../runtime/index.ts';
import type { RowInserts, StoredEvent } from '../store/index.ts';
import { batchBy } from './batch-by.ts';
import { coalesceMap } from './coalesce.ts';
import { decodeMessage } from './decode-message.ts';
import { retrying, StoppedError, type RetryPolicy } from './retry.ts';
import { SnapshotStore } from './snapshots.ts';

export interface PipelineOptions {
  bus: Bus;
  /** Where batches are stored (a Store, or its inserts grouped across a process's partitions). */
  store: RowInserts;
  runtime: Runtime;
  zones: ZoneLocator;
  live: LiveView;
  metrics: Metrics;
  log: Logger;
  validate: ValidateOptions;
  /** Consumer name, part of the checkpoint and snapshot keys. */
  consumer: string;
  /**
   * Fence the checkpoint (scale-out, where a partition moves between
   * processes): at start this pipeline takes the checkpoint by rewriting it
   * (a new revision), and every later write is compare-and-set on the
   * revision it last wrote. A process that kept running a partition after
   * losing it finds its write refused and stops without acknowledging, so a
   * checkpoint never moves back.
   */
  fence?: boolean;
  /** Read a partition of the routed stream instead of IOC_EVENTS (scale-out); its consumer is `consumer`. */
  source?: EventSource;
  /**
   * Run the rules only (scale-out's city-wide rules): events are not stored,
   * not shown live and, when rejected or late, not dead-lettered, because the
   * router and the partitions that also read them do that once.
   */
  rulesOnly?: boolean;
  /**
   * Which of the live view's alerts this pipeline answers for (default all):
   * in a partition, its rules' alerts of its zones; in the city slot, its
   * rules'. Others are left alone when it syncs the live view to its rule state.
   */
  liveScope?: (a: Alert) => boolean;
  /**
   * Scale-out: where this partition's share of city-wide windows goes (the
   * panes its partial window stores closed, with its watermark), once per
   * commit, in order, before the commit's acknowledgement.
   */
  partials?: (report: { watermark: number; panes: PanePartial[] }) => Promise<void>;
  batch: number;
  maxAckPending: number;
  batchRows: number;
  flushMs: number;
  retryMaxMs: number;
  /** Without events for this long, the watermark follows the wall clock (0 = never). */
  idleAdvanceMs: number;
  snapshotEveryMs: number;
  now(): number;
  scheduler?: SchedulerLike;
}

/** Work that must happen in stream order with the events, but is not an event. */
type Control =
  | { kind: 'tick' }
  | { kind: 'reload'; rules: readonly CompiledRule[]; done(report: ReloadReport): void };
type Item = InboundMessage | Control;

/** Everything one batch of messages produced, waiting to be made durable. */
interface Batch {
  /** Messages in the batch (read, skipped, rejected or accepted). */
  messages: number;
  /** The last message: acknowledging it acknowledges the whole batch. */
  last: InboundMessage | undefined;
  maxSeq: number;
  /** The runtime's watermark after the batch's last message. */
  watermark: number;
  rows: StoredEvent[];
  alerts: Alert[];
  /** Panes of city-wide windows closed in the batch, and the watermark they were taken at. */
  partials: PanePartial[];
  partialsWatermark: number;
  /** Side effects started during processing (dead letters, alert publishes); awaited before the ack. */
  effects: Promise<unknown>[];
  rejected: Map<RejectReason, number>;
  skipped: number;
  replayed: number;
}

/** What the checkpoint key holds. */
interface Checkpoint {
  seq: number;
  watermark: number | null;
  /** Fenced pipelines: which pipeline run wrote it (to recognise its own write when the answer to it was lost). */
  owner?: string;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const TICK: Control = { kind: 'tick' };
const TICK_MS = 1000;

/** KV key of the checkpoint of a consumer. */
export function checkpointKey(consumer: string): string {
  return `checkpoint.${consumer.replace(/[^-\w]/g, '_')}`;
}

function isControl(item: Item): item is Control {
  return (item as Control).kind !== undefined;
}

export class Pipeline {
  /** Stops reading the stream. */
  private readonly stopReading = new AbortController();
  /** Stops retrying side effects: what is not durable by then is redelivered after a restart. */
  private readonly abort = new AbortController();
  private subscription: Subscription | undefined;
  private source: Subscriber<Item> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly snapshots: SnapshotStore;
  /** Highest stream sequence committed (durable and acknowledged). */
  private checkpoint = 0;
  /** The checkpoint's KV revision as this pipeline last wrote it (fenced pipelines). */
  private checkpointRev = 0;
  /** This run's mark in the checkpoints it writes (fenced pipelines). */
  private readonly owner = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  /** Highest stream sequence processed; anything at or below it is a redelivery and is skipped. */
  private processed = 0;
  /** Events up to this sequence were processed before a restart: replayed into the rules, their effects suppressed. */
  private replayUntil = 0;
  private replayWatermark = -Infinity;
  /** Where the replay starts, until its first message is seen (-1 after). */
  private replayFrom = -1;
  /** Sequence of the last snapshot saved, to skip saving the same state again. */
  private snapshotSeq = -1;
  private lastEventWall = 0;
  private watermarkAtLastEvent = -Infinity;
  private lastSnapshotWall = 0;
  private snapshotting = false;
  private stopped: Promise<void> | undefined;
  private resolveStopped: (() => void) | undefined;
  /** Messages read and messages committed (acknowledged) since start. */
  private read = 0;
  private committed = 0;
  /** The last error that stopped the pipeline, if any. */
  failure: Error | undefined;

  constructor(private readonly o: PipelineOptions) {
    this.snapshots = new SnapshotStore(o.bus.state, o.consumer);
  }

  /** Restores rule state (snapshot + checkpoint), then starts reading. */
  async start(): Promise<void> {
    await this.restore();
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.subscription = this.items()
      .pipe(
        batchBy<Item, Batch>({
          open: newBatch,
          add: (batch, item) => (isControl(item) ? this.control(batch, item) : this.process(batch, item)),
          size: (batch) => batch.messages,
          maxSize: this.o.batchRows,
          maxDelayMs: this.o.flushMs,
          scheduler: this.o.scheduler ?? asyncScheduler,
        }),
        // While a commit runs, the batches closed meanwhile merge into the next one.
        coalesceMap(mergeBatches, (batch) => this.commit(batch)),
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
    this.ticker = setInterval(() => this.source?.next(TICK), TICK_MS);
  }

  /**
   * Puts new rules in force between two events, keeping the state of
   * unchanged rules; alerts of removed rules resolve like any other change.
   */
  reload(rules: readonly CompiledRule[]): Promise<ReloadReport> {
    return new Promise((resolve, reject) => {
      if (!this.source) return reject(new Error('the pipeline is not running'));
      this.source.next({ kind: 'reload', rules, done: resolve });
    });
  }

  private async restore(): Promise<void> {
    const saved = this.o.fence ? await this.takeCheckpoint() : await this.o.bus.state.get(checkpointKey(this.o.consumer));
    const checkpoint = parseCheckpoint(saved);
    const snapshot = await this.snapshots.load().catch((err: unknown) => {
      this.o.log.error({ err: errorMessage(err) }, 'the rule state snapshot is unreadable; rules start empty');
      return undefined;
    });
    if (snapshot && snapshot.seq <= checkpoint.seq) {
      this.o.runtime.restore(snapshot.state);
      this.o.runtime.takeChanges(); // restoring states nothing new
      this.processed = snapshot.seq;
    } else if (checkpoint.seq > 0) {
      // Died before its first snapshot: rebuild the rules' state from the start of the stream.
      this.o.log.warn({ checkpoint: checkpoint.seq }, 'no usable rule state snapshot; replaying the stream from its start to rebuild rule state');
      this.processed = 0;
    }
    this.replayUntil = checkpoint.seq > this.processed ? checkpoint.seq : 0;
    this.replayWatermark = checkpoint.watermark ?? -Infinity;
    this.replayFrom = this.processed;
    this.checkpoint = this.processed;
    this.syncLiveAlerts();
    // The idle advance counts from now: a partition that gets no event after a restart still closes its windows
    // (and, with city-wide windows, does not hold the city's back).
    if (Number.isFinite(this.o.runtime.watermark())) {
      this.lastEventWall = this.o.now();
      this.watermarkAtLastEvent = this.o.runtime.watermark();
    }
    this.lastSnapshotWall = 0; // the first tick takes one: a crash soon after start must not lose the rules' state
    this.o.log.info(
      { checkpoint: checkpoint.seq, snapshot: snapshot?.seq ?? null, replay: this.replayUntil - this.processed, firing: this.o.runtime.firingCount() },
      'pipeline state restored',
    );
  }

  /**
   * Reads the checkpoint and writes it back unchanged: the new revision is
   * this pipeline's, and a write by a process still running the partition
   * from before is refused from now on. Retried when such a write lands in
   * between.
   */
  private async takeCheckpoint(): Promise<Uint8Array | undefined> {
    const key = checkpointKey(this.o.consumer);
    const state = this.o.bus.state;
    for (let attempt = 1; ; attempt++) {
      const entry = await state.getVersioned(key);
      const current = parseCheckpoint(entry?.value);
      const value = textEncoder.encode(JSON.stringify({ ...current, owner: this.owner } satisfies Checkpoint));
      try {
        this.checkpointRev = await state.putIfRevision(key, value, entry?.revision ?? 0);
        return entry?.value;
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= 10) throw err;
        this.o.log.warn({ attempt }, 'the checkpoint changed while this process took it over; reading it again');
      }
    }
  }

  /**
   * A compare-and-set checkpoint write. Refused, it may still be ours: a
   * write that was stored but whose answer was lost (a NATS leader change)
   * makes the retry find a newer revision. If that revision holds exactly
   * what we wrote, it is ours to continue from.
   */
  private async fencedPut(key: string, bytes: Uint8Array, value: Checkpoint): Promise<number> {
    try {
      return await this.o.bus.state.putIfRevision(key, bytes, this.checkpointRev);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const now = await this.o.bus.state.getVersioned(key);
      const held = parseCheckpoint(now?.value);
      if (now && held.owner === this.owner && held.seq === value.seq) return now.revision;
      throw err;
    }
  }

  /**
   * The event stream plus control items (ticks, reloads), as one Observable in
   * processing order, read from just after what is committed or snapshotted.
   * When the bus ends a read (a delivery gap, an error), everything read so far
   * is committed first, then reading resumes from the new checkpoint.
   */
  private items(): Observable<Item> {
    return new Observable<Item>((sub) => {
      this.source = sub;
      const signal = this.stopReading.signal;
      const onMessage = (m: InboundMessage) => {
        this.read++;
        sub.next(m);
      };
      void (async () => {
        let from = this.processed;
        while (!signal.aborted) {
          const opts = { startAfter: from, batch: this.o.batch, maxInFlight: this.o.maxAckPending, signal, ...(this.o.source ? { source: this.o.source } : {}) };
          try {
            await this.o.bus.consumeEvents(opts, onMessage);
          } catch (err) {
            // e.g. the consumer was deleted under us, or NATS refused a request: start over shortly.
            if (signal.aborted) break;
            this.o.log.warn({ err: errorMessage(err) }, 'reading the event stream failed; resuming from the checkpoint');
            await new Promise((r) => setTimeout(r, 1000));
          }
          while (this.committed < this.read && !signal.aborted) await new Promise((r) => setTimeout(r, 20));
          // Everything read is committed: the rules' state and the checkpoint agree again.
          from = this.processed = this.checkpoint;
        }
        this.source = undefined;
        sub.complete();
      })().catch((err: unknown) => (signal.aborted ? sub.complete() : sub.error(err)));
      return () => (this.source = undefined);
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
    if (this.replayUntil !== 0 && seq > this.replayUntil) this.endReplay(); // the checkpointed message itself was gone
    const replaying = seq <= this.replayUntil;
    if (replaying) {
      if (this.replayFrom >= 0) {
        // A partition's consumer filters the routed stream, so its sequence numbers have gaps by design.
        if (seq > this.replayFrom + 1 && !this.o.source) {
          this.o.log.warn({ from: this.replayFrom + 1, to: seq - 1 }, 'the stream no longer holds these events; rule state is rebuilt from what remains');
        }
        this.replayFrom = -1;
      }
      batch.replayed++;
      this.replay(msg);
      batch.watermark = this.o.runtime.watermark();
      if (seq === this.replayUntil) this.endReplay();
      return;
    }
    const data = msg.data;
    const decoded = this.decode(msg);
    if (!decoded.ok) {
      if (!this.o.rulesOnly) this.reject(batch, decoded.rejection.reason, { rejection: decoded.rejection, subject: msg.subject, data, contentType: msg.contentType });
      return;
    }
    const e: IocEvent = decoded.event;
    const runtime = this.o.runtime;
    const verdict = runtime.process(e);
    this.lastEventWall = this.o.now();
    this.watermarkAtLastEvent = runtime.watermark();
    batch.watermark = this.watermarkAtLastEvent;
    if (verdict === 'late') {
      if (this.o.rulesOnly) return;
      const rejection = { reason: 'late' as const, detail: `event time ${new Date(e.time).toISOString()} is older than the watermark ${new Date(runtime.watermark()).toISOString()} (allowed lateness exceeded)`, id: e.id };
      this.reject(batch, 'late', { rejection, subject: msg.subject, data, contentType: msg.contentType });
      return;
    }
    if (!this.o.rulesOnly) {
      this.o.live.applyEvent(e);
      const row = e as StoredEvent;
      row.seq = seq;
      row.ingestedAt = this.lastEventWall;
      batch.rows.push(row);
    }
    this.collectChanges(batch);
  }

  /** A message processed before the restart: rebuild rule state only (it was stored, published and counted then). */
  private replay(msg: InboundMessage): void {
    const decoded = this.decode(msg);
    if (!decoded.ok) return;
    this.o.runtime.process(decoded.event);
    this.o.runtime.takeChanges();
    this.o.runtime.takePartials(); // handed on before the restart, like the alerts
  }

  /** Decodes and validates a message, and derives the event's zone from its position when it has none. */
  private decode(msg: InboundMessage): DecodeResult {
    return decodeMessage(msg, this.o.validate, this.o.zones);
  }

  /**
   * Makes the live view's firing alerts those the rules hold now: after a
   * restore, and again when the replay ends (alerts that fired or resolved in
   * the replayed stretch were not published again, so the bus did not say).
   */
  private syncLiveAlerts(): void {
    const firing = this.o.runtime.firing();
    const now = new Set(firing.map((a) => a.fingerprint));
    const scope = this.o.liveScope;
    for (const a of this.o.live.firingAlerts()) if (!now.has(a.fingerprint) && (!scope || scope(a))) this.o.live.applyAlert({ ...a, state: 'resolved' });
    for (const a of firing) if (!a.shadow) this.o.live.applyAlert(a);
    this.o.metrics.alertsFiring.set(firing.length);
  }

  /** Replay reached the checkpoint: move to the watermark it had, silently, then run normally. */
  private endReplay(): void {
    this.o.runtime.advanceWatermark(this.replayWatermark);
    this.o.runtime.takeChanges();
    this.o.runtime.takePartials();
    this.syncLiveAlerts();
    this.replayUntil = 0;
    this.o.log.info({ seq: this.processed }, 'replay finished; rule state is where it was before the restart');
  }

  private control(batch: Batch, c: Control): void {
    if (c.kind === 'reload') {
      const report = this.o.runtime.reload(c.rules);
      this.collectChanges(batch);
      c.done(report);
      return;
    }
    const now = this.o.now();
    // The snapshot first: taken after the idle advance below, it would hold panes and alerts that advance
    // produced before the batch carrying them is durable (a crash then would lose them).
    if (now - this.lastSnapshotWall >= this.o.snapshotEveryMs) this.snapshot(now);
    // Idle advance: no event for a while, so let event time follow the wall clock.
    if (this.o.idleAdvanceMs > 0 && this.replayUntil === 0 && this.lastEventWall > 0 && now - this.lastEventWall >= this.o.idleAdvanceMs) {
      this.o.runtime.advanceWatermark(this.watermarkAtLastEvent + (now - this.lastEventWall));
      batch.watermark = this.o.runtime.watermark();
      this.collectChanges(batch);
    }
    const wm = this.o.runtime.watermark();
    if (Number.isFinite(wm)) this.o.metrics.watermarkLag.set(Math.max(0, (now - wm) / 1000));
    this.o.metrics.alertsFiring.set(this.o.runtime.firingCount());
  }

  /** Takes a snapshot now (consistent with `processed`) and saves it once the checkpoint has caught up. */
  private snapshot(now: number): void {
    if (this.snapshotting || this.replayUntil !== 0 || this.processed === 0 || this.processed === this.snapshotSeq) return;
    this.snapshotting = true;
    this.lastSnapshotWall = now;
    const seq = this.processed;
    const started = performance.now();
    const state = this.o.runtime.snapshot();
    const tookMs = performance.now() - started;
    void (async () => {
      try {
        // A snapshot must never be ahead of what is durable, or a restart would skip effects.
        while (this.checkpoint < seq && !this.abort.signal.aborted) await new Promise((r) => setTimeout(r, 50));
        if (this.abort.signal.aborted) return;
        const bytes = await this.snapshots.save({ seq, state }, now);
        this.snapshotSeq = seq;
        this.o.metrics.snapshotBytes.set(bytes);
        this.o.log.info({ seq, bytes, takeMs: Math.round(tookMs) }, 'rule state snapshot saved');
      } catch (err) {
        this.o.log.warn({ err: errorMessage(err) }, 'rule state snapshot failed; the previous one stays');
      } finally {
        this.snapshotting = false;
      }
    })();
  }

  private reject(batch: Batch, reason: RejectReason, letter: DeadLetter): void {
    batch.rejected.set(reason, (batch.rejected.get(reason) ?? 0) + 1);
    this.o.log.debug({ reason, detail: letter.rejection.detail }, 'rejected event');
    batch.effects.push(this.deadLetter(letter));
  }

  private deadLetter(letter: DeadLetter): Promise<unknown> {
    return settled(retrying('dead letter', () => this.o.bus.publishDeadLetter(letter), this.retryPolicy()));
  }

  /**
   * Publishes the runtime's firing and resolved changes at once (in order on
   * the one connection); `pending` stays internal. Awaited before the ack.
   */
  private collectChanges(batch: Batch): void {
    const partials = this.o.runtime.takePartials();
    if (partials.length > 0) {
      for (const p of partials) batch.partials.push(p);
      batch.partialsWatermark = this.o.runtime.watermark();
    }
    const changes = this.o.runtime.takeChanges();
    if (changes.length === 0) return;
    const policy = this.retryPolicy();
    const m = this.o.metrics;
    for (const a of changes) {
      if (a.state === 'pending') continue;
      batch.alerts.push(a);
      // A shadow rule's alerts are only recorded: nobody hears of them.
      if (a.shadow) continue;
      m.alerts.labels(a.severity, a.state).inc();
      this.o.log.info({ rule: a.rule, key: a.key, state: a.state, severity: a.severity }, 'alert');
      batch.effects.push(settled(retrying('publish alert', () => this.o.bus.publishAlert(a), policy)));
    }
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
    // After the alerts of the same events, and one report per commit: the city slot reads them in this order.
    if (batch.partials.length > 0 && this.o.partials) {
      const report = { watermark: batch.partialsWatermark, panes: batch.partials };
      await retrying('hand on city-wide panes', () => this.o.partials!(report), this.retryPolicy());
    }
    if (batch.maxSeq > this.checkpoint) {
      const value: Checkpoint = { seq: batch.maxSeq, watermark: Number.isFinite(batch.watermark) ? batch.watermark : null, ...(this.o.fence ? { owner: this.owner } : {}) };
      const bytes = textEncoder.encode(JSON.stringify(value));
      const key = checkpointKey(this.o.consumer);
      if (this.o.fence) {
        try {
          this.checkpointRev = await retrying('save checkpoint', () => this.fencedPut(key, bytes, value), { ...this.retryPolicy(), retryIf: (err) => !(err instanceof ConflictError) });
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
          // Another process has taken this partition: what we hold is not ours to commit.
          this.o.log.warn({ seq: value.seq }, 'another process took over this partition\'s checkpoint; stopping without acknowledging');
          this.o.metrics.checkpointsFenced.inc();
          this.stopReading.abort(); // and stop pulling from the consumer the new owner reads
          this.abort.abort();
          throw new StoppedError('save checkpoint', err);
        }
      } else {
        await retrying('save checkpoint', () => this.o.bus.state.put(key, bytes), this.retryPolicy());
      }
      this.checkpoint = value.seq;
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
    if (batch.replayed > 0) m.eventsReplayed.inc(batch.replayed);
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
      // Unreachable, or refusing our login (credentials rotated): wait for it; anything else is about the rows.
      await retrying('insert events', () => this.o.store.insertEvents(rows), { ...policy, retryIf: (err) => err instanceof UnavailableError || err instanceof ConfigError });
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
   * `finalSnapshot: false` when another process may own this state already (a lost partition lease).
   */
  async stop(drainMs = 5000, opts: { finalSnapshot?: boolean } = {}): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.stopReading.abort();
    const timer = setTimeout(() => this.abort.abort(), drainMs);
    await this.stopped;
    clearTimeout(timer);
    // Everything read is committed: a snapshot now lets the next start skip the replay.
    if (opts.finalSnapshot !== false && !this.abort.signal.aborted && this.failure === undefined && this.committed === this.read && this.replayUntil === 0 && this.processed > 0) {
      await this.snapshots.save({ seq: this.processed, state: this.o.runtime.snapshot() }, this.o.now()).catch((err: unknown) => {
        this.o.log.warn({ err: errorMessage(err) }, 'final rule state snapshot failed; the next start replays from the previous one');
      });
    }
    this.abort.abort();
    this.subscription?.unsubscribe();
  }

  /** Resolves when the pipeline ends (stopped or failed). */
  whenStopped(): Promise<void> {
    return this.stopped ?? Promise.resolve();
  }
}

function newBatch(): Batch {
  return {
    messages: 0, last: undefined, maxSeq: 0, watermark: -Infinity, rows: [], alerts: [], partials: [], partialsWatermark: -Infinity, effects: [], rejected: new Map(), skipped: 0, replayed: 0,
  };
}

/** `next` appended to `into` (in stream order): one commit covers both. */
function mergeBatches(into: Batch, next: Batch): Batch {
  into.messages += next.messages;
  if (next.last) into.last = next.last;
  if (next.maxSeq > into.maxSeq) into.maxSeq = next.maxSeq;
  if (next.messages > 0 && next.watermark > -Infinity) into.watermark = next.watermark;
  for (const r of next.rows) into.rows.push(r);
  for (const a of next.alerts) into.alerts.push(a);
  for (const p of next.partials) into.partials.push(p);
  if (next.partialsWatermark > into.partialsWatermark) into.partialsWatermark = next.partialsWatermark;
  for (const e of next.effects) into.effects.push(e);
  for (const [reason, n] of next.rejected) into.rejected.set(reason, (into.rejected.get(reason) ?? 0) + n);
  into.skipped += next.skipped;
  into.replayed += next.replayed;
  return into;
}

/** The checkpoint as saved; older engines saved the bare sequence number. */
function parseCheckpoint(raw: Uint8Array | undefined): Checkpoint {
  if (!raw) return { seq: 0, watermark: null };
  const text = textDecoder.decode(raw);
  if (/^\d+$/.test(text)) return { seq: Number(text), watermark: null };
  const c = JSON.parse(text) as Checkpoint;
  return { seq: Number(c.seq) || 0, watermark: typeof c.watermark === 'number' ? c.watermark : null, ...(typeof c.owner === 'string' ? { owner: c.owner } : {}) };
}

/** Marks a promise as handled now (it is awaited later, at commit) so a failure is never an unhandled rejection. */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
