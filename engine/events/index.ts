// Events: the contract between senders and the engine, and the only place that
// turns untrusted bytes into events. Nothing outside this folder parses event payloads.
export type { DecodeResult, IocEvent, RejectReason, Rejection } from './event.ts';
export { eventKey, rejectReasons } from './event.ts';
export { decodeEvent, encodeEventJson, isProtobuf, MAX_EVENT_BYTES, PROTOBUF_CONTENT_TYPE, protoEventToObject, typeFromSubject } from './decode.ts';
export { defaultValidateOptions, parseEventTime, validateEvent, type ValidateOptions } from './validate.ts';
