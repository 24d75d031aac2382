import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ioc } from '../../protos/gen/ioc.js';
import { decodeEvent, MAX_EVENT_BYTES, type ValidateOptions } from './index.ts';

const NOW = Date.parse('2026-07-01T08:00:00Z');
const opts: ValidateOptions = { now: () => NOW, maxFutureMs: 600_000 };
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const good = { id: 'wl-1', type: 'water.level', source: 'wl-to-lich-01', time: NOW - 1000, value: 1.2, unit: 'm' };

function rejection(data: Uint8Array, contentType?: string, subject = 'ioc.events.water.level') {
  const r = decodeEvent(data, contentType, subject, opts);
  if (r.ok) throw new Error('expected a rejection');
  return r.rejection;
}

describe('decodeEvent (JSON)', () => {
  it('accepts a valid event and keeps unknown fields in extra', () => {
    const r = decodeEvent(json({ ...good, attrs: { river: 'Tô Lịch', level: 3 }, vendor: { fw: '1.2' } }), undefined, 'ioc.events.water.level', opts);
    expect(r).toEqual({
      ok: true,
      event: { ...good, attrs: { river: 'Tô Lịch', level: '3' }, extra: { vendor: { fw: '1.2' } } },
    });
  });

  it('accepts RFC 3339 time with an offset and converts it to epoch ms', () => {
    const r = decodeEvent(json({ ...good, time: '2026-07-01T14:59:59+07:00' }), undefined, undefined, opts);
    expect(r.ok && r.event.time).toBe(Date.parse('2026-07-01T07:59:59Z'));
  });

  it.each([
    ['malformed JSON', Buffer.from('{"id": "a",'), 'malformed_json', /not JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'malformed_json', /not JSON/],
    ['an array', json([good]), 'invalid_field', /must be a JSON object/],
    ['missing id', json({ ...good, id: undefined }), 'missing_field', /^id is missing/],
    ['missing type', json({ ...good, type: undefined }), 'missing_field', /^type is missing/],
    ['missing time', json({ ...good, time: undefined }), 'missing_field', /^time is missing/],
    ['a string value', json({ ...good, value: '1.2' }), 'invalid_value', /value must be a number, got the string "1.2"/],
    ['a boolean value', json({ ...good, value: true }), 'invalid_value', /value must be a number/],
    ['time in seconds', json({ ...good, time: Math.floor(NOW / 1000) }), 'invalid_time', /looks like epoch seconds/],
    ['a far-future time', json({ ...good, time: NOW + 86_400_000 }), 'invalid_time', /in the future/],
    ['an unparseable time', json({ ...good, time: 'yesterday' }), 'invalid_time', /not RFC 3339/],
    ['a fractional epoch', json({ ...good, time: NOW + 0.5 }), 'invalid_time', /integer/],
    ['lat out of range', json({ ...good, lat: 91, lon: 105 }), 'invalid_field', /lat 91 is outside/],
    ['lat without lon', json({ ...good, lat: 21 }), 'invalid_field', /together/],
    ['nested attrs', json({ ...good, attrs: { a: { b: 1 } } }), 'invalid_field', /attrs\.a must be/],
    ['a bad type', json({ ...good, type: 'water level!' }), 'invalid_field', /dotted words/],
  ])('rejects %s', (_name, data, reason, detail) => {
    const r = rejection(data);
    expect(r.reason).toBe(reason);
    expect(r.detail).toMatch(detail);
  });

  it('rejects a payload over 64 KiB before parsing it', () => {
    const big = json({ ...good, attrs: { note: 'x'.repeat(MAX_EVENT_BYTES) } });
    expect(rejection(big).reason).toBe('too_large');
  });

  it('rejects an event published on the subject of another type', () => {
    const r = rejection(json(good), undefined, 'ioc.events.aq.pm25');
    expect(r).toMatchObject({ reason: 'type_mismatch', id: 'wl-1' });
    expect(r.detail).toContain('ioc.events.water.level');
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(undefined, 'application/protobuf'), (bytes, ct) => {
        const r = decodeEvent(bytes, ct, 'ioc.events.x', opts);
        if (!r.ok) expect(r.rejection.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = decodeEvent(json(v), undefined, undefined, opts);
        if (!r.ok) expect(r.rejection.reason).toBeTruthy();
      }),
      { numRuns: 3000 },
    );
  });
});

describe('decodeEvent (protobuf)', () => {
  const encode = (p: ioc.v1.IEvent) => ioc.v1.Event.encode(ioc.v1.Event.create(p)).finish();

  it('decodes ioc.v1.Event when the content type says protobuf', () => {
    const r = decodeEvent(encode({ ...good, attrs: { river: 'Hồng' }, lat: 21.03, lon: 105.85 }), 'application/protobuf', 'ioc.events.water.level', opts);
    expect(r).toEqual({ ok: true, event: { ...good, attrs: { river: 'Hồng' }, lat: 21.03, lon: 105.85 } });
  });

  it('rejects bytes that are not a protobuf Event', () => {
    expect(rejection(Buffer.from('{"id":"a"}'), 'application/protobuf').reason).toBe('malformed_protobuf');
  });

  it('rejects a time beyond any calendar date with a reason, without throwing (a poison message would stop the engine)', () => {
    const r = rejection(encode({ ...good, time: 9e18 }), 'application/protobuf');
    expect(r).toMatchObject({ reason: 'invalid_time', id: 'wl-1' });
    expect(r.detail).toContain('beyond any calendar date');
  });

  it('rejects a NaN value', () => {
    const r = rejection(encode({ ...good, value: NaN }), 'application/protobuf');
    expect(r).toMatchObject({ reason: 'invalid_value', id: 'wl-1' });
    expect(r.detail).toMatch(/finite/);
  });

  it('treats a protobuf event without time as missing time', () => {
    expect(rejection(encode({ ...good, time: 0 }), 'application/protobuf').reason).toBe('missing_field');
  });
});
