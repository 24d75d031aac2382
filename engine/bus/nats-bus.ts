// The Bus on NATS JetStream: streams IOC_EVENTS / IOC_ALERTS / IOC_DLQ, a
// durable pull consumer with AckPolicy.All read in bounded batches (the bound
// is the backpressure), and a KV bucket for engine state. Uses nothing that
// needs nats-server 2.10 (production runs 2.10+, CI runs Debian's 2.9).

import {
  AckPolicy,
  DeliverPolicy,
  headers as natsHeaders,
  JSONCodec,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type KV,
  type NatsConnection,
} from 'nats';
import { Observable, share } from 'rxjs';
import { alertMessageId, alertSubject, type Alert } from '../alerts/index.ts';
import { ConflictError, UnavailableError, errorMessage } from '../errors/index.ts';
import { eventKey, type IocEvent } from '../events/index.ts';
import type { Logger } from '../log/index.ts';
import { ackNumbers } from './ack-subject.ts';
import { openKvBoard } from '../cluster/kv-board.ts';
import type { LeaseBoard } from '../cluster/board.ts';
import { openNatsConnection, type NatsSecurity } from './nats-connection.ts';
import { JetStreamPublisher, PublishRefusedError } from './js-publisher.ts';
import { kvKeys } from './kv-keys.ts';
import type { Bus, ConsumeOptions, DeadLetter, EventSource, InboundMessage, PublishResult, StateStore, VersionedEntry, VersionedStore } from './bus.ts';

export interface NatsBusOptions {
  servers: string;
  /** Credentials and TLS (`natsSecurity(config)`); none by default. */
  security?: NatsSecurity;
  eventsStream: string;
  /** With scale-out on: the stream of routed events, `ioc.part.<partition>.<type>` (docs/decisions/0600). */
  partitionsStream?: string;
  alertsStream: string;
  dlqStream: string;
  consumer: string;
  stateBucket: string;
  eventsMaxAgeHours: number;
  replicas: number;
  maxAckPending: number;
  ackWaitSeconds: number;
  /**
   * A read that has received nothing for this long, while its consumer holds
   * undelivered events and everything received is acknowledged, is stalled:
   * it ends, and the reader resumes from its checkpoint (default 30).
   */
  stallSeconds?: number;
  log: Logger;
}

const json = JSONCodec<unknown>();
const HEADER_MAX = 1024;

/** Header values may not hold line breaks; keep them short and printable. */
function headerValue(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, HEADER_MAX);
}

/** How far one read has handed messages over and had them acknowledged, by delivery number. */
interface ReadProgress {
  delivered: number;
  acked: number;
}

class NatsInbound implements InboundMessage {
  constructor(
    private readonly m: JsMsg,
    readonly seq: number,
    private readonly delivery: number,
    private readonly progress: ReadProgress,
  ) {}
  get subject(): string {
    return this.m.subject;
  }
  get data(): Uint8Array {
    return this.m.data;
  }
  get contentType(): string | undefined {
    return this.m.headers?.get('Content-Type') || undefined;
  }
  ack(): void {
    this.m.ack();
    // AckPolicy.All: this acknowledges every delivery up to this one.
    if (this.delivery > this.progress.acked) this.progress.acked = this.delivery;
  }
}

class KvState implements StateStore {
  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {}
  async get(key: string): Promise<Uint8Array | undefined> {
    const e = await this.kv.get(key);
    return e && e.operation === 'PUT' ? e.value : undefined;
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    await this.kv.put(key, value);
  }
  async getVersioned(key: string): Promise<VersionedEntry | undefined> {
    const e = await this.kv.get(key);
    return e && e.operation === 'PUT' ? { value: e.value, revision: e.revision } : undefined;
  }
  async putIfRevision(key: string, value: Uint8Array, expected: number): Promise<number> {
    try {
      if (expected !== 0) return await this.kv.update(key, value, expected);
      // Absent, or deleted (a delete marker has a revision of its own): create handles both.
      return await this.kv.create(key, value);
    } catch (err) {
      if (isWrongSequence(err)) throw new ConflictError(`${this.bucket}/${key} was changed by another engine process (expected revision ${expected})`, { cause: err });
      throw new UnavailableError(`cannot write ${this.bucket}/${key}: ${errorMessage(err)}`, { cause: err });
    }
  }
  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }
  async entries(prefix: string): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const k of await kvKeys(this.jsm, this.bucket, prefix)) {
      const v = await this.get(k);
      if (v) out.set(k, v);
    }
    return out;
  }
}

