// The outbox in a NATS KV bucket, shared by restarts of the engine: one key
// per notification id holding either the pending request or, once delivered, a
// tombstone with the time. It must never let two adds of one id both succeed:
// `kv.create` refuses a key that exists.

import type { JetStreamClient, JetStreamManager, KV } from 'nats';
import { errorMessage, InvalidArgumentError, UnavailableError } from '../errors/index.ts';
import { kvKeys } from '../bus/kv-keys.ts';
import type { NotificationRequest } from '../incidents/model.ts';
import { byCreatedAt, DEFAULT_DELIVERED_RETENTION_MS, type ClaimResult, type Outbox, type OutboxOutcome, type PendingNotification } from './outbox.ts';

/** Default bucket name. */
export const DEFAULT_OUTBOX_BUCKET = 'ioc_notify_outbox';

const PREFIX = 'n.';
/** JetStream's "wrong last sequence": the key already has a value. */
const KEY_EXISTS = 10071;

type Stored =
  | { state: 'pending'; request: NotificationRequest; attempts: number; nextAt: number; claim?: { owner: string; until: number } }
  | { state: OutboxOutcome; at: number };

export interface KvOutboxOptions {
  /** Bucket name (default `ioc_notify_outbox`); created when missing. */
  bucket?: string;
  /** Bucket replicas (default 1; 3 in production, see decision 0404). */
  replicas?: number;
  /** How long delivered ids are remembered (default 7 days). */
  retentionMs?: number;
  now?: () => number;
}

/** KV keys allow `[-/_=.a-zA-Z0-9]`; ids may hold anything, so they are base64url-encoded. */
function keyOf(id: string): string {
  if (id === '') throw new InvalidArgumentError('notification id must not be empty');
  return PREFIX + Buffer.from(id, 'utf8').toString('base64url');
}

function unavailable(what: string, err: unknown): UnavailableError {
  return err instanceof UnavailableError || err instanceof InvalidArgumentError ? err : new UnavailableError(`notification outbox: ${what}: ${errorMessage(err)}`, { cause: err });
}

/**
 * An outbox that survives restarts and crashes.
 *
 * @example
 * const outbox = await KvOutbox.open(nc.jetstream(), { bucket: 'ioc_notify_outbox' });
 * await outbox.add(req); // → true; false for the same id again, even after a restart
 */
export class KvOutbox implements Outbox {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    private readonly now: () => number,
    private readonly retentionMs: number,
  ) {}

  /** Binds to the bucket, creating it when missing. */
  static async open(js: JetStreamClient, opts: KvOutboxOptions = {}): Promise<KvOutbox> {
    const bucket = opts.bucket ?? DEFAULT_OUTBOX_BUCKET;
    try {
      const kv = await js.views.kv(bucket, { history: 1, replicas: opts.replicas ?? 1 });
      return new KvOutbox(kv, await js.jetstreamManager(), bucket, opts.now ?? Date.now, opts.retentionMs ?? DEFAULT_DELIVERED_RETENTION_MS);
    } catch (err) {
      throw unavailable(`cannot open bucket ${bucket}`, err);
    }
  }

  async add(req: NotificationRequest): Promise<boolean> {
    const key = keyOf(req.id);
    const value: Stored = { state: 'pending', request: req, attempts: 0, nextAt: 0 };
    try {
      await this.kv.create(key, JSON.stringify(value));
      return true;
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code === KEY_EXISTS) return false;
      throw unavailable(`cannot add ${req.id}`, err);
    }
  }

  async pending(): Promise<PendingNotification[]> {
    const out: PendingNotification[] = [];
    try {
      for (const { value } of await this.entries()) {
        if (value.state === 'pending') out.push({ request: value.request, attempts: value.attempts, nextAt: value.nextAt });
      }
    } catch (err) {
      throw unavailable('cannot list pending notifications', err);
    }
    return out.sort(byCreatedAt);
  }

  async attempted(id: string, attempts: number, nextAt: number): Promise<void> {
    const key = keyOf(id);
    try {
      const e = await this.kv.get(key);
      if (!e || e.operation !== 'PUT') return;
      const value = e.json<Stored>();
      if (value.state !== 'pending') return;
      // update(), not put(): a tombstone written meanwhile must not turn back into a pending entry. The claim ends here.
      await this.kv.update(key, JSON.stringify({ request: value.request, state: 'pending', attempts, nextAt } satisfies Stored), e.revision);
    } catch (err) {
      throw unavailable(`cannot record an attempt of ${id}`, err);
    }
  }

  async claim(id: string, owner: string, until: number): Promise<ClaimResult> {
    const key = keyOf(id);
    try {
      const e = await this.kv.get(key);
      if (!e || e.operation !== 'PUT') return { kind: 'done' };
      const value = e.json<Stored>();
      if (value.state !== 'pending') return { kind: 'done' };
      const c = value.claim;
      if (c && c.owner !== owner && c.until > this.now()) return { kind: 'taken', until: c.until };
      // Compare-and-set on the revision read: of two processes claiming at once, one wins.
      await this.kv.update(key, JSON.stringify({ ...value, claim: { owner, until } } satisfies Stored), e.revision);
      return { kind: 'claimed' };
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code === KEY_EXISTS) return { kind: 'taken', until: this.now() + 1000 };
      throw unavailable(`cannot claim ${id}`, err);
    }
  }

  async delivered(id: string, outcome: OutboxOutcome = 'delivered'): Promise<void> {
    try {
      await this.kv.put(keyOf(id), JSON.stringify({ state: outcome, at: this.now() } satisfies Stored));
    } catch (err) {
      throw unavailable(`cannot record ${id} as ${outcome}`, err);
    }
  }

  async prune(): Promise<number> {
    const cutoff = this.now() - this.retentionMs;
    let n = 0;
    try {
      for (const { key, value } of await this.entries()) {
        if (value.state !== 'pending' && value.at < cutoff) {
          // A stream purge of the key's subject, unlike kv.delete/purge, leaves no marker behind to pile up.
          await this.jsm.streams.purge(`KV_${this.bucket}`, { filter: `$KV.${this.bucket}.${key}` });
          n++;
        }
      }
    } catch (err) {
      throw unavailable('cannot prune delivered ids', err);
    }
    return n;
  }

  private async entries(): Promise<{ key: string; value: Stored }[]> {
    const out: { key: string; value: Stored }[] = [];
    for (const key of await kvKeys(this.jsm, this.bucket, PREFIX)) {
      const e = await this.kv.get(key);
      if (e && e.operation === 'PUT') out.push({ key, value: e.json<Stored>() });
    }
    return out;
  }
}
