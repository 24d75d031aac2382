// One delivery attempt to one receiver: render the payload in the receiver's
// language, then POST it (signed) or publish it. Every failure becomes an
// outcome, retry or rejected; it must never throw and never retry by itself.

import type { LocalizedText } from '../alerts/index.ts';
import { errorMessage } from '../errors/index.ts';
import type { NotificationRequest } from '../incidents/model.ts';
import type { ReceiverConfig } from './receiver-schema.ts';
import { signPayload } from './signature.ts';
import { DEFAULT_BODIES, DEFAULT_TITLES, renderTemplate, type NotifyLocale } from './templates.ts';

/** What one attempt came to: `retry` keeps it queued, `rejected` drops it for good. */
export type Outcome = { kind: 'delivered' | 'retry' | 'rejected'; detail: string };

/** The JSON a receiver gets, by webhook body or NATS message. */
export interface NotificationPayload {
  id: string;
  receiver: string;
  reason: string;
  incidentId: string;
  /** A string in the receiver's locale, or `{vi, en}` with locale `both`. */
  title: string | LocalizedText;
  body: string | LocalizedText;
  vars: Record<string, string>;
  createdAt: number;
}

export type Publish = (subject: string, data: Uint8Array, msgId: string) => Promise<void>;

/** The payload for a receiver, titles and bodies rendered in its locale. */
export function payloadFor(receiver: ReceiverConfig, req: NotificationRequest): NotificationPayload {
  const vars = { id: req.id, incidentId: req.incidentId, reason: req.reason, ...req.vars };
  const titles = DEFAULT_TITLES[req.reason] ?? DEFAULT_TITLES.updated;
  const bodies = DEFAULT_BODIES[req.reason] ?? DEFAULT_BODIES.updated;
  const render = (l: NotifyLocale) => ({
    title: renderTemplate(receiver.title?.[l] ?? titles[l], vars),
    body: renderTemplate(receiver.body?.[l] ?? bodies[l], vars, { dropEmptyLines: true }),
  });
  let title: string | LocalizedText;
  let body: string | LocalizedText;
  if (receiver.locale === 'both') {
    const vi = render('vi');
    const en = render('en');
    title = { vi: vi.title, en: en.title };
    body = { vi: vi.body, en: en.body };
  } else {
    ({ title, body } = render(receiver.locale));
  }
  return { id: req.id, receiver: req.receiver, reason: req.reason, incidentId: req.incidentId, title, body, vars: req.vars, createdAt: req.createdAt };
}

/** 2xx delivered; 408, 429 and 5xx retried; any other status is the receiver refusing it for good. */
export function classifyStatus(status: number): Outcome['kind'] {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

export interface WebhookTarget {
  url: string;
  timeoutMs: number;
  secret?: string;
}

/**
 * The id as a header value: as is when it is printable ASCII, else
 * percent-encoded (`encodeURIComponent`), since header values cannot carry
 * other characters. The payload's `id` is always the id as is.
 */
export function headerId(id: string): string {
  return /^[\x20-\x7e]*$/.test(id) ? id : encodeURIComponent(id);
}

/** POSTs the payload; network errors and timeouts are retried. */
export async function postWebhook(target: WebhookTarget, payload: NotificationPayload, now: number, fetchFn: typeof fetch): Promise<Outcome> {
  const body = JSON.stringify(payload);
  const timestamp = String(now);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'idempotency-key': headerId(payload.id),
    'x-ioc-delivery': headerId(payload.id),
    'x-ioc-timestamp': timestamp,
  };
  if (target.secret !== undefined) headers['x-ioc-signature'] = signPayload(target.secret, timestamp, body);
  try {
    const res = await fetchFn(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(target.timeoutMs), redirect: 'manual' });
    // Read the answer so the connection can be reused; its content does not matter.
    await res.arrayBuffer().catch(() => undefined);
    return { kind: classifyStatus(res.status), detail: `HTTP ${res.status}` };
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return { kind: 'retry', detail: `timeout after ${target.timeoutMs} ms` };
    const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : '';
    return { kind: 'retry', detail: `${errorMessage(err)}${cause}` };
  }
}

/** Publishes the payload with `msgId` = its id; a rejected publish is retried. */
export async function publishNats(subject: string, payload: NotificationPayload, publish: Publish): Promise<Outcome> {
  try {
    await publish(subject, new TextEncoder().encode(JSON.stringify(payload)), payload.id);
    return { kind: 'delivered', detail: 'published' };
  } catch (err) {
    return { kind: 'retry', detail: `publish failed: ${errorMessage(err)}` };
  }
}
