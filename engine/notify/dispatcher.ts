// Delivers notification requests to their receivers, reliably and without
// blocking the engine: one queue per receiver, in order of decision, each
// retried with backoff until delivered or refused for good, all through the
// outbox so a restart resumes them. It must never throw into its caller's
// path for a delivery problem, and never let one receiver hold up another.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryAttempt, NotificationRequest } from '../incidents/model.ts';
import { ConfigError, errorMessage } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.ts';
import { payloadFor, postWebhook, publishNats, type Outcome, type Publish } from './deliver.ts';
import { byCreatedAt, type Outbox, type OutboxOutcome, type PendingNotification } from './outbox.ts';
import type { ReceiverConfig } from './receiver-schema.ts';

/** How often delivered ids past their retention are pruned from the outbox. */
const PRUNE_EVERY_MS = 3600_000;
/**
 * How often the outbox is read again for notifications another engine
 * process decided but did not deliver (it died, or is stuck): they are
 * attempted here, under a claim. Only those older than this are taken, so a
 * live process delivers its own, in order.
 */
export const RESCAN_EVERY_MS = 15_000;
/** A claim outlasts the longest attempt by this much (a webhook's timeout plus this). */
const CLAIM_MARGIN_MS = 30_000;
/** Retry spacing for recording an outcome in the outbox while it is unreachable (a NATS restart). */
const RECORD_BACKOFF: Readonly<Backoff> = { initialMs: 250, maxMs: 5000 };

export interface DispatcherOptions {
  receivers: ReceiverConfig[];
  outbox: Outbox;
  /** Publishes on NATS (JetStream, so `msgId` de-duplicates); used by `nats` receivers. */
  publish: Publish;
  fetch?: typeof fetch;
  now?: () => number;
  backoff?: Backoff;
  /** Called after each attempt (for `notification_deliveries`); its errors are logged, not raised. */
  onAttempt?: (a: DeliveryAttempt) => void;
  log: Logger;
  /** Where `secretEnv` is read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Notifications waiting for one receiver at most (default MAX_QUEUE_PER_RECEIVER); past it the oldest waiting one is dropped. */
  maxQueuePerReceiver?: number;
  /** How often to take over other processes' stale notifications from the outbox (default RESCAN_EVERY_MS; 0 = never). */
  rescanEveryMs?: number;
  /** This process's name on its claims (default a random id). */
  owner?: string;
}

/**
 * A receiver that stays down through a long storm gathers notifications
 * (about one per incident change). Past this many waiting, the oldest is
 * dropped — recorded as a failed delivery and logged — so memory and the
 * outbox stay bounded; the incident itself keeps every change.
 */
export const MAX_QUEUE_PER_RECEIVER = 10_000;

interface Queue {
  receiver: ReceiverConfig;
  secret: string | undefined;
  /** Oldest createdAt first; the head is the only one attempted. */
  items: PendingNotification[];
  ids: Set<string>;
  timer: ReturnType<typeof setTimeout> | undefined;
  inflight: Promise<void> | undefined;
  /** The notification being attempted now, if any (never the one dropped at the bound). */
  current?: PendingNotification | undefined;
}

/**
 * @example
 * const d = new NotificationDispatcher({ receivers, outbox, publish: (s, data, id) => js.publish(s, data, { msgID: id }).then(() => undefined), log });
 * await d.start();
 * await d.enqueue(requests); // resolves once they are in the outbox
 */
export class NotificationDispatcher {
  private readonly queues = new Map<string, Queue>();
  private readonly outbox: Outbox;
  private readonly publish: Publish;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly onAttempt: ((a: DeliveryAttempt) => void) | undefined;
  private readonly log: Logger;
  private readonly maxQueue: number;
  private running = false;
  /** Aborted by stop(): cuts short the waits between retries of an outbox write. */
  private stopping = new AbortController();
  private adding = 0;
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private rescanTimer: ReturnType<typeof setInterval> | undefined;
  private readonly rescanEveryMs: number;
  private readonly owner: string;
  private idleWaiters: (() => void)[] = [];

