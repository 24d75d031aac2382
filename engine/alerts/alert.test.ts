import { describe, expect, it } from 'vitest';
import { alertMessageId } from './alert.ts';

describe('alertMessageId', () => {
  it('is the same for a replayed change and differs for a re-firing caused by another event at the same time', () => {
    const first = { fingerprint: 'fp', state: 'firing' as const, startsAt: 1000, eventId: 'e1' };
    expect(alertMessageId({ ...first })).toBe(alertMessageId(first));
    expect(alertMessageId({ ...first, eventId: 'e3' })).not.toBe(alertMessageId(first));
    expect(alertMessageId({ ...first, state: 'resolved' })).not.toBe(alertMessageId(first));
  });
});
