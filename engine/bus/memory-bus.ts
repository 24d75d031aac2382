// The Bus in one process, for the embedded demo when no NATS is reachable.
// Same contract as the NATS bus (de-duplication, acknowledgement, bounded
// in-flight), but nothing survives the process and nothing is shared.

import { Subject, type Observable } from 'rxjs';
import type { Alert } from '../alerts/index.ts';
import { eventKey, type IocEvent } from '../events/index.ts';
import { ConflictError } from '../errors/index.ts';
import type { Bus, ConsumeOptions, DeadLetter, InboundMessage, PublishResult, StateStore, VersionedEntry, VersionedStore } from './bus.ts';

interface Stored {
  seq: number;
  subject: string;
  data: Uint8Array;
  contentType: string | undefined;
}

class MemoryState implements StateStore {
  private readonly map = new Map<string, Uint8Array>();
  private readonly revisions = new Map<string, number>();
  private revision = 0;
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.map.get(key);
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, value);
    this.revisions.set(key, ++this.revision);
  }
  async getVersioned(key: string): Promise<VersionedEntry | undefined> {
    const value = this.map.get(key);
    return value === undefined ? undefined : { value, revision: this.revisions.get(key)! };
  }
  async putIfRevision(key: string, value: Uint8Array, expected: number): Promise<number> {
    const current = this.map.has(key) ? this.revisions.get(key)! : 0;
    if (current !== expected) throw new ConflictError(`${key} was changed by another engine process (expected revision ${expected}, found ${current})`);
    await this.put(key, value);
    return this.revisions.get(key)!;
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
    this.revisions.delete(key);
  }
  async entries(prefix: string): Promise<Map<string, Uint8Array>> {
    return new Map([...this.map].filter(([k]) => k.startsWith(prefix)));
  }
}

class MemoryVersioned implements VersionedStore {
  private readonly map = new Map<string, VersionedEntry>();
  private readonly watchers = new Set<(key: string, entry: VersionedEntry | undefined) => void>();
  private revision = 0;
  async watch(onChange: (key: string, entry: VersionedEntry | undefined) => void): Promise<() => void> {
    this.watchers.add(onChange);
    return () => void this.watchers.delete(onChange);
  }
  private changed(key: string, entry: VersionedEntry | undefined): void {
    for (const w of this.watchers) queueMicrotask(() => w(key, entry));
  }
  async entries(): Promise<Map<string, VersionedEntry>> {
    return new Map(this.map);
  }
  async put(key: string, value: Uint8Array, expected: number): Promise<number> {
    if ((this.map.get(key)?.revision ?? 0) !== expected) throw new ConflictError(`${key} was changed by someone else (expected revision ${expected})`);
    const revision = ++this.revision;
    this.map.set(key, { value, revision });
    this.changed(key, { value, revision });
    return revision;
  }
  async delete(key: string, expected: number): Promise<number> {
    if ((this.map.get(key)?.revision ?? 0) !== expected) throw new ConflictError(`${key} was changed by someone else (expected revision ${expected})`);
    this.map.delete(key);
    this.changed(key, undefined);
    return ++this.revision;
  }
  async forget(): Promise<void> {
    // Nothing is left behind by a delete here.
  }
}

export interface MemoryBusOptions {
  /** Most messages kept; older ones are dropped like a stream's limits would. */
  maxMessages?: number;
}