  /** Reads each webhook's secret from the environment; throws ConfigError when one is missing or a name repeats. */
  constructor(opts: DispatcherOptions) {
    this.maxQueue = opts.maxQueuePerReceiver ?? MAX_QUEUE_PER_RECEIVER;
    this.rescanEveryMs = opts.rescanEveryMs ?? RESCAN_EVERY_MS;
    this.owner = opts.owner ?? randomUUID();
    this.outbox = opts.outbox;
    this.publish = opts.publish;
    this.fetchFn = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.onAttempt = opts.onAttempt;
    this.log = opts.log.child({ sub: 'notify' });
    this.env = opts.env ?? process.env;
    for (const [name, r] of this.configure(opts.receivers)) this.queues.set(name, { ...r, items: [], ids: new Set(), timer: undefined, inflight: undefined });
  }

  private readonly env: Readonly<Record<string, string | undefined>>;

  /** Checks receivers and reads their secrets; throws ConfigError and changes nothing when one is wrong. */
  private configure(receivers: readonly ReceiverConfig[]): Map<string, { receiver: ReceiverConfig; secret: string | undefined }> {
    const out = new Map<string, { receiver: ReceiverConfig; secret: string | undefined }>();
    for (const receiver of receivers) {
      if (out.has(receiver.name)) throw new ConfigError(`notification receiver \`${receiver.name}\` is defined twice`);
      let secret: string | undefined;
      const secretEnv = receiver.webhook?.secretEnv;
      if (secretEnv !== undefined) {
        secret = this.env[secretEnv];
        if (!secret) throw new ConfigError(`notification receiver \`${receiver.name}\`: environment variable ${secretEnv} (its webhook secret) is not set`);
      }
      out.set(receiver.name, { receiver, secret });
    }
    return out;
  }

  /**
   * Puts new receiver settings in force (policy reload). Pending notifications
   * of a receiver that stays keep their place; those of a removed receiver are
   * recorded as failed and dropped. Throws ConfigError, changing nothing, when
   * the new settings are wrong.
   */
  async setReceivers(receivers: readonly ReceiverConfig[]): Promise<void> {
    const next = this.configure(receivers);
    for (const [name, q] of this.queues) {
      const r = next.get(name);
      if (r) {
        q.receiver = r.receiver;
        q.secret = r.secret;
        continue;
      }
      this.queues.delete(name);
      clearTimeout(q.timer);
      await q.inflight;
      for (const p of q.items) await this.dropUnknown(p.request, p.attempts + 1, true);
    }
    for (const [name, r] of next) {
      if (this.queues.has(name)) continue;
      const q: Queue = { ...r, items: [], ids: new Set(), timer: undefined, inflight: undefined };
      this.queues.set(name, q);
    }
    this.settle();
  }

  /**
   * Puts requests in the outbox and their receivers' queues; resolves once
   * they are stored, never waiting for delivery. A request whose id is already
   * pending or delivered is skipped. Rejects (UnavailableError) only when the
   * outbox cannot store them; the caller may enqueue the same requests again.
   */
  async enqueue(reqs: NotificationRequest[]): Promise<void> {
    this.adding++;
    try {
      const results = await Promise.allSettled(reqs.map((req) => this.add(req)));
      // Queued only once the whole batch is stored, so a batch goes out in createdAt order however its writes finished.
      const touched = new Set<Queue>();
      for (const r of results) {
        if (r.status === 'fulfilled' && r.value) {
          this.insert(r.value.q, r.value.p);
          touched.add(r.value.q);
        }
      }
      for (const q of touched) this.pump(q);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      this.adding--;
      this.settle();
    }
  }

  /** Loads what the outbox holds (after a restart) and starts delivering. */
  async start(): Promise<void> {
    if (this.running) return;
    const pending = await this.outbox.pending();
    this.stopping = new AbortController();
    this.running = true;
    for (const p of pending) {
      const q = this.queues.get(p.request.receiver);
      if (q) this.insert(q, p);
      else await this.dropUnknown(p.request, p.attempts + 1, true);
    }
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    void this.prune();
    if (this.rescanEveryMs > 0) {
      this.rescanTimer = setInterval(() => void this.rescan(), this.rescanEveryMs);
      this.rescanTimer.unref();
    }
    for (const q of this.queues.values()) this.pump(q);
    this.settle();
  }

  /** Stops retry timers and waits for attempts in flight to finish; pending ones stay in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
    clearInterval(this.rescanTimer);
    this.rescanTimer = undefined;
    for (const q of this.queues.values()) {
      clearTimeout(q.timer);
      q.timer = undefined;
    }
    await Promise.all([...this.queues.values()].map((q) => q.inflight));
  }

  /** Resolves when nothing is pending, in flight or being enqueued (while stopped with pending ones, it waits for a start). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stores one request; returns where it goes, or nothing when it was skipped or dropped. */
  private async add(req: NotificationRequest): Promise<{ q: Queue; p: PendingNotification } | undefined> {
    const q = this.queues.get(req.receiver);
    if (!q) {
      await this.dropUnknown(req, 1, false);
      return undefined;
    }
    if (!(await this.outbox.add(req))) {
      this.log.debug({ notification: req.id, receiver: req.receiver }, 'notification already queued or delivered; skipped');
      return undefined;
    }
    return { q, p: { request: req, attempts: 0, nextAt: 0 } };
  }

