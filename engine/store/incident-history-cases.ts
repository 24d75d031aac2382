// Incident histories with the MTTA/MTTR figures they must give: one table run
// against the MemoryStore (memory-store.test.ts) and a real ClickHouse
// (test/incident-history.clickhouse.test.ts), so both stores mean the same.
// Test data only: never imported by engine code.

import type { Severity } from '../alerts/index.ts';
import type { IncidentEventRow, IncidentState, TimelineKind } from '../incidents/model.ts';
import type { IncidentStat, IncidentStatsQuery } from './store.ts';

/** 2026-03-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 2, 1);
const MIN = 60_000;

export interface HistoryCase {
  name: string;
  rows: IncidentEventRow[];
  /** Each query with the exact answer both stores must give. */
  stats: { q: IncidentStatsQuery; expected: IncidentStat[] }[];
}

interface Step {
  /** Minutes after the incident opened. */
  min: number;
  kind: TimelineKind;
  actor?: string;
  detail?: string;
  data?: Record<string, string>;
  /** The incident's zones from this entry on. */
  zones?: string[];
  severity?: Severity;
}

const STATE_AFTER: Partial<Record<TimelineKind, IncidentState>> = {
  opened: 'open',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  reopened: 'open',
};

/**
 * The rows an incident manager appends for one incident: seq from 1, each row
 * carrying the incident's state, zones and severity after its entry.
 */
export function timeline(incidentId: string, type: string, openedAt: number, zones: string[], steps: readonly Step[]): IncidentEventRow[] {
  let state: IncidentState = 'open';
  let severity: Severity = 'major';
  let current = zones;
  return steps.map((s, i) => {
    state = STATE_AFTER[s.kind] ?? state;
    severity = s.severity ?? severity;
    current = s.zones ?? current;
    return {
      incidentId,
      seq: i + 1,
      at: openedAt + s.min * MIN,
      actor: s.actor ?? 'system',
      kind: s.kind,
      detail: s.detail ?? s.kind,
      data: JSON.stringify(s.data ?? {}),
      type,
      severity,
      state,
      zones: current,
      openedAt,
    };
  });
}

/** The rows of one incident by seq: what `incidentHistory` must return. */
export function historyOf(rows: readonly IncidentEventRow[], incidentId: string): IncidentEventRow[] {
  return rows.filter((r) => r.incidentId === incidentId).sort((a, b) => a.seq - b.seq);
}

const stat = (type: string, zone: string, incidents: number, acknowledged: number, resolved: number, mttaMs: number | null, mttrMs: number | null): IncidentStat => ({
  type,
  zone,
  incidents,
  acknowledged,
  resolved,
  mttaMs,
  mttrMs,
});

// Flood A in Hoàn Kiếm: acknowledged after 1 min, resolved after 30.
const floodA = timeline('inc-flood-a', 'flood', T0, ['hoan-kiem'], [
  { min: 0, kind: 'opened', detail: 'opened by flood.water-level-critical' },
  { min: 1, kind: 'acknowledged', actor: 'Nguyễn Văn An' },
  { min: 5, kind: 'assigned', actor: 'Nguyễn Văn An', detail: 'assigned to team drainage', data: { assignee: 'drainage' } },
  { min: 30, kind: 'resolved', actor: 'Nguyễn Văn An', detail: 'pumps running' },
]);

// Flood B opens in Hoàn Kiếm 5 min later and spreads to Ba Đình; resolved after
// 20 min, reopened, resolved again after 70: its final resolution counts.
const floodB = timeline('inc-flood-b', 'flood', T0 + 5 * MIN, ['hoan-kiem'], [
  { min: 0, kind: 'opened' },
  { min: 2, kind: 'acknowledged', actor: 'Trần Thị Bình' },
  { min: 3, kind: 'alert.added', data: { fingerprint: 'fp-ba-dinh' }, zones: ['hoan-kiem', 'ba-dinh'], severity: 'critical' },
  { min: 20, kind: 'resolved', actor: 'Trần Thị Bình' },
  { min: 40, kind: 'reopened', actor: 'Lê Văn Cường', detail: 'water rising again' },
  { min: 41, kind: 'acknowledged', actor: 'Lê Văn Cường' },
  { min: 70, kind: 'resolved', actor: 'Lê Văn Cường' },
]);

// Traffic C in Ba Đình, 10 min after A: only opened.
const trafficC = timeline('inc-traffic-c', 'traffic', T0 + 10 * MIN, ['ba-dinh'], [
  { min: 0, kind: 'opened' },
  { min: 4, kind: 'alert.added', data: { fingerprint: 'fp-kim-ma' } },
]);

const hostileZone = "Hồ 'Tây'\\\n\t\"đê\"";
const hostileType = "ngập\\'; DROP TABLE incident_events; --";
const hostile = timeline("inc-'hostile'\\\nmới", hostileType, T0, [hostileZone, 'Ba Đình'], [
  { min: 0, kind: 'opened', detail: 'Mưa lớn "kéo dài"\n\\ 100 mm' },
  {
    min: 3,
    kind: 'commented',
    actor: "Phạm 'Dũng'",
    detail: "line one\nline two\r\nback\\slash ' quote 😀",
    data: { text: "nước 'lên' \\ nhanh\n" },
  },
  { min: 7, kind: 'acknowledged', actor: "Phạm 'Dũng'" },
]);