export class MemoryBus implements Bus {
  readonly kind = 'embedded' as const;
  readonly state: StateStore = new MemoryState();
  /** Dead letters kept for inspection (newest last, bounded). */
  readonly deadLetters: DeadLetter[] = [];
  private readonly log: Stored[] = [];
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];
  private seq = 0;
  private ackFloor = 0;
  private wake: (() => void) | undefined;
  private readonly alerts$ = new Subject<Alert>();
  private readonly maxMessages: number;
  private closed = false;

  constructor(opts: MemoryBusOptions = {}) {
    this.maxMessages = opts.maxMessages ?? 200_000;
  }

  async setup(): Promise<void> {}

  async publishEvent(event: IocEvent): Promise<PublishResult> {
    return this.append(`ioc.events.${event.type}`, Buffer.from(JSON.stringify(event)), undefined, eventKey(event));
  }

  async publishRaw(subject: string, data: Uint8Array, headers?: Record<string, string>): Promise<PublishResult> {
    return this.append(subject, data, headers?.['Content-Type'], headers?.['Nats-Msg-Id']);
  }

  private append(subject: string, data: Uint8Array, contentType: string | undefined, msgId: string | undefined): PublishResult {
    if (msgId !== undefined) {
      if (this.seen.has(msgId)) return { duplicate: true };
      this.seen.add(msgId);
      this.seenOrder.push(msgId);
      if (this.seenOrder.length > 100_000) this.seen.delete(this.seenOrder.shift()!);
    }
    this.log.push({ seq: ++this.seq, subject, data, contentType });
    if (this.log.length > this.maxMessages) this.log.shift();
    this.wake?.();
    return { duplicate: false };
  }

  async consumeEvents(opts: ConsumeOptions, onMessage: (m: InboundMessage) => void): Promise<void> {
    if (opts.source) throw new Error('the embedded bus has one event stream: scale-out (cluster.partitions) needs NATS');
    let next = opts.startAfter + 1;
    let sinceYield = 0;
    while (!opts.signal.aborted && !this.closed) {
      const first = this.log[0]?.seq ?? this.seq + 1;
      if (next < first) next = first;
      if (next > this.seq || next - this.ackFloor > opts.maxInFlight) {
        sinceYield = 0;
        await new Promise<void>((resolve) => {
          const done = () => {
            if (this.wake === done) this.wake = undefined;
            clearTimeout(timer);
            opts.signal.removeEventListener('abort', done);
            resolve();
          };
          this.wake = done;
          opts.signal.addEventListener('abort', done, { once: true });
          // Also wake periodically so acknowledgements free room for more in-flight messages.
          const timer = setTimeout(done, 20);
        });
        continue;
      }
      const m = this.log[next - first]!;
      next++;
      const seq = m.seq;
      onMessage({
        seq,
        subject: m.subject,
        data: m.data,
        contentType: m.contentType,
        ack: () => {
          if (seq > this.ackFloor) this.ackFloor = seq;
        },
      });
      // Like a pull batch: give timers and I/O a turn now and then.
      if (++sinceYield >= 512) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  async publishDeadLetter(letter: DeadLetter): Promise<void> {
    this.deadLetters.push(letter);
    if (this.deadLetters.length > 1000) this.deadLetters.shift();
  }

  async publishAlert(alert: Alert): Promise<void> {
    this.alerts$.next(alert);
  }

  alerts(): Observable<Alert> {
    return this.alerts$;
  }

  /** Nothing is kept in memory for replay: reads from now on, numbering the changes itself. */
  async readAlerts(_startAfter: number, onAlert: (alert: Alert, seq: number) => void, signal: AbortSignal): Promise<void> {
    let seq = 0;
    const sub = this.alerts$.subscribe((a) => onAlert(a, ++seq));
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      sub.add(() => resolve());
    });
    sub.unsubscribe();
  }

  /** Published notifications, newest last (bounded), for the demo and tests. */
  readonly notifications: { subject: string; data: Uint8Array; msgId: string }[] = [];

  async publishNotification(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    if (this.notifications.some((n) => n.msgId === msgId)) return;
    this.notifications.push({ subject, data, msgId });
    if (this.notifications.length > 1000) this.notifications.shift();
  }

  private readonly buckets = new Map<string, MemoryVersioned>();

  async versionedStore(bucket: string): Promise<VersionedStore> {
    let b = this.buckets.get(bucket);
    if (!b) this.buckets.set(bucket, (b = new MemoryVersioned()));
    return b;
  }

  connected(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.alerts$.complete();
  }
}