/** KV with compare-and-set: `create` for a new key, `update` against the last revision. */
class KvVersioned implements VersionedStore {
  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    private readonly publisher: JetStreamPublisher,
    private readonly js: JetStreamClient,
  ) {}
  async forget(key: string, markerRevision: number): Promise<void> {
    // Every entry of the key up to the marker; a later write stays.
    await this.jsm.streams.purge(`KV_${this.bucket}`, { filter: `$KV.${this.bucket}.${key}`, seq: markerRevision + 1 });
  }
  async entries(): Promise<Map<string, VersionedEntry>> {
    const out = new Map<string, VersionedEntry>();
    for (const k of await kvKeys(this.jsm, this.bucket)) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT') out.set(k, { value: e.value, revision: e.revision });
    }
    return out;
  }
  /**
   * A compare-and-set write, as nats.js's kv.update/kv.create make it (a
   * publish on `$KV.<bucket>.<key>` expecting the key's last sequence), but
   * through the pipelined publisher: incident management writes an alert
   * record per alert change, and nats.js's request per write (a timer and an
   * Error each) cost about three times the CPU (114 against 39 µs a write).
   */
  async put(key: string, value: Uint8Array, expected: number): Promise<number> {
    try {
      return await this.publishExpecting(key, value, expected);
    } catch (err) {
      // Creating a key that was deleted: its last entry is the delete marker, whose revision is what to expect.
      if (expected === 0 && isWrongSequence(err)) {
        const last = await this.kv.get(key).catch(() => null);
        if (last && last.operation !== 'PUT') {
          try {
            return await this.publishExpecting(key, value, last.revision);
          } catch (again) {
            err = again;
          }
        }
      }
      if (isWrongSequence(err)) throw new ConflictError(`${this.bucket}/${key} was changed by another engine process (expected revision ${expected})`, { cause: err });
      throw new UnavailableError(`cannot write ${this.bucket}/${key}: ${errorMessage(err)}`, { cause: err });
    }
  }
  private async publishExpecting(key: string, value: Uint8Array, expected: number): Promise<number> {
    const h = natsHeaders();
    h.set('Nats-Expected-Last-Subject-Sequence', String(expected));
    return (await this.publisher.publish(`$KV.${this.bucket}.${key}`, value, { headers: h })).seq;
  }
  /**
   * Every write from now on, through an ordered consumer on the bucket's
   * stream with callback delivery (nats.js re-creates it after a gap or a
   * reconnect, from the last sequence seen). nats.js's kv.watch does the same
   * through an async iterator and an entry object per write, about 20 µs
   * more CPU per write shown: a follower process sees every write the
   * leader makes.
   */
  async watch(onChange: (key: string, entry: VersionedEntry | undefined) => void): Promise<() => void> {
    const prefix = `$KV.${this.bucket}.`;
    const consumer = await this.js.consumers.get(`KV_${this.bucket}`, { filterSubjects: `${prefix}>`, deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume({
      callback: (m) => {
        const op = m.headers?.get('KV-Operation');
        onChange(m.subject.slice(prefix.length), op === 'DEL' || op === 'PURGE' ? undefined : { value: m.data, revision: m.seq });
      },
    });
    return () => messages.stop();
  }
  async delete(key: string, expected: number): Promise<number> {
    try {
      // As nats.js's kv.delete, but answering the marker's revision (for `forget`).
      const h = natsHeaders();
      h.set('KV-Operation', 'DEL');
      h.set('Nats-Expected-Last-Subject-Sequence', String(expected));
      return (await this.publisher.publish(`$KV.${this.bucket}.${key}`, new Uint8Array(0), { headers: h })).seq;
    } catch (err) {
      if (isWrongSequence(err)) throw new ConflictError(`${this.bucket}/${key} was changed by another engine process (expected revision ${expected})`, { cause: err });
      throw new UnavailableError(`cannot delete ${this.bucket}/${key}: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/** JetStream's answer to a compare-and-set that lost (10071 wrong last sequence; 10058 on create of an existing key). */
function isWrongSequence(err: unknown): boolean {
  if (err instanceof PublishRefusedError) return err.code === 10071;
  const e = err as { api_error?: { err_code?: number } };
  return e?.api_error?.err_code === 10071 || /wrong last sequence|key exists/i.test(errorMessage(err));
}

/**
 * Connects to NATS; throws UnavailableError when no server answers (the caller
 * decides whether to wait) and ConfigError when it refuses the credentials or TLS.
 */
export async function connectNats(opts: NatsBusOptions): Promise<NatsBus> {
  const nc = await openNatsConnection(opts.servers, opts.security ?? {}, {
    name: 'ioc-engine',
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  const bus = new NatsBus(nc, opts);
  void bus.watchStatus();
  return bus;
}

export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  private readonly js: JetStreamClient;
  /** Hot-path publishes (events, routed events, alerts, dead letters): PubAcks matched by token, see js-publisher.ts. */
  private readonly publisher: JetStreamPublisher;
  private jsm: JetStreamManager | undefined;
  private kvState: StateStore | undefined;
  private readonly alerts$: Observable<Alert>;
  private isConnected = true;

  constructor(
    readonly nc: NatsConnection,
    private readonly opts: NatsBusOptions,
  ) {
    this.js = nc.jetstream();
    this.publisher = new JetStreamPublisher(nc);
    this.alerts$ = new Observable<Alert>((sub) => {
      const s = nc.subscribe('ioc.alerts.>', {
        callback: (err, m) => {
          if (err) return;
          try {
            sub.next(json.decode(m.data) as Alert);
          } catch {
            this.opts.log.warn({ subject: m.subject }, 'ignoring an alert that is not JSON');
          }
        },
      });
      return () => s.unsubscribe();
    }).pipe(share());
  }

  /** Tracks connection state for /readyz and logs disconnects. */
  async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.isConnected = false;
        this.opts.log.warn({ server: s.data }, 'NATS disconnected; reconnecting');
      } else if (s.type === 'reconnect') {
        this.isConnected = true;
        this.opts.log.info({ server: s.data }, 'NATS reconnected');
      } else if (s.type === 'error') {
        // E.g. AUTHORIZATION_VIOLATION after the credentials were revoked: reconnecting fails until they are fixed.
        this.opts.log.error({ err: String(s.data) }, 'NATS refused the connection');
      }
    }
  }

  get state(): StateStore {
    if (!this.kvState) throw new Error('NatsBus.setup() must run before state is used');
    return this.kvState;
  }

  async setup(): Promise<void> {
    this.jsm = await this.nc.jetstreamManager();
    const o = this.opts;
    await this.ensureStream(o.eventsStream, 'ioc.events.>', o.eventsMaxAgeHours * 3_600_000);
    if (o.partitionsStream) {
      await this.ensureStream(o.partitionsStream, 'ioc.part.>', o.eventsMaxAgeHours * 3_600_000);
      // City-wide windows: each partition's panes, for the city slot to combine (cluster/city-combiner.ts).
      await this.ensureStream('IOC_PARTIALS', 'ioc.partials.>', o.eventsMaxAgeHours * 3_600_000);
    }
    await this.ensureStream(o.alertsStream, 'ioc.alerts.>', 30 * 86_400_000);
    await this.ensureStream(o.dlqStream, 'ioc.dlq.>', 14 * 86_400_000);
    const kv = await this.js.views.kv(o.stateBucket, { history: 1, replicas: o.replicas });
    this.kvState = new KvState(kv, this.jsm!, o.stateBucket);
  }

  private async ensureStream(name: string, subject: string, maxAgeMs: number): Promise<void> {
    const jsm = this.jsm!;
    try {
      const info = await jsm.streams.info(name);
      if (!info.config.subjects?.includes(subject)) {
        this.opts.log.warn({ stream: name, subjects: info.config.subjects }, `stream ${name} exists without subject ${subject}`);
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.streams.add({
        name,
        subjects: [subject],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(maxAgeMs),
        num_replicas: this.opts.replicas,
        duplicate_window: nanos(120_000),
      });
      this.opts.log.info({ stream: name, subject }, 'created stream');
    }
  }

  async publishEvent(event: IocEvent): Promise<PublishResult> {
    const ack = await this.publisher.publish(`ioc.events.${event.type}`, json.encode(event), { msgId: eventKey(event) });
    return { duplicate: ack.duplicate };
  }

  async publishRaw(subject: string, data: Uint8Array, headers?: Record<string, string>): Promise<PublishResult> {
    let h;
    if (headers) {
      h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, headerValue(v));
    }
    const ack = await this.publisher.publish(subject, data, h ? { headers: h } : {});
    return { duplicate: ack.duplicate };
  }

  async consumeEvents(opts: ConsumeOptions, onMessage: (m: InboundMessage) => void): Promise<void> {
    const source = opts.source ?? this.ownSource();
    const start = await this.positionConsumer(opts.startAfter, source);
    const consumer = await this.js.consumers.get(source.stream, source.consumer);
    const progress: ReadProgress = { delivered: 0, acked: 0 };
    let gap = false;
    let stalled = false;
    let failure: unknown;
    // Callback mode: messages are handed over as the socket is parsed, with no
    // promise per message; the pull bound (max_messages) limits each burst.
    const messages = await consumer.consume({
      max_messages: opts.batch,
      // A consumer that vanished (deleted, or lost with a NATS node in a fail-over) ends the read, and the
      // caller re-creates it from its checkpoint; by default nats.js would wait for it forever, silently.
      abort_on_missing_resource: true,
      callback: (m) => {
        if (gap || stalled) return;
        // The consumer numbers its deliveries 1, 2, 3...; a jump means a message
        // was delivered but never reached us (lost in a reconnect). Acknowledging
        // past it (AckPolicy.All) would lose it, so stop here and resume from the checkpoint.
        // JsMsgImpl exposes `reply` (not in the JsMsg type); when absent, fall back to nats.js's own parser.
        const reply = (m as JsMsg & { reply?: string }).reply;
        const numbers = (reply !== undefined ? ackNumbers(reply) : undefined) ?? { streamSeq: m.seq, deliverySeq: m.info.deliverySequence };
        const delivery = numbers.deliverySeq;
        if (progress.delivered !== 0 && delivery !== progress.delivered + 1) {
          gap = true;
          this.opts.log.warn({ expected: progress.delivered + 1, got: delivery, streamSeq: numbers.streamSeq }, 'delivery gap: resuming from the checkpoint');
          messages.stop();
          return;
        }
        progress.delivered = delivery;
        try {
          onMessage(new NatsInbound(m, numbers.streamSeq, delivery, progress));
        } catch (err) {
          // Never let our failure unwind into the client's protocol handler.
          failure ??= err;
          messages.stop();
        }
      },
    });
    const stop = () => messages.stop();
    opts.signal.addEventListener('abort', stop, { once: true });
    // Stopped while the consumer was being set up: the abort event has already fired.
    if (opts.signal.aborted) stop();
    const stopWatching = this.watchStall(source, progress, () => {
      stalled = true;
      messages.stop();
    });
    try {
      const ended = await messages.closed();
      if (failure !== undefined) throw failure;
      if (ended instanceof Error && !opts.signal.aborted && !gap && !stalled) throw ended;
    } finally {
      stopWatching();
      opts.signal.removeEventListener('abort', stop);
      this.opts.log.debug({ from: start }, 'stopped consuming');
    }
  }

  /**
   * Ends a read that has received nothing for `stallSeconds` although events
   * waited for it all along (undelivered, or delivered by the server beyond
   * what reached us: into a pull that no longer arrives) and nothing it
   * handed over awaits an acknowledgement (the engine holding events back is
   * backpressure, not a stall). Checked four times per period, by asking
   * the server about the consumer only when nothing is in flight.
   * nats.js re-pulls on missed heartbeats, but not in every case: a partition
   * was seen stopped for good under load in a NATS cluster fail-over
   * (delivered 7,800, pending 1,307, ack pending 0). The reader then resumes
   * from its checkpoint on a re-created consumer, as after a delivery gap.
   */
  private watchStall(source: EventSource, progress: ReadProgress, onStall: () => void): () => void {
    const stallMs = (this.opts.stallSeconds ?? 30) * 1000;
    let checking = false;
    let stopped = false;
    // When events were first seen waiting with nothing received since, and how many had been received then.
    let suspectSince = 0;
    let suspectDelivered = 0;
    const timer = setInterval(() => {
      // Something handed over awaits its acknowledgement: the engine is busy or holding back.
      if (checking || progress.acked !== progress.delivered) return;
      checking = true;
      this.jsm!.consumers.info(source.stream, source.consumer).then(
        (info) => {
          checking = false;
          if (stopped) return;
          const waiting = info.num_pending > 0 || info.delivered.consumer_seq > progress.delivered;
          if (!waiting || progress.acked !== progress.delivered) {
            suspectSince = 0;
            return;
          }
          const now = Date.now();
          if (suspectSince === 0 || progress.delivered !== suspectDelivered) {
            suspectSince = now; // events may be on their way: a stall only if still nothing comes
            suspectDelivered = progress.delivered;
            return;
          }
          if (now - suspectSince < stallMs) return;
          this.opts.log.warn(
            { stream: source.stream, consumer: source.consumer, pending: info.num_pending, deliveredByServer: info.delivered.consumer_seq, received: progress.delivered, waitedSeconds: Math.round((now - suspectSince) / 1000) },
            'the event stream stopped delivering although events wait: resuming from the checkpoint',
          );
          stop();
          onStall();
        },
        // NATS unreachable, or the consumer gone: the client's own reconnect and abort_on_missing_resource handle those.
        () => (checking = false),
      );
    }, Math.max(250, stallMs / 4));
    timer.unref?.();
    const stop = () => {
      stopped = true;
      clearInterval(timer);
    };
    return stop;
  }

  /**
   * (Re)creates the durable consumer so delivery starts right after
   * `startAfter`: what the engine committed, or earlier when it replays from a
   * state snapshot. The engine owns its consumer: one process per consumer
   * name (scale-out gives each process its own partition and consumer); the
   * consumer's own ack floor only shows progress.
   */
  private async positionConsumer(startAfter: number, source: EventSource): Promise<number> {
    const o = this.opts;
    const jsm = this.jsm!;
    try {
      await jsm.consumers.delete(source.stream, source.consumer);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const from = startAfter + 1;
    await jsm.consumers.add(source.stream, {
      durable_name: source.consumer,
      ack_policy: AckPolicy.All,
      ...(from > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from } : { deliver_policy: DeliverPolicy.All }),
      filter_subject: source.filterSubject,
      max_ack_pending: o.maxAckPending,
      ack_wait: nanos(o.ackWaitSeconds * 1000),
    });
    o.log.info({ stream: source.stream, consumer: source.consumer, filter: source.filterSubject, from }, 'consuming events');
    return from;
  }

  /** The shared board where engine processes lease partitions (scale-out). */
  leaseBoard(leaseMs: number): Promise<LeaseBoard> {
    return openKvBoard(this.nc, { leaseMs, replicas: this.opts.replicas });
  }

  /** The engine's own consumer on IOC_EVENTS (one process, no partitions). */
  private ownSource(): EventSource {
    return { stream: this.opts.eventsStream, consumer: this.opts.consumer, filterSubject: 'ioc.events.>' };
  }

  /** Messages in a source not yet delivered to its consumer (partition lag, `ioc cluster status`). */
  async pendingOf(source: EventSource): Promise<number> {
    const info = await this.jsm!.consumers.info(source.stream, source.consumer);
    return info.num_pending;
  }

  /** The partitions (below `partitions`) whose subjects hold messages in the routed stream. */
  async partitionsWithEvents(stream: string, partitions: number): Promise<number[]> {
    const info = await this.jsm!.streams.info(stream, { subjects_filter: 'ioc.part.>' });
    const out = new Set<number>();
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const p = Number(subject.split('.')[2]);
      if (Number.isInteger(p) && p >= 0 && p < partitions) out.add(p);
    }
    return [...out].sort((a, b) => a - b);
  }

  /** Events in the stream not yet delivered to the engine's consumer. */
  async pending(): Promise<number> {
    const info = await this.jsm!.consumers.info(this.opts.eventsStream, this.opts.consumer);
    return info.num_pending;
  }

  async publishDeadLetter(letter: DeadLetter): Promise<void> {
    const h = natsHeaders();
    h.set('Ioc-Reason', letter.rejection.reason);
    h.set('Ioc-Detail', headerValue(letter.rejection.detail));
    h.set('Ioc-Subject', headerValue(letter.subject));
    if (letter.rejection.id) h.set('Ioc-Event-Id', headerValue(letter.rejection.id));
    if (letter.contentType) h.set('Content-Type', headerValue(letter.contentType));
    await this.publisher.publish(`ioc.dlq.${letter.rejection.reason}`, letter.data, { headers: h });
  }

  async publishAlert(alert: Alert): Promise<void> {
    await this.publisher.publish(alertSubject(alert), json.encode(alert), { msgId: alertMessageId(alert) });
  }

  alerts(): Observable<Alert> {
    return this.alerts$;
  }

  async readAlerts(startAfter: number, onAlert: (alert: Alert, seq: number) => void, signal: AbortSignal): Promise<void> {
    // An ordered consumer: ephemeral, flow-controlled, recreated by nats.js on gaps.
    const consumer = await this.js.consumers.get(this.opts.alertsStream, { opt_start_seq: startAfter + 1 });
    const messages = await consumer.consume({
      callback: (m) => {
        let alert: Alert;
        try {
          alert = json.decode(m.data) as Alert;
        } catch {
          this.opts.log.warn({ subject: m.subject, seq: m.seq }, 'skipping an alert that is not JSON');
          return;
        }
        onAlert(alert, m.seq);
      },
    });
    const stop = () => messages.stop();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    try {
      await messages.closed();
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** Whether a stream captures a notification subject, looked up at most once a minute per subject. */
  private readonly captured = new Map<string, { stream: boolean; until: number }>();

  async publishNotification(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    let c = this.captured.get(subject);
    if (!c || c.until < Date.now()) {
      const stream = await this.jsm!.streams.find(subject).then(() => true, () => false);
      this.captured.set(subject, (c = { stream, until: Date.now() + 60_000 }));
    }
    if (c.stream) {
      await this.publisher.publish(subject, data, { msgId });
      return;
    }
    // No stream keeps it: a plain publish, flushed so that a lost connection fails the attempt.
    const h = natsHeaders();
    h.set('Nats-Msg-Id', headerValue(msgId));
    this.nc.publish(subject, data, { headers: h });
    await this.nc.flush();
  }

  async versionedStore(bucket: string): Promise<VersionedStore> {
    const kv = await this.js.views.kv(bucket, { history: 1, replicas: this.opts.replicas });
    return new KvVersioned(kv, this.jsm!, bucket, this.publisher, this.js);
  }

  connected(): boolean {
    return this.isConnected && !this.nc.isClosed();
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    this.publisher.close();
    await this.nc.drain().catch(() => this.nc.close());
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: string | number; api_error?: { code?: number } };
  return e?.api_error?.code === 404 || e?.code === '404' || e?.code === 404 || /not found/i.test(errorMessage(err));
}