  private insert(q: Queue, p: PendingNotification): void {
    if (q.ids.has(p.request.id)) return;
    q.ids.add(p.request.id);
    let i = q.items.length;
    while (i > 0 && byCreatedAt(q.items[i - 1]!, p) > 0) i--;
    q.items.splice(i, 0, p);
    const max = this.maxQueue;
    // The oldest that is not being attempted right now goes.
    while (q.items.length > max) {
      const victim = q.items[0] === q.current ? 1 : 0;
      this.dropOldest(q, q.items.splice(victim, 1)[0]!, max);
    }
  }

  private dropOldest(q: Queue, p: PendingNotification, max: number): void {
    const req = p.request;
    q.ids.delete(req.id);
    const detail = `dropped: receiver ${req.receiver} has more than ${max} notifications waiting; the oldest go first`;
    this.log.error({ notification: req.id, receiver: req.receiver, incident: req.incidentId, attempts: p.attempts }, `notification ${detail}`);
    this.report({ notificationId: req.id, receiver: req.receiver, incidentId: req.incidentId, attempt: p.attempts + 1, at: this.now(), ok: false, detail });
    void this.outbox.delivered(req.id, 'dropped').catch((err) => this.log.warn({ err: errorMessage(err), notification: req.id }, 'could not drop it from the outbox'));
  }

  private async dropUnknown(req: NotificationRequest, attempt: number, stored: boolean): Promise<void> {
    const detail = `unknown receiver "${req.receiver}"; known: ${[...this.queues.keys()].join(', ') || '(none)'}`;
    this.log.error({ notification: req.id, receiver: req.receiver, incident: req.incidentId }, `notification dropped: ${detail}`);
    this.report({ notificationId: req.id, receiver: req.receiver, incidentId: req.incidentId, attempt, at: this.now(), ok: false, detail });
    if (stored) await this.outbox.delivered(req.id, 'dropped').catch((err) => this.log.warn({ err: errorMessage(err), notification: req.id }, 'could not drop it from the outbox'));
  }

  /** Attempts the head of a queue when it is due, else waits for it. */
  private pump(q: Queue): void {
    // A queue whose receiver was removed by a reload stops here.
    if (!this.running || q.inflight || this.queues.get(q.receiver.name) !== q) return;
    clearTimeout(q.timer);
    q.timer = undefined;
    const head = q.items[0];
    if (!head) return;
    const wait = head.nextAt - this.now();
    if (wait > 0) {
      q.timer = setTimeout(() => {
        q.timer = undefined;
        this.pump(q);
      }, wait);
      return;
    }
    q.current = head;
    q.inflight = this.attempt(q, head).finally(() => {
      q.inflight = undefined;
      q.current = undefined;
      this.pump(q);
      this.settle();
    });
  }

