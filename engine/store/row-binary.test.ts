import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { severities, type Alert } from '../alerts/alert.ts';
import { InvalidArgumentError } from '../errors/index.ts';
import type { AlertEventRow, DeliveryAttempt, IncidentEventRow, TimelineKind } from '../incidents/model.ts';
import {
  ALERT_COLUMNS,
  ALERT_EVENT_COLUMNS,
  DELIVERY_COLUMNS,
  EVENT_COLUMNS,
  INCIDENT_EVENT_COLUMNS,
  RowBinaryWriter,
  rowBinaryChunks,
  writeAlert,
  writeAlertEvent,
  writeDelivery,
  writeEvent,
  writeIncidentEvent,
} from './row-binary.ts';
import { toWellFormed } from './sql-escape.ts';
import type { StoredEvent } from './store.ts';

type ColumnType = 'String' | 'UInt8' | 'UInt32' | 'UInt64' | 'Nullable(Float64)' | 'Array(String)';

/** The column types of the tables (as in migrations.ts), to decode RowBinary the way the server does. */
const types: Record<string, ColumnType> = {
  value: 'Nullable(Float64)',
  lat: 'Nullable(Float64)',
  lon: 'Nullable(Float64)',
  time: 'UInt64',
  seq: 'UInt64',
  ingested_at: 'UInt64',
  starts_at: 'UInt64',
  ends_at: 'UInt64',
  event_time: 'UInt64',
  emitted_at: 'UInt64',
  at: 'UInt64',
  opened_at: 'UInt64',
  attempt: 'UInt32',
  silenced: 'UInt8',
  inhibited: 'UInt8',
  flapping: 'UInt8',
  ok: 'UInt8',
  'attrs.key': 'Array(String)',
  'attrs.value': 'Array(String)',
  zones: 'Array(String)',
};

/** Decodes RowBinary rows of the named columns; a reference for the writer. */
function decode(bytes: Buffer, columns: string): Record<string, unknown>[] {
  const names = columns.split(/,\s*/);
  let off = 0;
  const varUInt = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[off++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
  };
  const string = (): string => {
    const len = varUInt();
    const s = bytes.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  const rows: Record<string, unknown>[] = [];
  while (off < bytes.length) {
    const row: Record<string, unknown> = {};
    for (const name of names) {
      switch (types[name] ?? 'String') {
        case 'String':
          row[name] = string();
          break;
        case 'UInt8':
          row[name] = bytes[off++];
          break;
        case 'UInt32':
          row[name] = bytes.readUInt32LE(off);
          off += 4;
          break;
        case 'UInt64':
          row[name] = bytes.readUInt32LE(off) + bytes.readUInt32LE(off + 4) * 2 ** 32;
          off += 8;
          break;
        case 'Nullable(Float64)':
          if (bytes[off++] === 1) row[name] = null;
          else {
            row[name] = bytes.readDoubleLE(off);
            off += 8;
          }
          break;
        case 'Array(String)': {
          const n = varUInt();
          const list: string[] = [];
          for (let i = 0; i < n; i++) list.push(string());
          row[name] = list;
          break;
        }
      }
    }
    rows.push(row);
  }
  return rows;
}

const text = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  // Mostly ASCII with the odd other character anywhere: the writer's ASCII loop hands over mid-string.
  fc.string({ unit: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('a', 'Z', '-', '.', '0', '\x7f') }, fc.constantFrom('\x80', 'Đ', 'ệ', '😀', '\ud83d')), maxLength: 60 }),
  fc.constantFrom('', '\0', '😀', '\ud83d', '\ude00', 'Tô Lịch', 'ệ'.repeat(42), 'ệ'.repeat(43), 'x'.repeat(200)),
);
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -0, 5e-324, 6.94));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const uint = fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER));

const eventArb: fc.Arbitrary<StoredEvent> = fc.record({
  id: text,
  type: text,
  source: text,
  time: uint,
  value: maybe(number),
  unit: maybe(text),
  lat: maybe(number),
  lon: maybe(number),
  zone: maybe(text),
  attrs: fc.dictionary(text, text, { maxKeys: 4 }).map((d) => ({ ...d })),
  extra: maybe(fc.dictionary(text, fc.jsonValue(), { maxKeys: 3 })),
  seq: uint,
  ingestedAt: uint,
});

