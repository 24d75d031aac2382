// Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", so a receiver can
// tell our requests from forgeries and refuse replays of old ones. It must
// never log or return the secret.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Default window in which a signed timestamp is accepted by verifySignature. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/**
 * The `x-ioc-signature` header value for a request body sent at `timestamp` (epoch ms).
 *
 * @example
 * signPayload('s3cret', '1767225600000', '{"id":"n1"}'); // → 'sha256=9f0c…'
 */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface SignedRequest {
  /** The raw request body, exactly as received (before any JSON parsing). */
  body: string;
  /** The `x-ioc-timestamp` header. */
  timestamp: string;
  /** The `x-ioc-signature` header. */
  signature: string;
}

/**
 * What a receiver runs on each webhook request: recompute the HMAC with the
 * shared secret, compare in constant time, and refuse timestamps outside the
 * tolerance (a replayed old request). Pass `toleranceMs: Infinity` to skip the
 * age check.
 *
 * @example
 * const ok = verifySignature(
 *   { body: rawBody, timestamp: req.headers['x-ioc-timestamp'], signature: req.headers['x-ioc-signature'] },
 *   process.env.IOC_WEBHOOK_SECRET,
 * );
 */
export function verifySignature(req: SignedRequest, secret: string, opts: { toleranceMs?: number; now?: number } = {}): boolean {
  const ts = Number(req.timestamp);
  if (!/^\d+$/.test(req.timestamp) || !Number.isSafeInteger(ts)) return false;
  const tolerance = opts.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  if (Math.abs((opts.now ?? Date.now()) - ts) > tolerance) return false;
  const expected = Buffer.from(signPayload(secret, req.timestamp, req.body));
  const given = Buffer.from(req.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
