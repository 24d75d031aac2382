// JetStream publishes for the hot paths (routing every event, alerts, ingest):
// a core NATS publish with a reply subject under one inbox subscription, and
// the PubAck matched back by token. Same guarantee as nats.js's
// `js.publish` (resolved only when the stream has stored the message, or
// reports it a duplicate of its `Nats-Msg-Id`), without its per-message
// costs: nats.js creates a request, a timer and (even on success) an Error
// with a stack for every publish, which was a tenth of the router's CPU.
// Here there is one Map entry per publish and one sweep timer for all.

import { createInbox, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type NatsError, type Subscription } from 'nats';
import { UnavailableError } from '../errors/index.ts';

export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/** JetStream refused a publish (e.g. a wrong expected sequence); `code` is its err_code. */
export class PublishRefusedError extends Error {
  constructor(message: string, readonly code: number | undefined) {
    super(message);
    this.name = 'PublishRefusedError';
  }
}

interface Pending {
  resolve(ack: PubAck): void;
  reject(err: Error): void;
  deadline: number;
  subject: string;
}

const decoder = new TextDecoder();

export class JetStreamPublisher {
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private next = 0;
  private readonly sub: Subscription;
  private readonly sweeper: ReturnType<typeof setInterval>;

  /** `timeoutMs`: how long a publish waits for its PubAck before it fails (the caller retries with the same message id). */
  constructor(private readonly nc: NatsConnection, private readonly timeoutMs = 5000) {
    this.prefix = `${createInbox()}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, m) => this.onReply(err, m) });
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.floor(timeoutMs / 10)));
    this.sweeper.unref();
  }

  /** Publishes to a subject a stream captures; resolves with the PubAck. `msgId` sets `Nats-Msg-Id` (de-duplication). */
  publish(subject: string, data: Uint8Array, o: { msgId?: string; headers?: MsgHdrs } = {}): Promise<PubAck> {
    let h = o.headers;
    if (o.msgId !== undefined) {
      h ??= natsHeaders();
      h.set('Nats-Msg-Id', o.msgId);
    }
    const token = (this.next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs, subject });
      try {
        this.nc.publish(subject, data, { reply: this.prefix + token, ...(h ? { headers: h } : {}) });
      } catch (err) {
        this.pending.delete(token);
        reject(new UnavailableError(`publish to ${subject}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
    });
  }

  /** Publishes waiting for their PubAck. */
  get inFlight(): number {
    return this.pending.size;
  }

  private onReply(err: NatsError | null, m: Msg): void {
    if (err) {
      this.failAll(new UnavailableError(`PubAck subscription failed: ${err.message}`, { cause: err }));
      return;
    }
    const token = m.subject.slice(this.prefix.length);
    const p = this.pending.get(token);
    if (!p) return; // timed out already
    this.pending.delete(token);
    const h = m.headers;
    if (h && h.hasError) {
      p.reject(h.code === 503
        ? new UnavailableError(`no JetStream stream answered for ${p.subject} (503 no responders): is the stream created and the server running JetStream?`)
        : new UnavailableError(`publish to ${p.subject}: ${h.code} ${h.description}`));
      return;
    }
    let ack: { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = JSON.parse(decoder.decode(m.data)) as typeof ack;
    } catch {
      p.reject(new UnavailableError(`publish to ${p.subject}: the PubAck is not JSON`));
      return;
    }
    if (ack.error) {
      p.reject(new PublishRefusedError(`JetStream refused the publish to ${p.subject}: ${ack.error.description ?? 'no description'} (${ack.error.err_code ?? ack.error.code})`, ack.error.err_code));
      return;
    }
    p.resolve({ stream: ack.stream ?? '', seq: ack.seq ?? 0, duplicate: ack.duplicate === true });
  }

  /** Fails publishes whose PubAck is overdue (the Map is in publish order, so the oldest come first). */
  private sweep(): void {
    if (this.pending.size === 0) return;
    const now = Date.now();
    for (const [token, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(token);
      p.reject(new UnavailableError(`publish to ${p.subject}: no PubAck within ${this.timeoutMs} ms`));
    }
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  /** Fails what is still waiting and stops listening for PubAcks. */
  close(): void {
    clearInterval(this.sweeper);
    this.failAll(new UnavailableError('the publisher is closed'));
    this.sub.unsubscribe();
  }
}
