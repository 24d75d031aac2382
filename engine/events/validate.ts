// Turns an untrusted plain object (from JSON or protobuf) into an IocEvent or a
// Rejection that says which field is wrong and why. Never throws, never guesses
// silently: unknown fields are kept in `extra`, not dropped.

import type { DecodeResult, IocEvent, Rejection } from './event.ts';

/** Limits and clock for validation. `now` is injected so tests control "far future". */
export interface ValidateOptions {
  now(): number;
  /** How far ahead of `now` an event time may be (clock skew of senders). */
  maxFutureMs: number;
}

export const defaultValidateOptions: ValidateOptions = {
  now: Date.now,
  maxFutureMs: 10 * 60_000,
};

const TYPE_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_-]+)*$/i;
const MAX_ID_LENGTH = 256;
const MAX_ATTRS = 64;
const MAX_ATTR_LENGTH = 4096;
/** 2000-01-01: anything earlier is almost surely seconds or a zero, not city data. */
const MIN_TIME_MS = 946_684_800_000;

/** Types already seen valid; a city has a few dozen, so the pattern runs once per type (bounded). */
const knownTypes = new Set<string>();

function checkType(type: string): boolean {
  if (type.length > 128 || !TYPE_PATTERN.test(type)) return false;
  if (knownTypes.size < 1000) knownTypes.add(type);
  return true;
}

const KNOWN = new Set(['id', 'type', 'source', 'time', 'value', 'unit', 'lat', 'lon', 'zone', 'attrs']);

function reject(reason: Rejection['reason'], detail: string, id?: string): DecodeResult {
  return { ok: false, rejection: id === undefined ? { reason, detail } : { reason, detail, id } };
}

/** Parses `time`: epoch milliseconds (number) or an RFC 3339 string with a zone. */
export function parseEventTime(raw: unknown): number | string {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return 'time is not a finite number';
    if (!Number.isInteger(raw)) return 'time in epoch milliseconds must be an integer';
    if (raw > 0 && raw < MIN_TIME_MS && raw >= MIN_TIME_MS / 1000) {
      return `time ${raw} looks like epoch seconds; send epoch milliseconds`;
    }
    return raw;
  }
  if (typeof raw === 'string') {
    // RFC 3339 requires a date, a time and an offset; Date.parse alone accepts far too much.
    if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(raw)) {
      return `time "${raw.slice(0, 40)}" is not RFC 3339 (e.g. 2026-07-01T08:30:00+07:00) nor epoch milliseconds`;
    }
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? `time "${raw.slice(0, 40)}" is not a valid date` : ms;
  }
  return `time must be epoch milliseconds (number) or an RFC 3339 string, got ${describe(raw)}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string "${v.slice(0, 40)}"` : typeof v;
}

function optionalNumber(obj: Record<string, unknown>, field: string, min: number, max: number): number | undefined | string {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') return `${field} must be a number, got ${describe(v)}`;
  if (!Number.isFinite(v)) return `${field} must be finite, got ${v}`;
  if (v < min || v > max) return `${field} ${v} is outside [${min}, ${max}]`;
  return v;
}

