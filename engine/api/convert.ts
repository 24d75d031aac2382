// Conversions between the engine's types and the ioc.v1 protobuf messages.
// The only place that knows both shapes.

import { ioc } from '../../protos/gen/ioc.js';
import type { Alert, AlertState, Severity } from '../alerts/index.ts';
import type { LiveUpdate, SensorState } from '../live/index.ts';

const severityToProto: Record<Severity, ioc.v1.Severity> = {
  info: ioc.v1.Severity.INFO,
  minor: ioc.v1.Severity.MINOR,
  major: ioc.v1.Severity.MAJOR,
  critical: ioc.v1.Severity.CRITICAL,
};

const stateToProto: Record<AlertState, ioc.v1.AlertState> = {
  pending: ioc.v1.AlertState.PENDING,
  firing: ioc.v1.AlertState.FIRING,
  resolved: ioc.v1.AlertState.RESOLVED,
};

export function severityFromProto(s: ioc.v1.Severity): Severity | undefined {
  return (Object.keys(severityToProto) as Severity[]).find((k) => severityToProto[k] === s);
}

export function alertToProto(a: Alert): ioc.v1.Alert {
  return ioc.v1.Alert.create({
    fingerprint: a.fingerprint,
    rule: a.rule,
    key: a.key,
    state: stateToProto[a.state],
    severity: severityToProto[a.severity],
    title: a.title,
    message: a.message,
    zone: a.zone,
    source: a.source,
    ...(a.value !== undefined ? { value: a.value } : {}),
    eventId: a.eventId,
    eventType: a.eventType,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    eventTime: a.eventTime,
    emittedAt: a.emittedAt,
  });
}

export function sensorToProto(s: SensorState): ioc.v1.SensorState {
  return ioc.v1.SensorState.create({
    source: s.source,
    type: s.type,
    ...(s.lat !== undefined ? { lat: s.lat, lon: s.lon } : {}),
    zone: s.zone,
    ...(s.value !== undefined ? { value: s.value } : {}),
    unit: s.unit,
    time: s.time,
    severity: s.severity ? severityToProto[s.severity] : ioc.v1.Severity.SEVERITY_UNSPECIFIED,
  });
}

export function liveUpdateToProto(u: LiveUpdate): ioc.v1.ConsoleUpdate {
  return u.kind === 'sensor'
    ? ioc.v1.ConsoleUpdate.create({ seq: u.seq, sensor: sensorToProto(u.sensor) })
    : ioc.v1.ConsoleUpdate.create({ seq: u.seq, alert: alertToProto(u.alert) });
}
