// The gRPC-web wire format: length-prefixed frames, the trailers frame and the
// base64 text mode. Pure functions and small incremental decoders over bytes;
// this file never touches sockets, handlers or statuses beyond their encoding.

import { InvalidArgumentError, ResourceExhaustedError } from '../errors/index.ts';

/** 1 flag byte + 4-byte big-endian payload length. */
export const FRAME_HEADER_BYTES = 5;
/** Flag bit of a compressed message frame. */
export const FLAG_COMPRESSED = 0x01;
/** Flag bit (MSB) of the trailers frame, which is always the last frame. */
export const FLAG_TRAILERS = 0x80;

export interface Frame {
  flags: number;
  payload: Uint8Array;
}

/**
 * One frame as bytes.
 * @example encodeFrame(0, Uint8Array.of(8, 1)) // <00 00 00 00 02 08 01>
 */
export function encodeFrame(flags: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/**
 * The trailers frame: an HTTP/1-style header block (`key: value\r\n` per entry, no
 * final blank line), lower-case keys, as PROTOCOL-WEB.md prescribes.
 */
export function encodeTrailersFrame(trailers: Readonly<Record<string, string>>): Buffer {
  let block = '';
  for (const [key, value] of Object.entries(trailers)) block += `${key.toLowerCase()}: ${value}\r\n`;
  return encodeFrame(FLAG_TRAILERS, Buffer.from(block, 'latin1'));
}

/**
 * The status pair every response ends with. The message is percent-encoded as
 * the gRPC spec asks (UTF-8 bytes outside printable ASCII, and `%` itself), which
 * both nice-grpc-web and Google's grpc-web undo with `decodeURIComponent`.
 */
export function statusTrailers(code: number, message: string): Record<string, string> {
  return message === '' ? { 'grpc-status': String(code) } : { 'grpc-status': String(code), 'grpc-message': percentEncode(message) };
}

/** Percent-encodes a grpc-message value (spec: "Percent-Encoded" in PROTOCOL-HTTP2.md). */
export function percentEncode(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Splits a byte stream into frames as chunks arrive, whatever their boundaries.
 * A frame longer than `maxFrameBytes` is refused as soon as its header is read,
 * before its payload is buffered.
 */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds bytes; returns every frame they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    let at = 0;
    while (this.buffered.length - at >= FRAME_HEADER_BYTES) {
      const length = this.buffered.readUInt32BE(at + 1);
      if (length > this.maxFrameBytes) {
        throw new ResourceExhaustedError(`gRPC-web frame of ${length} bytes is over the limit of ${this.maxFrameBytes} bytes`);
      }
      if (this.buffered.length - at - FRAME_HEADER_BYTES < length) break;
      const start = at + FRAME_HEADER_BYTES;
      frames.push({ flags: this.buffered[at]!, payload: this.buffered.subarray(start, start + length) });
      at = start + length;
    }
    this.buffered = this.buffered.subarray(at);
    return frames;
  }

  /** Call at end of input: throws when a frame was cut short. */
  end(): void {
    if (this.buffered.length > 0) {
      throw new InvalidArgumentError(`gRPC-web body ends inside a frame (${this.buffered.length} trailing bytes)`);
    }
  }
}

const BASE64_CHAR = /^[A-Za-z0-9+/=]*$/;
const PADDED_QUAD = /^[A-Za-z0-9+/]{2}(?:==|[A-Za-z0-9+/]=)$/;

/**
 * Decodes the text mode (`application/grpc-web-text`): base64 that may be the
 * concatenation of separately padded chunks (a sender may flush and pad at any
 * point), split across reads anywhere. Refuses what is not base64, unlike
 * `Buffer.from(s, 'base64')`, which skips bad characters and stops at the first `=`.
 */
export class Base64ChunkDecoder {
  private pending = '';

  /** Adds text; returns the bytes of every complete 4-character group so far. */
  push(text: string): Buffer {
    const clean = text.replace(/[\r\n]/g, '');
    if (!BASE64_CHAR.test(clean)) throw new InvalidArgumentError('gRPC-web text body is not base64');
    const all = this.pending + clean;
    const whole = all.length - (all.length % 4);
    this.pending = all.slice(whole);
    const parts: Buffer[] = [];
    let segmentStart = 0;
    for (let quad = 0; quad < whole; quad += 4) {
      if (all.charCodeAt(quad + 3) !== 0x3d && !all.slice(quad, quad + 3).includes('=')) continue;
      const padded = all.slice(quad, quad + 4);
      if (!PADDED_QUAD.test(padded)) throw new InvalidArgumentError(`gRPC-web text body has misplaced base64 padding: "${padded}"`);
      parts.push(Buffer.from(all.slice(segmentStart, quad + 4), 'base64'));
      segmentStart = quad + 4;
    }
    if (segmentStart < whole) parts.push(Buffer.from(all.slice(segmentStart, whole), 'base64'));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Call at end of input: throws when the text stopped inside a 4-character group. */
  end(): void {
    if (this.pending !== '') throw new InvalidArgumentError('gRPC-web text body ends inside a base64 group');
  }
}