export const historyCases: readonly HistoryCase[] = [
  {
    name: 'three incidents over two zones and two types',
    rows: [...floodA, ...floodB, ...trafficC],
    stats: [
      {
        q: { from: T0, to: T0 + 60 * MIN },
        expected: [
          stat('flood', 'ba-dinh', 1, 1, 1, 2 * MIN, 70 * MIN),
          stat('flood', 'hoan-kiem', 2, 2, 2, 1.5 * MIN, 50 * MIN),
          stat('traffic', 'ba-dinh', 1, 0, 0, null, null),
        ],
      },
      { q: { from: T0, to: T0 + 60 * MIN, types: ['traffic'] }, expected: [stat('traffic', 'ba-dinh', 1, 0, 0, null, null)] },
      {
        q: { from: T0, to: T0 + 60 * MIN, zones: ['ba-dinh'] },
        expected: [stat('flood', 'ba-dinh', 1, 1, 1, 2 * MIN, 70 * MIN), stat('traffic', 'ba-dinh', 1, 0, 0, null, null)],
      },
      { q: { from: T0, to: T0 + 60 * MIN, types: ['flood'], zones: ['hoan-kiem', 'quan-khac'] }, expected: [stat('flood', 'hoan-kiem', 2, 2, 2, 1.5 * MIN, 50 * MIN)] },
      // [from, to): B opened exactly at T0 + 5 min is out; an incident counts by its opening, not its resolution.
      { q: { from: T0, to: T0 + 5 * MIN }, expected: [stat('flood', 'hoan-kiem', 1, 1, 1, MIN, 30 * MIN)] },
      { q: { from: T0 + 5 * MIN, to: T0 + 6 * MIN }, expected: [stat('flood', 'ba-dinh', 1, 1, 1, 2 * MIN, 70 * MIN), stat('flood', 'hoan-kiem', 1, 1, 1, 2 * MIN, 70 * MIN)] },
      { q: { from: T0 + 60 * MIN, to: T0 + 120 * MIN }, expected: [] },
      { q: { from: T0, to: T0 + 60 * MIN, types: ['fire'] }, expected: [] },
    ],
  },
  {
    name: 'a reopened incident still open is acknowledged but not resolved',
    rows: timeline('inc-reopened', 'flood', T0, ['tay-ho'], [
      { min: 0, kind: 'opened' },
      { min: 3, kind: 'acknowledged', actor: 'an' },
      { min: 10, kind: 'resolved', actor: 'an' },
      { min: 12, kind: 'reopened', actor: 'binh' },
    ]),
    stats: [{ q: { from: T0, to: T0 + MIN }, expected: [stat('flood', 'tay-ho', 1, 1, 0, 3 * MIN, null)] }],
  },
  {
    name: 'an incident whose opened row is missing is measured from its openedAt',
    rows: timeline('inc-no-opened-row', 'fire', T0, ['dong-da'], [
      { min: 0, kind: 'opened' },
      { min: 6, kind: 'acknowledged', actor: 'an' },
      { min: 9, kind: 'resolved', actor: 'an' },
    ]).slice(1),
    stats: [{ q: { from: T0, to: T0 + 1 }, expected: [stat('fire', 'dong-da', 1, 1, 1, 6 * MIN, 9 * MIN)] }],
  },
  {
    name: 'an incident without zones counts under zone "", a repeated zone once',
    rows: [
      ...timeline('inc-no-zone', 'power', T0, [], [
        { min: 0, kind: 'opened' },
        { min: 1, kind: 'acknowledged', actor: 'an' },
      ]),
      ...timeline('inc-twice', 'power', T0, ['cau-giay', 'cau-giay'], [
        { min: 0, kind: 'opened' },
        { min: 4, kind: 'resolved', actor: 'an' },
      ]),
    ],
    stats: [
      {
        q: { from: T0, to: T0 + 1 },
        expected: [stat('power', '', 1, 1, 0, MIN, null), stat('power', 'cau-giay', 1, 0, 1, null, 4 * MIN)],
      },
    ],
  },
  {
    name: 'hostile strings in ids, types, zones, actors and details',
    rows: hostile,
    stats: [
      { q: { from: T0, to: T0 + 1, types: [hostileType], zones: [hostileZone] }, expected: [stat(hostileType, hostileZone, 1, 1, 0, 7 * MIN, null)] },
      {
        q: { from: T0, to: T0 + 1 },
        // UTF-8 byte order: 'B' (0x42) before 'H' (0x48).
        expected: [stat(hostileType, 'Ba Đình', 1, 1, 0, 7 * MIN, null), stat(hostileType, hostileZone, 1, 1, 0, 7 * MIN, null)],
      },
    ],
  },
];
