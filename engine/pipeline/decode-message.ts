// One inbound message to an event: decoded and validated, and its zone derived
// from its position when it has none. Shared by the pipeline and the router,
// so both accept, reject and place an event the same way.

import type { InboundMessage } from '../bus/index.ts';
import { decodeEvent, type DecodeResult, type ValidateOptions } from '../events/index.ts';
import type { ZoneLocator } from '../geo/index.ts';

/** `{`: a body that starts with it is JSON; a protobuf message never does (field 15, group start, is not in ioc.v1.Event). */
const OPEN_BRACE = 0x7b;

export function decodeMessage(msg: InboundMessage, validate: ValidateOptions, zones: ZoneLocator): DecodeResult {
  const data = msg.data;
  // Reading headers costs more than the rest of decoding; a JSON body does not need them.
  const decoded = decodeEvent(data, data[0] === OPEN_BRACE ? undefined : msg.contentType, msg.subject, validate);
  if (decoded.ok) {
    const e = decoded.event;
    if (e.zone === undefined && e.lat !== undefined && e.lon !== undefined) {
      const zone = zones.zoneOf(e.lat, e.lon);
      if (zone !== undefined) e.zone = zone;
    }
  }
  return decoded;
}
