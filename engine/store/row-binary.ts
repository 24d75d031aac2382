// Rows for the tables in ClickHouse's RowBinary format: `events` and `alerts`,
// the hot path of storage (100k+ rows/s), and incident history. Binary because 18.16 parses floats
// in every text format (JSONEachRow, TSV, Values) with a fast routine that is
// off by one ulp for some values (6.94 → 6.9399999999999995); RowBinary sends
// the IEEE bits, so stored values are exact, and it parses ~1.5x faster.
// Must never write a value the column cannot hold: it throws instead, because
// in binary the server would store garbage rather than refuse.

import type { Alert } from '../alerts/alert.ts';
import { InvalidArgumentError } from '../errors/index.ts';
import type { AlertEventRow, DeliveryAttempt, IncidentEventRow } from '../incidents/model.ts';
import { sql } from './sql-escape.ts';
import type { StoredEvent } from './store.ts';

const TWO_32 = 4_294_967_296;

/**
 * Appends RowBinary values to buffers of about `chunkBytes`. A row may span
 * two chunks: the server reads one byte stream.
 */
export class RowBinaryWriter {
  private buf: Buffer;
  private off = 0;
  private readonly chunkBytes: number;
  private readonly full: Buffer[] = [];

  constructor(chunkBytes = 64 * 1024) {
    this.chunkBytes = chunkBytes;
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** True when a chunk is full and can be taken. */
  get hasFull(): boolean {
    return this.full.length > 0;
  }

  /** Chunks filled so far, removed from the writer. */
  takeFull(): Buffer[] {
    return this.full.splice(0, this.full.length);
  }

  /** Everything not yet taken, removed from the writer. */
  takeAll(): Buffer[] {
    if (this.off > 0) this.full.push(this.buf.subarray(0, this.off));
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.off = 0;
    return this.takeFull();
  }

  private ensure(bytes: number): void {
    if (this.off + bytes <= this.buf.length) return;
    if (this.off > 0) this.full.push(this.buf.subarray(0, this.off));
    this.buf = Buffer.allocUnsafe(Math.max(this.chunkBytes, bytes));
    this.off = 0;
  }

  private varUInt(n: number): void {
    while (n >= 0x80) {
      this.buf[this.off++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.off++] = n;
  }

  /** String: varint byte length, then UTF-8 (lone surrogates become U+FFFD, as in toWellFormed). */
  string(s: string): void {
    this.ensure(s.length * 3 + 5);
    // Fewer than 43 UTF-16 units encode to at most 126 bytes: the length fits one varint byte.
    // Such short strings (ids, types, zones) are nearly always ASCII, copied here by a loop:
    // about 4x faster than a call into Buffer.write, which takes over at the first other character.
    if (s.length < 43) {
      const buf = this.buf;
      const start = this.off + 1;
      const n = s.length;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      const bytes = i === n ? n : buf.write(s, start);
      buf[this.off] = bytes;
      this.off = start + bytes;
    } else {
      this.varUInt(Buffer.byteLength(s));
      this.off += this.buf.write(s, this.off);
    }
  }

  /** Array(String). */
  strings(list: readonly string[]): void {
    this.ensure(5);
    this.varUInt(list.length);
    for (let i = 0; i < list.length; i++) this.string(list[i]!);
  }

  /** UInt64 from a JS number; `field` names it in the error for values a UInt64 cannot hold. */
  uint64(n: number, field: string): void {
    if (!(Number.isSafeInteger(n) && n >= 0)) throw new InvalidArgumentError(`${field} must be a non-negative integer for UInt64, got ${n}`);
    this.ensure(8);
    this.buf.writeUInt32LE(n % TWO_32, this.off);
    this.buf.writeUInt32LE(Math.floor(n / TWO_32), this.off + 4);
    this.off += 8;
  }

  /** UInt32 from a JS number; `field` names it in the error for values a UInt32 cannot hold. */
  uint32(n: number, field: string): void {
    if (!(Number.isInteger(n) && n >= 0 && n < TWO_32)) throw new InvalidArgumentError(`${field} must be an integer in [0, 2^32) for UInt32, got ${n}`);
    this.ensure(4);
    this.buf.writeUInt32LE(n, this.off);
    this.off += 4;
  }

  /** UInt8 1 or 0: booleans (18.16 has no Bool). */
  bool(b: boolean): void {
    this.ensure(1);
    this.buf[this.off++] = b ? 1 : 0;
  }

  /** Nullable(Float64): NULL when absent or not finite (as JSON would store it). */
  nullableFloat64(n: number | undefined): void {
    this.ensure(9);
    if (n === undefined || !Number.isFinite(n)) {
      this.buf[this.off++] = 1;
      return;
    }
    this.buf[this.off++] = 0;
    this.buf.writeDoubleLE(n, this.off);
    this.off += 8;
  }
}

/** The `events` columns in the order `writeEvent` writes them. */
export const EVENT_COLUMNS = sql`id, type, source, time, value, unit, lat, lon, zone, attrs.key, attrs.value, extra, seq, ingested_at`;

/** One `events` row. Absent optional strings are written as '', `extra` as JSON text. */
export function writeEvent(w: RowBinaryWriter, e: StoredEvent): void {
  w.string(e.id);
  w.string(e.type);
  w.string(e.source);
  w.uint64(e.time, 'event time');
  w.nullableFloat64(e.value);
  w.string(e.unit ?? '');
  w.nullableFloat64(e.lat);
  w.nullableFloat64(e.lon);
  w.string(e.zone ?? '');
  const keys = Object.keys(e.attrs);
  w.strings(keys);
  const values = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) values[i] = e.attrs[keys[i]!]!;
  w.strings(values);
  w.string(e.extra === undefined ? '' : JSON.stringify(e.extra));
  w.uint64(e.seq, 'seq');
  w.uint64(e.ingestedAt, 'ingestedAt');
}

/** The `alerts` columns in the order `writeAlert` writes them. */
export const ALERT_COLUMNS = sql`fingerprint, rule, key, state, severity, title_vi, title_en, message_vi, message_en, zone, source, value,
  event_id, event_type, starts_at, ends_at, event_time, emitted_at`;

/** One `alerts` row. */
export function writeAlert(w: RowBinaryWriter, a: Alert): void {
  w.string(a.fingerprint);
  w.string(a.rule);
  w.string(a.key);
  w.string(a.state);
  w.string(a.severity);
  w.string(a.title.vi);
  w.string(a.title.en);
  w.string(a.message.vi);
  w.string(a.message.en);
  w.string(a.zone);
  w.string(a.source);
  w.nullableFloat64(a.value);
  w.string(a.eventId);
  w.string(a.eventType);
  w.uint64(a.startsAt, 'startsAt');
  w.uint64(a.endsAt, 'endsAt');
  w.uint64(a.eventTime, 'eventTime');
  w.uint64(a.emittedAt, 'emittedAt');
}

/** The `alert_events` columns in the order `writeAlertEvent` writes them. */
export const ALERT_EVENT_COLUMNS = sql`fingerprint, rule, zone, source, severity, state, starts_at, ends_at, value, event_id, incident_id,
  silenced, inhibited, flapping, at`;

/** One `alert_events` row. */
export function writeAlertEvent(w: RowBinaryWriter, r: AlertEventRow): void {
  w.string(r.fingerprint);
  w.string(r.rule);
  w.string(r.zone);
  w.string(r.source);
  w.string(r.severity);
  w.string(r.state);
  w.uint64(r.startsAt, 'startsAt');
  w.uint64(r.endsAt, 'endsAt');
  w.nullableFloat64(r.value);
  w.string(r.eventId);
  w.string(r.incidentId);
  w.bool(r.silenced);
  w.bool(r.inhibited);
  w.bool(r.flapping);
  w.uint64(r.at, 'at');
}

/** The `incident_events` columns in the order `writeIncidentEvent` writes them. */
export const INCIDENT_EVENT_COLUMNS = sql`incident_id, seq, at, actor, kind, detail, data, type, severity, state, zones, opened_at`;

/** One `incident_events` row. */
export function writeIncidentEvent(w: RowBinaryWriter, r: IncidentEventRow): void {
  w.string(r.incidentId);
  w.uint64(r.seq, 'seq');
  w.uint64(r.at, 'at');
  w.string(r.actor);
  w.string(r.kind);
  w.string(r.detail);
  w.string(r.data);
  w.string(r.type);
  w.string(r.severity);
  w.string(r.state);
  w.strings(r.zones);
  w.uint64(r.openedAt, 'openedAt');
}

/** The `notification_deliveries` columns in the order `writeDelivery` writes them. */
export const DELIVERY_COLUMNS = sql`notification_id, receiver, incident_id, attempt, at, ok, detail`;

/** One `notification_deliveries` row. */
export function writeDelivery(w: RowBinaryWriter, d: DeliveryAttempt): void {
  w.string(d.notificationId);
  w.string(d.receiver);
  w.string(d.incidentId);
  w.uint32(d.attempt, 'attempt');
  w.uint64(d.at, 'at');
  w.bool(d.ok);
  w.string(d.detail);
}

/**
 * Encodes rows lazily, yielding each chunk as it fills, so the server parses
 * one chunk while the next is encoded.
 */
export function* rowBinaryChunks<T>(rows: readonly T[], write: (w: RowBinaryWriter, row: T) => void, chunkBytes?: number): Generator<Buffer> {
  const w = new RowBinaryWriter(chunkBytes);
  for (let i = 0; i < rows.length; i++) {
    write(w, rows[i]!);
    if (w.hasFull) yield* w.takeFull();
  }
  yield* w.takeAll();
}