  private async attempt(q: Queue, p: PendingNotification): Promise<void> {
    const req = p.request;
    const attempt = p.attempts + 1;
    // Several engine processes share the outbox: attempt only under a claim, and never after another delivered it.
    const claimMs = (q.receiver.webhook?.timeoutMs ?? 10_000) + CLAIM_MARGIN_MS;
    const claim = await this.outbox.claim(req.id, this.owner, this.now() + claimMs).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (claim instanceof Error) {
      p.nextAt = this.now() + backoffDelay(attempt, this.backoff);
      this.log.warn({ notification: req.id, receiver: req.receiver, err: errorMessage(claim) }, 'could not claim the notification in the outbox; will retry');
      return;
    }
    if (claim.kind === 'taken') {
      p.nextAt = claim.until;
      this.log.debug({ notification: req.id, receiver: req.receiver, until: claim.until }, 'another engine process is attempting this notification');
      return;
    }
    if (claim.kind === 'done') {
      const index = q.items.indexOf(p);
      if (index >= 0) q.items.splice(index, 1);
      q.ids.delete(req.id);
      this.log.debug({ notification: req.id, receiver: req.receiver }, 'already delivered or dropped by another engine process');
      return;
    }
    const at = this.now();
    const outcome = await this.deliver(q, req, at);
    this.report({ notificationId: req.id, receiver: req.receiver, incidentId: req.incidentId, attempt, at, ok: outcome.kind === 'delivered', detail: outcome.detail });
    const fields = { notification: req.id, receiver: req.receiver, incident: req.incidentId, attempt, detail: outcome.detail };
    if (outcome.kind === 'retry') {
      p.attempts = attempt;
      p.nextAt = this.now() + backoffDelay(attempt, this.backoff);
      this.log.warn({ ...fields, nextAt: p.nextAt }, 'notification not delivered; will retry');
      await this.outbox.attempted(req.id, p.attempts, p.nextAt).catch((err) => this.log.warn({ ...fields, err: errorMessage(err) }, 'could not record the attempt in the outbox'));
      return;
    }
    if (outcome.kind === 'rejected') this.log.error(fields, `notification dropped: receiver ${req.receiver} refused it (${outcome.detail})`);
    else this.log.debug(fields, 'notification delivered');
    const index = q.items.indexOf(p);
    if (index >= 0) q.items.splice(index, 1);
    q.ids.delete(req.id);
    // The queue waits for the record (it is in flight until then): the next notification would fail on the same outbox anyway.
    await this.recordDone(req.id, outcome.kind === 'delivered' ? 'delivered' : 'dropped', fields);
  }

  /**
   * Marks a notification done in the outbox, retrying while the outbox is
   * unreachable: left pending there, it would be sent again at the next start.
   * Gives up only when the dispatcher stops (then a restart does send it again;
   * receivers de-duplicate on the idempotency key).
   */
  private async recordDone(id: string, outcome: OutboxOutcome, fields: Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.outbox.delivered(id, outcome);
        if (attempt > 1) this.log.info({ ...fields, attempts: attempt }, 'recorded in the outbox after retries');
        return;
      } catch (err) {
        if (attempt === 1) this.log.warn({ ...fields, err: errorMessage(err) }, 'could not mark it done in the outbox; retrying');
        if (!this.running) return;
        await sleep(backoffDelay(attempt, RECORD_BACKOFF), undefined, { signal: this.stopping.signal }).catch(() => undefined);
        if (!this.running) return;
      }
    }
  }

  private async deliver(q: Queue, req: NotificationRequest, at: number): Promise<Outcome> {
    try {
      const payload = payloadFor(q.receiver, req);
      const { webhook, nats } = q.receiver;
      if (webhook) return await postWebhook({ url: webhook.url, timeoutMs: webhook.timeoutMs, secret: q.secret }, payload, at, this.fetchFn);
      if (nats) return await publishNats(nats.subject, payload, this.publish);
      return { kind: 'rejected', detail: 'receiver has neither webhook nor nats' };
    } catch (err) {
      return { kind: 'retry', detail: errorMessage(err) };
    }
  }

  private report(a: DeliveryAttempt): void {
    if (!this.onAttempt) return;
    try {
      this.onAttempt(a);
    } catch (err) {
      this.log.warn({ err: errorMessage(err), notification: a.notificationId }, 'onAttempt failed');
    }
  }

  /** Takes over notifications other processes left in the outbox (older than one rescan period). */
  private async rescan(): Promise<void> {
    if (!this.running) return;
    let pending: PendingNotification[];
    try {
      pending = await this.outbox.pending();
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'could not read the outbox for notifications left by other engine processes');
      return;
    }
    const staleBefore = this.now() - this.rescanEveryMs;
    const touched = new Set<Queue>();
    for (const p of pending) {
      const q = this.queues.get(p.request.receiver);
      if (!q || q.ids.has(p.request.id) || p.request.createdAt > staleBefore) continue;
      this.insert(q, p);
      touched.add(q);
    }
    if (touched.size > 0) this.log.info({ receivers: [...touched].map((q) => q.receiver.name) }, 'took over notifications another engine process left in the outbox');
    for (const q of touched) this.pump(q);
  }

  private async prune(): Promise<void> {
    try {
      const n = await this.outbox.prune();
      if (n > 0) this.log.info({ pruned: n }, 'forgot delivered notification ids past their retention');
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'could not prune the notification outbox');
    }
  }

  private isIdle(): boolean {
    if (this.adding > 0) return false;
    for (const q of this.queues.values()) if (q.items.length > 0 || q.inflight) return false;
    return true;
  }

  private settle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
