// The city slot's combiner: reads the partitions' reports of city-wide panes
// from IOC_PARTIALS (`ioc.partials.<partition>`), merges them (CityCombine),
// and publishes and stores the alerts the combined windows give. One process
// at a time runs it (the holder of the city slot); its whole state (the
// runtime's windows and alerts, each partition's progress, the panes still
// waiting) is saved with the stream position at every commit, compressed and
// chunked like a pipeline's snapshot (SnapshotStore), so the next holder
// starts exactly where this one stopped.
//
// A commit: alerts durable on the bus (each with its message id, so a repeat
// after a crash is dropped by JetStream), their history rows written, state
// saved, then the reports acknowledged.

import type { Alert } from '../alerts/index.ts';
import type { Bus, EventSource, InboundMessage } from '../bus/index.ts';
import { errorMessage } from '../errors/index.ts';
import type { LiveView } from '../live/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { readFromCheckpoint, retrying, SnapshotStore, StoppedError, type RetryPolicy } from '../pipeline/index.ts';
import type { CompiledRule } from '../rules/index.ts';
import type { ReloadReport, Runtime } from '../runtime/index.ts';
import type { RowInserts } from '../store/index.ts';
import { CityCombine, type CombineCounts, type PartialReport } from './city-combine.ts';

/** The stream partitions hand their panes on to, and its subjects. */
export const PARTIALS_STREAM = 'IOC_PARTIALS';
export const PARTIALS_SUBJECTS = 'ioc.partials.>';
/** The combiner's durable consumer on IOC_PARTIALS. */
export const COMBINER_CONSUMER = 'ioc-city-combiner';

/** The subject a partition's reports go on. */
export function partialsSubject(partition: number): string {
  return `ioc.partials.${partition}`;
}

export interface CityCombinerOptions {
  bus: Bus;
  store: RowInserts;
  /** A runtime holding the combined rules (evaluating, not partial). */
  runtime: Runtime;
  live: LiveView;
  batch: number;
  maxAckPending: number;
  flushMs: number;
  retryMaxMs: number;
  metrics: Metrics;
  log: Logger;
  /**
   * The partitions whose routed stream holds events: the city waits for each
   * to report before closing windows (read at start and every few seconds).
   */
  partitionsWithEvents?(): Promise<number[]>;
}

/** How often the partitions holding events are read again. */
const EXPECT_EVERY_MS = 5000;

interface Saved {
  combine: unknown;
  runtime: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Where the combiner's state is saved (a snapshot under this consumer name). */
const STATE_NAME = `combiner.${COMBINER_CONSUMER}`;

export class CityCombiner {
  private readonly combine: CityCombine;
  private readonly stopReading = new AbortController();
  private readonly abort = new AbortController();
  private last: InboundMessage | undefined;
  private lastSeq = 0;
  private checkpoint = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private commits: Promise<void> = Promise.resolve();
  private running: Promise<void> | undefined;
  private readonly saves: SnapshotStore;
  /** State changed without a new report (a reload): the next flush saves it. */
  private dirty = false;
  private reported: CombineCounts = { absorbed: 0, repeated: 0, late: 0, unknown: 0, invalid: 0 };
  private expectTimer: ReturnType<typeof setInterval> | undefined;
  private silentLogged = '';
  failure: Error | undefined;
  private resolveStopped!: () => void;
  private readonly stopped = new Promise<void>((r) => (this.resolveStopped = r));

  constructor(private readonly o: CityCombinerOptions) {
    this.combine = new CityCombine(o.runtime);
    this.saves = new SnapshotStore(o.bus.state, STATE_NAME);
  }

  private get source(): EventSource {
    return { stream: PARTIALS_STREAM, consumer: COMBINER_CONSUMER, filterSubject: PARTIALS_SUBJECTS };
  }

