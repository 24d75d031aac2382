// What the console shows, in plain shapes decoded from `ioc.v1.ConsoleUpdate`.
// Components and state code use these, never the protobuf classes.

export const severities = ['info', 'minor', 'major', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Higher is worse; no severity (a sensor in its normal state) ranks 0. */
export function severityRank(s: Severity | undefined): number {
  return s === undefined ? 0 : severities.indexOf(s) + 1;
}

export type Lang = 'vi' | 'en';

export interface Localized {
  vi: string;
  en: string;
}

export interface SensorView {
  source: string;
  type: string;
  lat?: number;
  lon?: number;
  zone: string;
  value?: number;
  unit: string;
  /** Event time of its latest event, epoch ms. */
  time: number;
  /** Worst severity the engine reports for it; undefined when normal. */
  severity?: Severity;
}

export interface AlertView {
  fingerprint: string;
  rule: string;
  state: 'pending' | 'firing' | 'resolved';
  severity: Severity;
  title: Localized;
  message: Localized;
  zone: string;
  source: string;
  value?: number;
  /** Event time it started firing, epoch ms. */
  startsAt: number;
}

/** One message of the Watch stream: a snapshot first, then deltas, each with its sequence number. */
export type FeedUpdate =
  | { kind: 'snapshot'; seq: number; mode: string; sensors: SensorView[]; alerts: AlertView[] }
  | { kind: 'sensor'; seq: number; sensor: SensorView }
  | { kind: 'alert'; seq: number; alert: AlertView };
