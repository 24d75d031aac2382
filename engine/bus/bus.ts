// What the engine needs from its message bus. NATS JetStream implements it for
// real deployments; an in-process bus backs the embedded demo. The pipeline and
// the APIs only see this interface.

import type { Observable } from 'rxjs';
import type { Alert } from '../alerts/alert.ts';
import type { IocEvent, Rejection } from '../events/index.ts';

/** One message read from the event stream. */
export interface InboundMessage {
  /** Stream sequence; increases in delivery order except for redeliveries. */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** The `Content-Type` header, if any. */
  readonly contentType: string | undefined;
  /** Acknowledges this message and every earlier one of the same consumer. */
  ack(): void;
}

export interface ConsumeOptions {
  /**
   * Stream sequence already committed (the engine's checkpoint): delivery
   * starts right after it, in order, so nothing unacknowledged waits for a
   * redelivery timeout and nothing is acknowledged past a message never seen.
   */
  startAfter: number;
  /** Most messages the bus may hand over before they are acknowledged. */
  maxInFlight: number;
  /** Messages requested per pull. */
  batch: number;
  signal: AbortSignal;
  /** Read another stream or subject than the engine's own consumer on IOC_EVENTS (a partition, the router). */
  source?: EventSource;
}

/** Where a consumer reads: its stream, durable name and subject filter. */
export interface EventSource {
  stream: string;
  consumer: string;
  filterSubject: string;
}

/** A message the engine could not accept, with the original bytes. */
export interface DeadLetter {
  rejection: Rejection;
  subject: string;
  data: Uint8Array;
  contentType: string | undefined;
}

/** A small key-value store for engine state (alert state, checkpoints). */
export interface StateStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  /** The value with its revision (to compare against), or undefined when absent. */
  getVersioned(key: string): Promise<VersionedEntry | undefined>;
  /**
   * Writes if the key's revision is still `expected` (0: absent); resolves
   * with the new revision, rejects with ConflictError when another process
   * wrote first (a checkpoint's fencing).
   */
  putIfRevision(key: string, value: Uint8Array, expected: number): Promise<number>;
  delete(key: string): Promise<void>;
  /** Every key with this prefix and its value. */
  entries(prefix: string): Promise<Map<string, Uint8Array>>;
}

/** One entry of a versioned store: its bytes and the revision to compare against. */
export interface VersionedEntry {
  value: Uint8Array;
  revision: number;
}

/**
 * A key-value bucket with compare-and-set, for state that two engine
 * processes must never overwrite blindly (incidents, silences).
 */
export interface VersionedStore {
  /** Every key and its latest entry. */
  entries(): Promise<Map<string, VersionedEntry>>;
  /**
   * Writes `value` if the key's revision is still `expected` (0: the key must
   * not exist); resolves with the new revision, rejects with ConflictError
   * when someone else wrote first.
   */
  put(key: string, value: Uint8Array, expected: number): Promise<number>;
  /**
   * Calls `onChange` for every write and delete made from now on, by any
   * process (undefined entry: deleted), until the returned function is called.
   */
  watch(onChange: (key: string, entry: VersionedEntry | undefined) => void): Promise<() => void>;
  /**
   * Deletes the key if its revision is still `expected` (ConflictError
   * otherwise); resolves with the revision of the delete marker that tells
   * watchers.
   */
  delete(key: string, expected: number): Promise<number>;
  /**
   * Removes a delete marker once watchers had time to see it (NATS keeps one
   * per deleted key for good otherwise, and every reload reads them). Removes
   * nothing written after it.
   */
  forget(key: string, markerRevision: number): Promise<void>;
}

export interface PublishResult {
  /** The bus already held this event (same source and id): nothing new was stored. */
  duplicate: boolean;
}

export interface Bus {
  readonly kind: 'nats' | 'embedded';
  /** Creates streams, the durable consumer and KV buckets when absent. */
  setup(): Promise<void>;
  /** Publishes an accepted event into the event stream, de-duplicated by (source, id). */
  publishEvent(event: IocEvent): Promise<PublishResult>;
  /** Publishes raw bytes on an event subject, as an outside sender would. */
  publishRaw(subject: string, data: Uint8Array, headers?: Record<string, string>): Promise<PublishResult>;
  /**
   * Reads the event stream through the engine's durable consumer, in bounded
   * batches, from `startAfter + 1`, handing each message to `onMessage` as it
   * arrives (synchronously, no promise per message). Resolves when reading
   * stops: on abort, or when the bus cannot guarantee that no message was
   * skipped (e.g. a delivery lost in a reconnect); the caller then commits
   * what it has and calls again.
   */
  consumeEvents(opts: ConsumeOptions, onMessage: (m: InboundMessage) => void): Promise<void>;
  /** Stores a rejected message on `ioc.dlq.<reason>`; resolves once it is durable. */
  publishDeadLetter(letter: DeadLetter): Promise<void>;
  /** Publishes an alert state change on `ioc.alerts.<severity>.<rule>`; resolves once durable. */
  publishAlert(alert: Alert): Promise<void>;
  /** Every alert state change published on the bus, live, from any engine process. */
  alerts(): Observable<Alert>;
  /**
   * Reads the alerts stream in order from `startAfter + 1`, calling `onAlert`
   * with each change and its stream sequence, live, until `signal` aborts.
   * Keeps no server-side state: the caller keeps its own position.
   */
  readAlerts(startAfter: number, onAlert: (alert: Alert, seq: number) => void, signal: AbortSignal): Promise<void>;
  /** Publishes a notification; de-duplicated by `msgId` when a stream captures the subject. Resolves once sent (stored, when a stream captures it). */
  publishNotification(subject: string, data: Uint8Array, msgId: string): Promise<void>;
  /** Opens (creating when absent) a versioned bucket. */
  versionedStore(bucket: string): Promise<VersionedStore>;
  /** Engine state that must survive restarts. */
  readonly state: StateStore;
  /** True while connected. */
  connected(): boolean;
  close(): Promise<void>;
}