const alertArb: fc.Arbitrary<Alert> = fc.record({
  fingerprint: text,
  rule: text,
  key: text,
  state: fc.constantFrom('pending', 'firing', 'resolved'),
  severity: fc.constantFrom(...severities),
  title: fc.record({ vi: text, en: text }),
  message: fc.record({ vi: text, en: text }),
  zone: text,
  source: text,
  value: maybe(number),
  eventId: text,
  eventType: text,
  startsAt: uint,
  endsAt: uint,
  eventTime: uint,
  emittedAt: uint,
});

const timelineKinds: TimelineKind[] = ['opened', 'acknowledged', 'resolved', 'reopened', 'commented', 'alert.added'];

const alertEventArb: fc.Arbitrary<AlertEventRow> = fc.record({
  fingerprint: text,
  rule: text,
  zone: text,
  source: text,
  severity: fc.constantFrom(...severities),
  state: fc.constantFrom('pending', 'firing', 'resolved'),
  startsAt: uint,
  endsAt: uint,
  value: maybe(number),
  eventId: text,
  incidentId: text,
  silenced: fc.boolean(),
  inhibited: fc.boolean(),
  flapping: fc.boolean(),
  at: uint,
});

const incidentEventArb: fc.Arbitrary<IncidentEventRow> = fc.record({
  incidentId: text,
  seq: uint,
  at: uint,
  actor: text,
  kind: fc.constantFrom(...timelineKinds),
  detail: text,
  data: text,
  type: text,
  severity: fc.constantFrom(...severities),
  state: fc.constantFrom('open', 'acknowledged', 'resolved'),
  zones: fc.array(text, { maxLength: 4 }),
  openedAt: uint,
});

const deliveryArb: fc.Arbitrary<DeliveryAttempt> = fc.record({
  notificationId: text,
  receiver: text,
  incidentId: text,
  attempt: fc.oneof(fc.nat(), fc.constant(2 ** 32 - 1)),
  at: uint,
  ok: fc.boolean(),
  detail: text,
});

const float = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n : null);

function expectedEvent(e: StoredEvent): Record<string, unknown> {
  const keys = Object.keys(e.attrs);
  return {
    id: toWellFormed(e.id),
    type: toWellFormed(e.type),
    source: toWellFormed(e.source),
    time: e.time,
    value: float(e.value),
    unit: toWellFormed(e.unit ?? ''),
    lat: float(e.lat),
    lon: float(e.lon),
    zone: toWellFormed(e.zone ?? ''),
    'attrs.key': keys.map(toWellFormed),
    'attrs.value': keys.map((k) => toWellFormed(e.attrs[k]!)),
    extra: e.extra === undefined ? '' : JSON.stringify(e.extra),
    seq: e.seq,
    ingested_at: e.ingestedAt,
  };
}

function expectedAlert(a: Alert): Record<string, unknown> {
  const w = toWellFormed;
  return {
    fingerprint: w(a.fingerprint),
    rule: w(a.rule),
    key: w(a.key),
    state: a.state,
    severity: a.severity,
    title_vi: w(a.title.vi),
    title_en: w(a.title.en),
    message_vi: w(a.message.vi),
    message_en: w(a.message.en),
    zone: w(a.zone),
    source: w(a.source),
    value: float(a.value),
    event_id: w(a.eventId),
    event_type: w(a.eventType),
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    event_time: a.eventTime,
    emitted_at: a.emittedAt,
  };
}

describe('writeEvent', () => {
  it('encodes every event so it decodes, column by column, to the stored row', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 5 }), fc.integer({ min: 1, max: 300 }), (events, chunkBytes) => {
        const bytes = Buffer.concat([...rowBinaryChunks(events, writeEvent, chunkBytes)]);
        expect(decode(bytes, EVENT_COLUMNS.text)).toEqual(events.map(expectedEvent));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps float bits exactly, including values text formats misread on 18.16', () => {
    const values = [6.94, 7.81, 1.93, 4.998126498074757e-231, 1.7976931348623157e308, 5e-324, -0];
    const events = values.map((value, i) => ({ id: `e${i}`, type: 't', source: 's', time: 0, value, attrs: {}, seq: 0, ingestedAt: 0 }));
    const rows = decode(Buffer.concat([...rowBinaryChunks(events, writeEvent)]), EVENT_COLUMNS.text);
    expect(rows.map((r) => r.value)).toEqual(values);
  });
});

