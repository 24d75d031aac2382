// Decodes the bytes of one inbound message (JSON by default, protobuf
// `ioc.v1.Event` when the content type says so) into a validated event.
// It must never throw: every failure becomes a Rejection with a reason.

import { ioc } from '../../protos/gen/ioc.js';
import type { DecodeResult, IocEvent } from './event.ts';
import { defaultValidateOptions, validateEvent, type ValidateOptions } from './validate.ts';

/** Largest accepted message body. */
export const MAX_EVENT_BYTES = 64 * 1024;

export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The event type a subject names: `ioc.events.water.level` → `water.level`. */
export function typeFromSubject(subject: string): string | undefined {
  return subject.startsWith('ioc.events.') ? subject.slice('ioc.events.'.length) : undefined;
}

/** True when a Content-Type header value means protobuf. */
export function isProtobuf(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  return base === PROTOBUF_CONTENT_TYPE || base === 'application/x-protobuf';
}

/** Converts a decoded protobuf Event into the plain shape `validateEvent` reads. */
export function protoEventToObject(m: ioc.v1.IEvent): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    id: m.id ?? '',
    type: m.type ?? '',
    source: m.source ?? '',
    // proto3 cannot tell 0 from unset; epoch 0 is never a real event time.
    time: m.time ? m.time : undefined,
    attrs: m.attrs ?? {},
  };
  if (m.value !== undefined && m.value !== null) obj.value = m.value;
  if (m.lat !== undefined && m.lat !== null) obj.lat = m.lat;
  if (m.lon !== undefined && m.lon !== null) obj.lon = m.lon;
  if (m.unit) obj.unit = m.unit;
  if (m.zone) obj.zone = m.zone;
  return obj;
}

/**
 * Decodes one message body.
 *
 * @example
 * decodeEvent(Buffer.from('{"id":"a","type":"aq.pm25","source":"s","time":1767225600000,"value":80}'), undefined, 'ioc.events.aq.pm25')
 */
export function decodeEvent(
  data: Uint8Array,
  contentType: string | undefined,
  subject: string | undefined,
  opts: ValidateOptions = defaultValidateOptions,
): DecodeResult {
  if (data.length > MAX_EVENT_BYTES) {
    return { ok: false, rejection: { reason: 'too_large', detail: `message is ${data.length} bytes; the limit is ${MAX_EVENT_BYTES}` } };
  }
  let obj: unknown;
  if (isProtobuf(contentType)) {
    try {
      obj = protoEventToObject(ioc.v1.Event.decode(data));
    } catch (err) {
      return { ok: false, rejection: { reason: 'malformed_protobuf', detail: `not an ioc.v1.Event: ${(err as Error).message}` } };
    }
  } else {
    try {
      obj = JSON.parse(textDecoder.decode(data));
    } catch (err) {
      return { ok: false, rejection: { reason: 'malformed_json', detail: `not JSON: ${(err as Error).message}` } };
    }
  }
  const result = validateEvent(obj, opts);
  if (!result.ok || subject === undefined) return result;
  return checkSubject(result.event, subject);
}

function checkSubject(event: IocEvent, subject: string): DecodeResult {
  const subjectType = typeFromSubject(subject);
  if (subjectType !== undefined && subjectType !== event.type) {
    return {
      ok: false,
      rejection: { reason: 'type_mismatch', detail: `type "${event.type}" was published on ${subject}; publish it on ioc.events.${event.type}`, id: event.id },
    };
  }
  return { ok: true, event };
}

/** Encodes an event as the canonical JSON the engine publishes (gRPC ingest, simulator). */
export function encodeEventJson(event: IocEvent): Uint8Array {
  return Buffer.from(JSON.stringify(event));
}
