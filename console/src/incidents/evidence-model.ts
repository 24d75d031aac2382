// What the incident detail's evidence charts show, worked out without a DOM:
// one chart per source (and event type) behind the incident's alerts, over a
// range from a little before its first alert to now (or a little after the
// incident was resolved), with the moments the alerts fired marked. Pure, so
// the choice of series, range and marks is tested as data.
//
// Rule thresholds are not served by the engine (the alert record carries the
// firing value and a windowed rule's aggregates, not the condition), so the
// charts mark the alert moments and the values that fired instead of drawing
// a threshold line.

import { severityRank, type Severity } from '../state/index.ts';
import type { DrillTarget } from '../drilldown/index.ts';
import type { IncidentDetailView } from './types.ts';

/** One moment an alert of the incident fired (or the event behind it), with the value when known. */
export interface EvidenceMark {
  t: number;
  value?: number;
  severity: Severity;
  fingerprint: string;
}

/** One evidence chart: the series of `target` over [from, to), `to` undefined meaning "now" (open incidents). */
export interface EvidenceChartSpec {
  /** Stable while nothing that the chart loads changes: target, range start, end, marks. */
  key: string;
  target: DrillTarget;
  from: number;
  to: number | undefined;
  marks: EvidenceMark[];
}

/** Charts per incident: more sources than this are listed, not charted (each chart is a query). */
export const MAX_EVIDENCE_CHARTS = 3;
const MIN_PAD_MS = 10 * 60_000;

/**
 * The charts for an incident's evidence, most severe source first, and how many sources were left out.
 *
 * @example
 * evidenceCharts(detail).charts[0].target // { kind: 'sensor', source: 'wl-1', type: 'water.level', zone: 'hoang-mai' }
 */
export function evidenceCharts(d: IncidentDetailView, max = MAX_EVIDENCE_CHARTS): { charts: EvidenceChartSpec[]; omitted: number } {
  const groups = new Map<string, { target: DrillTarget; marks: Map<string, EvidenceMark> }>();
  const groupOf = (source: string, type: string, zone: string) => {
    if (!type || (!source && !zone)) return undefined;
    const target: DrillTarget = source ? { kind: 'sensor', source, type, zone } : { kind: 'zone', zone, type };
    const key = source ? `s:${source}|${type}` : `z:${zone}|${type}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { target, marks: new Map() }));
    return g;
  };
  const add = (g: ReturnType<typeof groupOf>, m: EvidenceMark) => {
    if (!g || !(m.t > 0)) return;
    const id = `${m.fingerprint}@${m.t}`;
    const had = g.marks.get(id);
    // The same moment from the record and from the evidence: keep the one that knows the value.
    if (!had || (had.value === undefined && m.value !== undefined)) g.marks.set(id, m);
  };
  const severityOf = new Map(d.alerts.map((a) => [a.fingerprint, a.severity]));
  // The events that fired the alerts, each with its own value…
  for (const e of d.evidence) {
    const g = groupOf(e.source, e.eventType, e.zone);
    add(g, { t: e.eventTime, severity: severityOf.get(e.fingerprint) ?? 'info', fingerprint: e.fingerprint, ...(e.value === undefined ? {} : { value: e.value }) });
  }
  // …and each alert's record: the event behind its latest change (its value belongs to that event), and when it started firing.
  for (const a of d.alerts) {
    const g = groupOf(a.source, a.eventType, a.zone);
    add(g, { t: a.eventTime, severity: a.severity, fingerprint: a.fingerprint, ...(a.value === undefined ? {} : { value: a.value }) });
    add(g, { t: a.startsAt, severity: a.severity, fingerprint: a.fingerprint });
  }
  const i = d.incident;
  const resolvedAt = i.state === 'resolved' && i.resolvedAt > 0 ? i.resolvedAt : undefined;
  const ranked = [...groups.values()]
    .filter((g) => g.marks.size > 0)
    .map((g) => ({ ...g, marks: [...g.marks.values()].sort((a, b) => a.t - b.t) }))
    .sort((a, b) => worst(b.marks) - worst(a.marks) || a.marks[0]!.t - b.marks[0]!.t);
  const charts = ranked.slice(0, max).map(({ target, marks }) => {
    const first = marks[0]!.t;
    const last = Math.max(marks[marks.length - 1]!.t, resolvedAt ?? 0);
    // Enough before the first alert to see the rise, proportionate to how long the incident ran.
    const pad = Math.max(MIN_PAD_MS, Math.round((last - first) * 0.1));
    const from = first - pad;
    const to = resolvedAt === undefined ? undefined : Math.max(resolvedAt, last) + pad;
    const key = [target.kind, target.kind === 'sensor' ? target.source : target.zone, target.type, from, to ?? 'now',
      marks.map((m) => `${m.fingerprint}@${m.t}:${m.value ?? ''}`).join(',')].join('|');
    return { key, target, from, to, marks };
  });
  return { charts, omitted: ranked.length - charts.length };
}

const worst = (marks: readonly EvidenceMark[]) => Math.max(...marks.map((m) => severityRank(m.severity)));

/** Marks inside [from, to), placed in a `width` × `height` box whose value axis spans [yMin, yMax]; a mark without a value has no y. */
export function markGeometry(marks: readonly EvidenceMark[], from: number, to: number, width: number, height: number, yMin: number, yMax: number):
  { x: number; y: number | undefined; mark: EvidenceMark }[] {
  const round = (n: number) => Math.round(n * 10) / 10;
  return marks.filter((m) => m.t >= from && m.t < to).map((mark) => ({
    mark,
    x: round(((mark.t - from) / (to - from)) * width),
    y: mark.value === undefined || yMax === yMin ? undefined : round(height - ((mark.value - yMin) / (yMax - yMin)) * height),
  }));
}
