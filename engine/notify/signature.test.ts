import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from './signature.ts';

describe('verifySignature', () => {
  const now = 1_767_225_600_000;
  const body = '{"id":"inc-1:opened"}';
  const signed = { body, timestamp: String(now), signature: signPayload('s3cret', String(now), body) };

  it('accepts the right secret and refuses another', () => {
    expect(verifySignature(signed, 's3cret', { now })).toBe(true);
    expect(verifySignature(signed, 'other', { now })).toBe(false);
  });
  it('refuses a changed body or timestamp', () => {
    expect(verifySignature({ ...signed, body: body.replace('1', '2') }, 's3cret', { now })).toBe(false);
    expect(verifySignature({ ...signed, timestamp: String(now + 1) }, 's3cret', { now })).toBe(false);
  });
  it('refuses an old request (replay) unless told otherwise', () => {
    expect(verifySignature(signed, 's3cret', { now: now + 10 * 60_000 })).toBe(false);
    expect(verifySignature(signed, 's3cret', { now: now + 10 * 60_000, toleranceMs: Infinity })).toBe(true);
  });
});