function optionalString(obj: Record<string, unknown>, field: string): string | undefined | { error: string } {
  const v = obj[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return { error: `${field} must be a string, got ${describe(v)}` };
  if (v.length > MAX_ATTR_LENGTH) return { error: `${field} is longer than ${MAX_ATTR_LENGTH} characters` };
  return v;
}

/**
 * Validates one event object.
 *
 * @example
 * validateEvent({ id: 'w1-42', type: 'water.level', source: 'w1', time: 1767225600000, value: 1.2 })
 * // → { ok: true, event: { id: 'w1-42', ..., attrs: {} } }
 */
export function validateEvent(input: unknown, opts: ValidateOptions = defaultValidateOptions): DecodeResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return reject('invalid_field', `an event must be a JSON object, got ${describe(input)}`);
  }
  const obj = input as Record<string, unknown>;
  const rawId = obj.id;
  const id = typeof rawId === 'string' ? rawId : typeof rawId === 'number' && Number.isFinite(rawId) ? String(rawId) : undefined;
  if (rawId === undefined || rawId === null || rawId === '') return reject('missing_field', 'id is missing');
  if (id === undefined) return reject('invalid_field', `id must be a string, got ${describe(rawId)}`);
  if (id.length > MAX_ID_LENGTH) return reject('invalid_field', `id is longer than ${MAX_ID_LENGTH} characters`);

  const type = obj.type;
  if (type === undefined || type === null || type === '') return reject('missing_field', 'type is missing', id);
  if (typeof type !== 'string' || (!knownTypes.has(type) && !checkType(type))) {
    return reject('invalid_field', `type must be dotted words like "water.level", got ${describe(type)}`, id);
  }

  const source = obj.source;
  if (source === undefined || source === null || source === '') return reject('missing_field', 'source is missing', id);
  if (typeof source !== 'string' || source.length > MAX_ID_LENGTH) {
    return reject('invalid_field', `source must be a string of at most ${MAX_ID_LENGTH} characters, got ${describe(source)}`, id);
  }

  if (obj.time === undefined || obj.time === null || obj.time === '') return reject('missing_field', 'time is missing', id);
  const time = parseEventTime(obj.time);
  if (typeof time === 'string') return reject('invalid_time', time, id);
  if (time < MIN_TIME_MS) return reject('invalid_time', `time ${showTime(time)} is before 2000`, id);
  const now = opts.now();
  if (time > now + opts.maxFutureMs) {
    return reject('invalid_time', `time ${showTime(time)} is more than ${Math.round(opts.maxFutureMs / 1000)} s in the future`, id);
  }

  const value = optionalNumber(obj, 'value', -Number.MAX_VALUE, Number.MAX_VALUE);
  if (typeof value === 'string') return reject('invalid_value', value, id);
  const lat = optionalNumber(obj, 'lat', -90, 90);
  if (typeof lat === 'string') return reject('invalid_field', lat, id);
  const lon = optionalNumber(obj, 'lon', -180, 180);
  if (typeof lon === 'string') return reject('invalid_field', lon, id);
  if ((lat === undefined) !== (lon === undefined)) return reject('invalid_field', 'lat and lon must come together', id);

  const unit = optionalString(obj, 'unit');
  if (typeof unit === 'object') return reject('invalid_field', unit.error, id);
  const zone = optionalString(obj, 'zone');
  if (typeof zone === 'object') return reject('invalid_field', zone.error, id);

  const attrs: Record<string, string> = {};
  const rawAttrs = obj.attrs;
  if (rawAttrs !== undefined && rawAttrs !== null) {
    if (typeof rawAttrs !== 'object' || Array.isArray(rawAttrs)) {
      return reject('invalid_field', `attrs must be an object of strings, got ${describe(rawAttrs)}`, id);
    }
    let n = 0;
    for (const k in rawAttrs) {
      const v = (rawAttrs as Record<string, unknown>)[k];
      if (++n > MAX_ATTRS) return reject('invalid_field', `attrs has more than ${MAX_ATTRS} entries`, id);
      if (typeof v === 'string') attrs[k] = v;
      else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') attrs[k] = String(v);
      else return reject('invalid_field', `attrs.${k} must be a string, number or boolean, got ${describe(v)}`, id);
      if (attrs[k]!.length > MAX_ATTR_LENGTH) return reject('invalid_field', `attrs.${k} is longer than ${MAX_ATTR_LENGTH} characters`, id);
    }
  }

  // Every event has the same fields in the same order (absent ones undefined), so the
  // rules, the row encoder and the live view see one object shape, which V8 runs fastest.
  const event: IocEvent = {
    id, type, source, time, value, unit,
    lat: lon === undefined ? undefined : lat,
    lon: lat === undefined ? undefined : lon,
    zone, attrs, extra: undefined,
  };
  for (const k in obj) {
    if (!KNOWN.has(k)) (event.extra ??= {})[k] = obj[k];
  }
  return { ok: true, event };
}

/** An epoch-ms time for a message: ISO when a Date can hold it, else the number itself (never throws). */
function showTime(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms since 1970 (beyond any calendar date)`;
}
