// The console's side of `ioc.v1.Console/Watch` over gRPC-web: nice-grpc-web with
// the generated definitions and protobufjs static classes (no eval, so it runs
// under a CSP without unsafe-eval), decoded into the console's plain shapes.

import { ioc } from '../../../protos/gen/ioc.js';
import { ConsoleService } from '../../../protos/gen/services.ts';
import type { AlertView, FeedUpdate, SensorView, Severity } from '../state/index.ts';
import type { WatchFn } from './console-feed.ts';
import { engineClient } from './credentials.ts';

/**
 * Opens Watch streams against the engine at `baseUrl` (its HTTP port; same origin by default).
 * @example new ConsoleFeed({ watch: grpcWebWatch(location.origin), ... })
 */
export function grpcWebWatch(baseUrl: string): WatchFn {
  const client = engineClient({ watch: ConsoleService.watch }, baseUrl);
  return async function* watch(signal) {
    for await (const update of client.watch(ioc.v1.WatchRequest.create(), { signal })) {
      const decoded = fromProto(update);
      if (decoded !== undefined) yield decoded;
    }
  };
}

const severityNames: Record<number, Severity> = {
  [ioc.v1.Severity.INFO]: 'info',
  [ioc.v1.Severity.MINOR]: 'minor',
  [ioc.v1.Severity.MAJOR]: 'major',
  [ioc.v1.Severity.CRITICAL]: 'critical',
};

const stateNames: Record<number, AlertView['state']> = {
  [ioc.v1.AlertState.PENDING]: 'pending',
  [ioc.v1.AlertState.FIRING]: 'firing',
  [ioc.v1.AlertState.RESOLVED]: 'resolved',
};

/** One Watch message as the console's update; undefined for a kind this console does not know yet. */
export function fromProto(u: ioc.v1.IConsoleUpdate): FeedUpdate | undefined {
  const seq = u.seq ?? 0;
  if (u.snapshot) {
    return {
      kind: 'snapshot', seq, mode: u.snapshot.mode ?? '',
      sensors: (u.snapshot.sensors ?? []).map(sensorFromProto),
      alerts: (u.snapshot.alerts ?? []).flatMap((a) => alertFromProto(a) ?? []),
    };
  }
  if (u.sensor) return { kind: 'sensor', seq, sensor: sensorFromProto(u.sensor) };
  if (u.alert) {
    const alert = alertFromProto(u.alert);
    return alert && { kind: 'alert', seq, alert };
  }
  return undefined;
}

function sensorFromProto(s: ioc.v1.ISensorState): SensorView {
  const view: SensorView = {
    source: s.source ?? '', type: s.type ?? '', zone: s.zone ?? '', unit: s.unit ?? '', time: s.time ?? 0,
  };
  if (s.lat != null && s.lon != null) Object.assign(view, { lat: s.lat, lon: s.lon });
  if (s.value != null) view.value = s.value;
  const severity = severityNames[s.severity ?? 0];
  if (severity) view.severity = severity;
  return view;
}

function alertFromProto(a: ioc.v1.IAlert): AlertView | undefined {
  const severity = severityNames[a.severity ?? 0];
  const state = stateNames[a.state ?? 0];
  if (!severity || !state) return undefined;
  const view: AlertView = {
    fingerprint: a.fingerprint ?? '', rule: a.rule ?? '', state, severity,
    title: { vi: a.title?.vi ?? '', en: a.title?.en ?? '' },
    message: { vi: a.message?.vi ?? '', en: a.message?.en ?? '' },
    zone: a.zone ?? '', source: a.source ?? '', startsAt: a.startsAt ?? 0,
  };
  if (a.value != null) view.value = a.value;
  return view;
}
