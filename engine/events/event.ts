// The event as the engine sees it after decoding and validation.
// Every stage downstream of `decode` may rely on these invariants; nothing
// here may throw on a valid event.

/** A validated event. `time` is event time in epoch milliseconds. */
export interface IocEvent {
  /** Unique per source; (source, id) identifies the event. */
  id: string;
  /** Dotted type, e.g. `water.level`. */
  type: string;
  /** Sensor or system id. */
  source: string;
  /** Event time, epoch milliseconds. */
  time: number;
  value?: number;
  unit?: string;
  lat?: number;
  lon?: number;
  /** District id; derived from lat/lon when the sender gave none. */
  zone?: string;
  attrs: Record<string, string>;
  /** Fields the sender added that the contract does not name, kept verbatim (JSON). */
  extra?: Record<string, unknown>;
}

/** The reasons an inbound message can be rejected; each is a DLQ subject `ioc.dlq.<reason>`. */
export const rejectReasons = [
  'too_large',
  'malformed_json',
  'malformed_protobuf',
  'missing_field',
  'invalid_field',
  'invalid_value',
  'invalid_time',
  'type_mismatch',
  /** Valid, but storage refused the row (not a transient outage). */
  'storage_rejected',
  /** Valid, but older than the watermark (later than the allowed lateness) under the `dlq` late policy. */
  'late',
  /** Valid, but outside the event types or zones the sending integrator may publish. */
  'forbidden',
] as const;

export type RejectReason = (typeof rejectReasons)[number];

/** Why a message was not accepted: a code for machines and a sentence for people. */
export interface Rejection {
  reason: RejectReason;
  detail: string;
  /** The event id when it could be read, to help the sender find it. */
  id?: string;
}

export type DecodeResult = { ok: true; event: IocEvent } | { ok: false; rejection: Rejection };

/** The identity JetStream deduplicates on (`Nats-Msg-Id`) and storage keys rows by. */
export function eventKey(e: Pick<IocEvent, 'source' | 'id'>): string {
  return `${e.source}/${e.id}`;
}
