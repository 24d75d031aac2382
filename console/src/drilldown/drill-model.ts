// What the drill-down shows, worked out without a DOM: the ranges offered, the
// thresholds to draw (from the alerts' values), and the chart's geometry.
// Pure, so the drawing is tested as numbers.

import { severityRank, type AlertView, type Severity } from '../state/index.ts';

/** What was clicked: a sensor, or a district charted for one event type. */
export type DrillTarget =
  | { kind: 'sensor'; source: string; type: string; zone: string }
  | { kind: 'zone'; zone: string; type: string };

export const RANGES = { '1h': 3600_000, '24h': 24 * 3600_000, '7d': 7 * 24 * 3600_000 } as const;
export type RangeKey = keyof typeof RANGES;

/** One bucket of the series as charted. */
export interface ChartPoint {
  t: number;
  avg: number;
  min: number;
  max: number;
}

export interface Threshold {
  value: number;
  severity: Severity;
}

/**
 * Thresholds to draw: the values the target's alerts fired at, one line per
 * value (the worst severity when several alerts share it), worst first. The
 * rule pack's own thresholds are not served by the engine yet; the firing
 * values are what an operator compares the curve to.
 */
export function thresholdsOf(alerts: readonly AlertView[], target: DrillTarget): Threshold[] {
  const byValue = new Map<number, Severity>();
  for (const a of alerts) {
    if (a.value === undefined) continue;
    const mine = target.kind === 'sensor' ? a.source === target.source : a.zone === target.zone;
    if (!mine) continue;
    const had = byValue.get(a.value);
    if (had === undefined || severityRank(a.severity) > severityRank(had)) byValue.set(a.value, a.severity);
  }
  return [...byValue].map(([value, severity]) => ({ value, severity }))
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.value - b.value);
}

/** The alerts about the target, newest first. */
export function alertsOf(alerts: readonly AlertView[], target: DrillTarget): AlertView[] {
  return alerts.filter((a) => (target.kind === 'sensor' ? a.source === target.source : a.zone === target.zone))
    .sort((a, b) => b.startsAt - a.startsAt);
}

export interface ChartGeometry {
  /** SVG path of the mean, `M x y L x y …`; empty without points. */
  line: string;
  /** Closed SVG path of the min–max band. */
  band: string;
  /** y of each threshold, same order. */
  thresholds: { y: number; value: number; severity: Severity }[];
  /** Value axis: bottom and top values. */
  yMin: number;
  yMax: number;
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/**
 * Scales points (over [from, to)) and thresholds into a `width` × `height`
 * box; the value axis covers every point and threshold with 5 % headroom.
 *
 * @example chartGeometry([{ t: 0, avg: 1, min: 1, max: 1 }], [], 0, 10, 100, 50).line // 'M0 …'
 */
export function chartGeometry(points: readonly ChartPoint[], thresholds: readonly Threshold[], from: number, to: number, width: number, height: number): ChartGeometry {
  const values = [...points.flatMap((p) => [p.min, p.max]), ...thresholds.map((t) => t.value)];
  let yMin = values.length ? Math.min(...values) : 0;
  let yMax = values.length ? Math.max(...values) : 1;
  if (yMax === yMin) { yMax += 1; yMin -= 1; }
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad; yMax += pad;
  const x = (t: number) => fmt(((t - from) / (to - from)) * width);
  const y = (v: number) => fmt(height - ((v - yMin) / (yMax - yMin)) * height);
  const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t)} ${y(p.avg)}`).join(' ');
  const band = points.length === 0 ? '' : [
    ...points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t)} ${y(p.max)}`),
    ...[...points].reverse().map((p) => `L${x(p.t)} ${y(p.min)}`),
    'Z',
  ].join(' ');
  return { line, band, yMin, yMax, thresholds: thresholds.map((t) => ({ ...t, y: Number(y(t.value)) })) };
}
