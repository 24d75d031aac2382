import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { MalformedRowsError, RowDecoder } from './row-decoder.ts';

/** RowBinary of one `events` row in EVENT_READ_COLUMNS order, written by hand (independent of the store's writer). */
function rowBytes(e: IocEvent): Buffer {
  const parts: Buffer[] = [];
  const varUInt = (n: number) => {
    const b: number[] = [];
    while (n >= 0x80) {
      b.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    b.push(n);
    parts.push(Buffer.from(b));
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    varUInt(b.length);
    parts.push(b);
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    parts.push(b);
  };
  const nf64 = (v: number | undefined) => {
    if (v === undefined) parts.push(Buffer.from([1]));
    else {
      const b = Buffer.alloc(9);
      b.writeDoubleLE(v, 1);
      parts.push(b);
    }
  };
  str(e.id);
  str(e.type);
  str(e.source);
  u64(e.time);
  nf64(e.value);
  str(e.unit ?? '');
  nf64(e.lat);
  nf64(e.lon);
  str(e.zone ?? '');
  const keys = Object.keys(e.attrs);
  varUInt(keys.length);
  for (const k of keys) str(k);
  varUInt(keys.length);
  for (const k of keys) str(e.attrs[k]!);
  str(e.extra === undefined ? '' : JSON.stringify(e.extra));
  return Buffer.concat(parts);
}

const full: IocEvent = {
  id: 'w1-42', type: 'water.level', source: 'w1', time: 1_772_323_200_123, value: 6.94, unit: 'm',
  lat: 21.0285, lon: 105.8542, zone: 'hoan-kiem', attrs: { station: 'Hồ Gươm', 'x-\u0000': "it's" }, extra: { battery: 0.5 },
};
const bare: IocEvent = { id: 'h-1', type: 'service.hotline', source: 'hotline', time: 1_772_323_260_000, value: undefined, unit: undefined, lat: undefined, lon: undefined, zone: undefined, attrs: {}, extra: undefined };

describe('RowDecoder', () => {
  it('gives back the events as the live decoder shapes them, values bit for bit', () => {
    const d = new RowDecoder();
    const got = d.push(Buffer.concat([rowBytes(full), rowBytes(bare), rowBytes(full)]));
    expect(got).toEqual([full, bare, full]);
    expect(Object.keys(got[1]!)).toEqual(['id', 'type', 'source', 'time', 'value', 'unit', 'lat', 'lon', 'zone', 'attrs', 'extra']);
    expect(Object.is(got[0]!.value, 6.94)).toBe(true);
    d.end();
  });

  it('waits for the rest of a row split across chunks, at any byte', () => {
    const bytes = Buffer.concat([rowBytes(full), rowBytes(bare), rowBytes({ ...full, source: 'w2', zone: 'ba-dinh' })]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new RowDecoder();
      const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(got.map((e) => `${e.source}/${e.id}@${e.zone}`)).toEqual(['w1/w1-42@hoan-kiem', 'hotline/h-1@undefined', 'w2/w1-42@ba-dinh']);
      d.end();
    }
  });

  it('says so when the stream stops inside a row', () => {
    const d = new RowDecoder();
    const bytes = rowBytes(full);
    expect(d.push(bytes.subarray(0, 10))).toEqual([]);
    expect(() => d.end()).toThrow(MalformedRowsError);
  });

  it('refuses bytes that are not event rows instead of inventing events', () => {
    const d = new RowDecoder();
    // A server error printed into the body: its text read as a length prefix runs far past any real string.
    expect(() => d.push(Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), Buffer.from('Code: 241. DB::Exception: Memory limit')]))).toThrow(MalformedRowsError);
  });
});
