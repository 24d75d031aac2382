import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IocError } from '../errors/index.ts';
import {
  Base64ChunkDecoder,
  encodeFrame,
  encodeTrailersFrame,
  FLAG_TRAILERS,
  FrameDecoder,
  percentEncode,
  statusTrailers,
  type Frame,
} from './grpc-web-frames.ts';

const frameArb = fc.record({
  flags: fc.constantFrom(0x00, 0x01, 0x80),
  payload: fc.uint8Array({ maxLength: 300 }),
});

/** Cuts `length` items into pieces at the given sorted cut points. */
function cutAt<T extends { slice(a: number, b?: number): T; length: number }>(whole: T, cuts: number[]): T[] {
  const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(whole.slice(from, p));
    from = p;
  }
  pieces.push(whole.slice(from));
  return pieces;
}

const plain = (frames: Frame[]) => frames.map((f) => ({ flags: f.flags, payload: Buffer.from(f.payload).toString('hex') }));

describe('encodeFrame', () => {
  it('writes the flag byte and a big-endian length before the payload', () => {
    expect([...encodeFrame(0, Uint8Array.of(8, 1))]).toEqual([0, 0, 0, 0, 2, 8, 1]);
    expect([...encodeFrame(0, new Uint8Array(258)).subarray(0, 5)]).toEqual([0, 0, 0, 1, 2]);
  });
});

describe('FrameDecoder', () => {
  it('returns the frames it was given, however the bytes are split', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
        const wire = Buffer.concat(frames.map((f) => encodeFrame(f.flags, f.payload)));
        const decoder = new FrameDecoder(1000);
        const out = cutAt(wire, cuts).flatMap((piece) => decoder.push(piece));
        decoder.end();
        expect(plain(out)).toEqual(plain(frames));
      }),
    );
  });

  it('refuses a frame over the limit as soon as its header arrives', () => {
    const decoder = new FrameDecoder(10);
    const header = encodeFrame(0, new Uint8Array(11)).subarray(0, 5);
    expect(() => decoder.push(header)).toThrow(expect.objectContaining({ code: 'resource_exhausted' }));
  });

  it('reports a body that stops inside a frame', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(encodeFrame(0, new Uint8Array(4)).subarray(0, 7))).toEqual([]);
    expect(() => decoder.end()).toThrow(IocError);
    expect(() => decoder.end()).toThrow(/ends inside a frame/);
  });
});

describe('trailers', () => {
  it('encodes the status as a header block in a frame flagged 0x80', () => {
    const frame = encodeTrailersFrame(statusTrailers(5, 'sensor không tồn tại: 100%'));
    expect(frame[0]).toBe(FLAG_TRAILERS);
    const block = frame.subarray(5).toString('latin1');
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    expect(block).toBe('grpc-status: 5\r\ngrpc-message: sensor kh%C3%B4ng t%E1%BB%93n t%E1%BA%A1i: 100%25\r\n');
  });

  it('leaves grpc-message out when there is nothing to say', () => {
    expect(statusTrailers(0, '')).toEqual({ 'grpc-status': '0' });
  });

  it('percent-encodes so that decodeURIComponent gives the message back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (message) => {
        const encoded = percentEncode(message);
        expect(encoded).toMatch(/^[\x20-\x7e]*$/);
        expect(decodeURIComponent(encoded)).toBe(message);
      }),
    );
  });
});

describe('Base64ChunkDecoder', () => {
  it('decodes separately padded chunks cut anywhere, as the text mode allows', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
        // Each frame flushed (and so padded) on its own, like a server writing as it goes.
        const text = frames.map((f) => encodeFrame(f.flags, f.payload).toString('base64')).join('');
        const base64 = new Base64ChunkDecoder();
        const decoder = new FrameDecoder(1000);
        const out = cutAt(text, cuts).flatMap((piece) => decoder.push(base64.push(piece)));
        base64.end();
        decoder.end();
        expect(plain(out)).toEqual(plain(frames));
      }),
    );
  });

  it('refuses text that is not base64', () => {
    expect(() => new Base64ChunkDecoder().push('AAAA!AAA')).toThrow(/not base64/);
  });

  it('refuses padding in the middle of a group', () => {
    expect(() => new Base64ChunkDecoder().push('A=AA')).toThrow(/misplaced base64 padding/);
    expect(() => new Base64ChunkDecoder().push('QQ==Q=QQ')).toThrow(/misplaced base64 padding/);
  });

  it('reports text that stops inside a group', () => {
    const decoder = new Base64ChunkDecoder();
    expect([...decoder.push('QUJD' + 'QQ')]).toEqual([0x41, 0x42, 0x43]);
    expect(() => decoder.end()).toThrow(/ends inside a base64 group/);
  });
});
