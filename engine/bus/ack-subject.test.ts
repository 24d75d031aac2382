import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ackNumbers } from './ack-subject.ts';

describe('ackNumbers', () => {
  it('reads the old layout', () => {
    expect(ackNumbers('$JS.ACK.IOC_EVENTS.ioc-engine.1.42.7.1700000000000000000.0')).toEqual({ streamSeq: 42, deliverySeq: 7 });
  });

  it('reads the new layout, with and without the trailing token', () => {
    expect(ackNumbers('$JS.ACK._.ABCHASH.IOC_EVENTS.ioc-engine.3.9001.88.1700000000000000000.12.xyz')).toEqual({ streamSeq: 9001, deliverySeq: 88 });
    expect(ackNumbers('$JS.ACK.hub.ABCHASH.IOC_EVENTS.ioc-engine.3.9001.88.1700000000000000000.12')).toEqual({ streamSeq: 9001, deliverySeq: 88 });
  });

  it('refuses what is not an ack subject', () => {
    expect(ackNumbers('_INBOX.abc')).toBeUndefined();
    expect(ackNumbers('$JS.ACK.S.C.1.x.7.1.0')).toBeUndefined();
    expect(ackNumbers('$JS.ACK.S.C.1.2')).toBeUndefined();
  });

  it('agrees with nats.js on any sequence numbers', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 2 ** 52 }), fc.integer({ min: 1, max: 2 ** 52 }), fc.boolean(), (dc, sseq, dseq, v2) => {
        const subject = v2 ? `$JS.ACK._.H.S.C.${dc}.${sseq}.${dseq}.1.0.t` : `$JS.ACK.S.C.${dc}.${sseq}.${dseq}.1.0`;
        expect(ackNumbers(subject)).toEqual({ streamSeq: sseq, deliverySeq: dseq });
      }),
    );
  });
});