  async start(): Promise<void> {
    const saved = await this.saves.load();
    if (saved) {
      const state = saved.state as Saved;
      this.o.runtime.restore(state.runtime);
      this.o.runtime.takeChanges();
      this.combine.restore(state.combine);
      this.checkpoint = this.lastSeq = saved.seq;
    }
    for (const a of this.o.runtime.firing()) if (!a.shadow) this.o.live.applyAlert(a);
    if (this.o.partitionsWithEvents) {
      await this.readExpected();
      this.expectTimer = setInterval(() => void this.readExpected(), EXPECT_EVERY_MS);
    }
    this.o.log.info({ from: this.checkpoint + 1, partitions: this.combine.partitions().size }, 'combining city-wide windows from the partitions');
    this.running = this.loop();
  }

  private loop(): Promise<void> {
    return readFromCheckpoint({
      bus: this.o.bus,
      source: this.source,
      batch: this.o.batch,
      maxInFlight: this.o.maxAckPending,
      signal: this.stopReading.signal,
      checkpoint: () => this.checkpoint,
      onMessage: (m) => this.take(m),
      settle: async () => {
        if (!this.abort.signal.aborted) this.flush();
        await this.commits.catch(() => undefined);
        // Read again from what is saved: state and position agree there.
        this.lastSeq = this.checkpoint;
      },
      log: this.o.log,
    });
  }

  /** Which partitions hold events, so the city waits for their word. */
  private async readExpected(): Promise<void> {
    try {
      this.combine.expect(await this.o.partitionsWithEvents!());
    } catch (err) {
      this.o.log.warn({ err: errorMessage(err) }, 'cannot read which partitions hold events; waiting only for those heard from');
    }
  }

  /** One report: merged into the combining state; committed with its batch. */
  private take(m: InboundMessage): void {
    if (m.seq <= this.lastSeq) return; // redelivered while we held it
    this.lastSeq = m.seq;
    this.last = m;
    let report: PartialReport;
    try {
      report = parseReport(m.data);
    } catch (err) {
      // Only partitions write here; a report we cannot read is a bug elsewhere, not a reason to stop.
      this.o.log.error({ seq: m.seq, subject: m.subject, err: errorMessage(err) }, 'unreadable city-wide pane report; skipped');
      return;
    }
    this.combine.offer(report);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.o.flushMs);
  }

