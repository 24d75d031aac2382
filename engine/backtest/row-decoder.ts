// Decodes `events` rows from ClickHouse RowBinary as the bytes arrive, into
// events shaped exactly like the decoder's (same fields, same order, absent
// ones undefined), so the rules see what the live engine saw. Binary because
// it carries the IEEE bits of every value (a threshold test on 6.94 must see
// 6.94, not a text round trip) and decodes without parsing text.
// Must never return a partial row: a row split across chunks waits for the rest.

import { IocError } from '../errors/index.ts';
import type { IocEvent } from '../events/index.ts';
import { sql } from '../store/index.ts';

/** The columns `RowDecoder` reads, in its order. */
export const EVENT_READ_COLUMNS = sql`id, type, source, time, value, unit, lat, lon, zone, attrs.key, attrs.value, extra`;

/** The stream is not the RowBinary of `EVENT_READ_COLUMNS` (a server error mid-stream, or another schema). */
export class MalformedRowsError extends IocError {
  constructor(message: string) {
    super('internal', message);
  }
}

const TWO_32 = 4_294_967_296;
/** No string the engine stores is near this long; a longer length means the bytes are not ours. */
const MAX_STRING_BYTES = 16 * 1024 * 1024;

/** Longest string looked up among those already decoded; ids and longer text are decoded each time. */
const MAX_INTERNED_BYTES = 64;
/** Distinct strings kept for reuse; past it, new ones are decoded each time. */
const MAX_INTERNED = 100_000;

interface Interned {
  bytes: Buffer;
  s: string;
}

/** Thrown inside a row when its bytes have not all arrived; caught once per chunk. */
const SHORT: unique symbol = Symbol('short');

/**
 * Push chunks of a RowBinary response, take whole events.
 *
 * @example
 * const d = new RowDecoder();
 * for await (const chunk of stream) handle(d.push(chunk));
 * d.end(); // throws if the stream stopped mid-row
 */
export class RowDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;
  /** Rows decoded so far. */
  rows = 0;
  /**
   * Types, sources, zones, units and attributes repeat on nearly every row;
   * making a JS string from UTF-8 costs more than the rest of a row, so each
   * distinct one is made once and found again by a hash of its bytes.
   */
  private readonly interned = new Map<number, Interned>();

  /** Decodes every whole row in what has arrived; keeps the rest for the next chunk. */
  push(chunk: Buffer): IocEvent[] {
    this.buf = this.off < this.buf.length ? Buffer.concat([this.buf.subarray(this.off), chunk]) : chunk;
    this.off = 0;
    const out: IocEvent[] = [];
    for (;;) {
      const start = this.off;
      if (start >= this.buf.length) break;
      try {
        out.push(this.row());
      } catch (err) {
        if (err !== SHORT) throw err;
        this.off = start;
        break;
      }
    }
    this.rows += out.length;
    return out;
  }

  /** Checks that the stream ended on a row boundary. */
  end(): void {
    const left = this.buf.length - this.off;
    if (left > 0) throw new MalformedRowsError(`the event stream ended inside a row (${left} bytes after row ${this.rows}); the server may have failed mid-query`);
  }

  private row(): IocEvent {
    const id = this.string();
    const type = this.repeated();
    const source = this.repeated();
    const time = this.uint64();
    const value = this.nullableFloat64();
    const unit = this.repeated();
    const lat = this.nullableFloat64();
    const lon = this.nullableFloat64();
    const zone = this.repeated();
    const n = this.varUInt();
    const keys = new Array<string>(n);
    for (let i = 0; i < n; i++) keys[i] = this.repeated();
    const m = this.varUInt();
    if (m !== n) throw new MalformedRowsError(`row ${this.rows + 1} has ${n} attribute keys but ${m} values`);
    const attrs: Record<string, string> = {};
    for (let i = 0; i < n; i++) attrs[keys[i]!] = this.repeated();
    const extraText = this.string();
    let extra: Record<string, unknown> | undefined;
    if (extraText !== '') {
      try {
        extra = JSON.parse(extraText) as Record<string, unknown>;
      } catch {
        throw new MalformedRowsError(`row ${this.rows + 1} (${source}/${id}) has extra fields that are not JSON`);
      }
    }
    // The decoder's shape: '' is how storage writes an absent unit or zone.
    return {
      id, type, source, time, value,
      unit: unit === '' ? undefined : unit,
      lat, lon,
      zone: zone === '' ? undefined : zone,
      attrs,
      extra,
    };
  }

  private varUInt(): number {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (this.off >= this.buf.length) throw SHORT;
      const b = this.buf[this.off++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
      if (shift > 49) throw new MalformedRowsError(`row ${this.rows + 1}: a length prefix is too long; the stream is not RowBinary`);
    }
  }

  private string(): string {
    const len = this.varUInt();
    if (len === 0) return '';
    if (len > MAX_STRING_BYTES) throw new MalformedRowsError(`row ${this.rows + 1}: a string of ${len} bytes; the stream is not RowBinary of events`);
    const end = this.off + len;
    if (end > this.buf.length) throw SHORT;
    const s = this.buf.toString('utf8', this.off, end);
    this.off = end;
    return s;
  }

  /** A string likely seen before: returned from the interned ones when its bytes match. */
  private repeated(): string {
    const len = this.varUInt();
    if (len === 0) return '';
    const buf = this.buf;
    const start = this.off;
    const end = start + len;
    if (end > buf.length) throw SHORT;
    if (len > MAX_INTERNED_BYTES) {
      this.off = end;
      return buf.toString('utf8', start, end);
    }
    let h = len;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 16_777_619);
    const hit = this.interned.get(h);
    this.off = end;
    if (hit !== undefined && hit.bytes.length === len) {
      const b = hit.bytes;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (b[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return hit.s;
    }
    const s = buf.toString('utf8', start, end);
    if (hit === undefined && this.interned.size < MAX_INTERNED) this.interned.set(h, { bytes: Buffer.from(buf.subarray(start, end)), s });
    return s;
  }

  private uint64(): number {
    if (this.off + 8 > this.buf.length) throw SHORT;
    const v = this.buf.readUInt32LE(this.off) + this.buf.readUInt32LE(this.off + 4) * TWO_32;
    this.off += 8;
    return v;
  }

  private nullableFloat64(): number | undefined {
    if (this.off >= this.buf.length) throw SHORT;
    if (this.buf[this.off] === 1) {
      this.off++;
      return undefined;
    }
    if (this.off + 9 > this.buf.length) throw SHORT;
    const v = this.buf.readDoubleLE(this.off + 1);
    this.off += 9;
    return v;
  }
}