describe('writeAlert', () => {
  it('encodes every alert so it decodes to the stored row', () => {
    fc.assert(
      fc.property(fc.array(alertArb, { maxLength: 5 }), fc.integer({ min: 1, max: 300 }), (alerts, chunkBytes) => {
        const bytes = Buffer.concat([...rowBinaryChunks(alerts, writeAlert, chunkBytes)]);
        expect(decode(bytes, ALERT_COLUMNS.text)).toEqual(alerts.map(expectedAlert));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('incident history rows', () => {
  const w = toWellFormed;

  it('encode every alert event so it decodes to the stored row, booleans as 1/0', () => {
    fc.assert(
      fc.property(fc.array(alertEventArb, { maxLength: 5 }), fc.integer({ min: 1, max: 300 }), (rows, chunkBytes) => {
        const bytes = Buffer.concat([...rowBinaryChunks(rows, writeAlertEvent, chunkBytes)]);
        expect(decode(bytes, ALERT_EVENT_COLUMNS.text)).toEqual(
          rows.map((r) => ({
            fingerprint: w(r.fingerprint),
            rule: w(r.rule),
            zone: w(r.zone),
            source: w(r.source),
            severity: r.severity,
            state: r.state,
            starts_at: r.startsAt,
            ends_at: r.endsAt,
            value: float(r.value),
            event_id: w(r.eventId),
            incident_id: w(r.incidentId),
            silenced: r.silenced ? 1 : 0,
            inhibited: r.inhibited ? 1 : 0,
            flapping: r.flapping ? 1 : 0,
            at: r.at,
          })),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('encode every incident event so it decodes to the stored row', () => {
    fc.assert(
      fc.property(fc.array(incidentEventArb, { maxLength: 5 }), fc.integer({ min: 1, max: 300 }), (rows, chunkBytes) => {
        const bytes = Buffer.concat([...rowBinaryChunks(rows, writeIncidentEvent, chunkBytes)]);
        expect(decode(bytes, INCIDENT_EVENT_COLUMNS.text)).toEqual(
          rows.map((r) => ({
            incident_id: w(r.incidentId),
            seq: r.seq,
            at: r.at,
            actor: w(r.actor),
            kind: r.kind,
            detail: w(r.detail),
            data: w(r.data),
            type: w(r.type),
            severity: r.severity,
            state: r.state,
            zones: r.zones.map(w),
            opened_at: r.openedAt,
          })),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('encode every delivery attempt so it decodes to the stored row', () => {
    fc.assert(
      fc.property(fc.array(deliveryArb, { maxLength: 5 }), fc.integer({ min: 1, max: 300 }), (rows, chunkBytes) => {
        const bytes = Buffer.concat([...rowBinaryChunks(rows, writeDelivery, chunkBytes)]);
        expect(decode(bytes, DELIVERY_COLUMNS.text)).toEqual(
          rows.map((d) => ({
            notification_id: w(d.notificationId),
            receiver: w(d.receiver),
            incident_id: w(d.incidentId),
            attempt: d.attempt,
            at: d.at,
            ok: d.ok ? 1 : 0,
            detail: w(d.detail),
          })),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('RowBinaryWriter', () => {
  it.each([-1, 1.5, NaN, Infinity, 2 ** 53])('refuses %d for a UInt64 column, naming the field', (n) => {
    const w = new RowBinaryWriter();
    expect(() => w.uint64(n, 'event time')).toThrow(InvalidArgumentError);
    expect(() => w.uint64(n, 'event time')).toThrow(/event time/);
  });

  it.each([-1, 0.5, NaN, 2 ** 32])('refuses %d for a UInt32 column, naming the field', (n) => {
    expect(() => new RowBinaryWriter().uint32(n, 'attempt')).toThrow(/attempt.*UInt32/);
  });

  it('yields chunks of about the requested size, lazily', () => {
    const events = Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, type: 't', source: 's', time: i, attrs: {}, seq: i, ingestedAt: 0 }));
    const chunks = rowBinaryChunks(events, writeEvent, 256);
    const first = chunks.next();
    expect(first.done).toBe(false);
    expect(first.value!.length).toBeLessThanOrEqual(256);
    const rest = [...chunks];
    expect(rest.length).toBeGreaterThan(5);
    expect(decode(Buffer.concat([first.value!, ...rest]), EVENT_COLUMNS.text)).toHaveLength(100);
  });

  it('yields nothing for no rows', () => {
    expect([...rowBinaryChunks([], writeEvent)]).toEqual([]);
  });
});