  /** Closes what every partition has passed and commits: alerts durable, state saved, reports acknowledged. */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const last = this.last;
    if (!last && !this.dirty) return;
    if (this.abort.signal.aborted) return; // the slot is gone: what was read is the next holder's to commit
    this.last = undefined;
    this.dirty = false;
    const seq = last ? this.lastSeq : this.checkpoint;
    this.combine.advance();
    const silent = this.combine.silent().join(',');
    if (silent !== this.silentLogged) {
      this.silentLogged = silent;
      if (silent !== '') this.o.log.info({ partitions: silent }, 'city-wide windows wait for these partitions to report their first panes');
    }
    const alerts = this.o.runtime.takeChanges().filter((a) => a.state !== 'pending');
    const saved: Saved = { combine: this.combine.snapshot(), runtime: this.o.runtime.snapshot() };
    this.countPanes();
    const policy = this.policy();
    this.commits = this.commits.then(async () => {
      try {
        if (this.abort.signal.aborted) return;
        const published = alerts.filter((a) => !a.shadow);
        await Promise.all(published.map((a) => retrying('publish alert', () => this.o.bus.publishAlert(a), policy)));
        if (alerts.length > 0) {
          await retrying('insert alerts', () => this.o.store.insertAlerts(alerts), policy).catch((err: unknown) => {
            if (err instanceof StoppedError) throw err;
            this.o.log.error({ err: errorMessage(err), alerts: alerts.length }, 'storage refused alert rows; they stay on IOC_ALERTS');
          });
        }
        await retrying('save city combine state', () => this.saves.save({ seq, state: saved }, Date.now()), policy);
        this.checkpoint = seq;
        last?.ack();
        for (const a of published) this.alerted(a);
      } catch (err) {
        if (err instanceof StoppedError) return; // not acknowledged: the next holder reads it again
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.o.log.error({ err: errorMessage(err) }, 'combining city-wide windows stopped');
        this.stopReading.abort();
        this.resolveStopped();
      }
    });
  }

  private alerted(a: Alert): void {
    this.o.metrics.alerts.labels(a.severity, a.state).inc();
    this.o.live.applyAlert(a);
    this.o.log.info({ rule: a.rule, key: a.key, state: a.state, severity: a.severity }, 'alert');
  }

  private countPanes(): void {
    const now = this.combine.counts;
    for (const k of ['absorbed', 'repeated', 'late', 'unknown', 'invalid'] as const) {
      const d = now[k] - this.reported[k];
      if (d > 0) this.o.metrics.cityPanes.labels(k).inc(d);
    }
    if (now.invalid > this.reported.invalid) this.o.log.error({ invalid: now.invalid, last: this.combine.lastInvalid }, 'city-wide panes that could not be merged; left out');
    this.reported = { ...now };
    if (now.late > 0 && now.late !== this.lateLogged) {
      this.lateLogged = now.late;
      this.o.log.warn({ late: now.late }, 'city-wide panes arrived after their windows closed (a partition joined late); not counted');
    }
  }

  private lateLogged = 0;

  /** Puts new rules in force; windows of unchanged rules keep their state. */
  async reload(rules: readonly CompiledRule[]): Promise<ReloadReport> {
    const report = this.o.runtime.reload(rules);
    // Alerts of removed rules resolve now; they and the new state go out with the next commit.
    this.dirty = true;
    this.schedule();
    return report;
  }

  private policy(): RetryPolicy {
    return { initialMs: 100, maxMs: this.o.retryMaxMs, signal: this.abort.signal };
  }

  /**
   * Stops reading and commits what was read, for up to `drainMs`; nothing
   * saved when `save` is false (the slot was lost). `forget`: the combined
   * rules are gone, so the saved state is deleted (rules added again later
   * start afresh, not from hours-old windows).
   */
  async stop(drainMs = 5000, opts: { save?: boolean; forget?: boolean } = {}): Promise<void> {
    if (this.expectTimer) clearInterval(this.expectTimer);
    if (this.timer) clearTimeout(this.timer);
    this.stopReading.abort();
    if (opts.save === false) this.abort.abort();
    const timer = setTimeout(() => this.abort.abort(), drainMs);
    await this.running?.catch(() => undefined);
    this.flush();
    await this.commits.catch(() => undefined);
    clearTimeout(timer);
    this.abort.abort();
    if (opts.forget) await this.saves.clear().catch((err: unknown) => this.o.log.warn({ err: errorMessage(err) }, 'cannot delete the city combiner\'s saved state'));
    this.resolveStopped();
  }

  /** Resolves when the combiner has stopped (stopped, or failed: see `failure`). */
  whenStopped(): Promise<void> {
    return this.stopped;
  }

  /** Partitions heard from, with their watermarks. */
  partitions(): ReadonlyMap<number, number> {
    return this.combine.partitions();
  }
}

/** A report as a partition published it; throws with what is wrong. */
export function parseReport(data: Uint8Array): PartialReport {
  const r = JSON.parse(decoder.decode(data)) as Partial<PartialReport>;
  if (!Number.isInteger(r.partition) || r.partition! < 0) throw new Error(`partition must be a non-negative integer, got ${JSON.stringify(r.partition)}`);
  if (typeof r.watermark !== 'number') throw new Error(`watermark must be a number, got ${JSON.stringify(r.watermark)}`);
  if (!Array.isArray(r.panes)) throw new Error('panes must be an array');
  for (const p of r.panes) {
    if (typeof p?.state !== 'string' || typeof p.end !== 'number' || !Array.isArray(p.rows)) throw new Error('each pane needs state (string), end (number) and rows (array)');
    for (const row of p.rows) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || !Array.isArray(row[5])) throw new Error(`a row of pane ${p.state}@${p.end} must be [key, values, source, zone, type, numbers, objects]`);
    }
  }
  return r as PartialReport;
}

/** A report as partitions publish it. */
export function encodeReport(report: PartialReport): Uint8Array {
  return encoder.encode(JSON.stringify(report));
}
