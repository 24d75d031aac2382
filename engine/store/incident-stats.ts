// MTTA and MTTR from incident timeline rows, in memory: the MemoryStore's
// incidentStats, and the definition that ClickHouseStore's SQL must match (the
// shared cases in incident-history-cases.ts run against both). Pure: no I/O,
// and it must never count a replayed row twice.

import { InvalidArgumentError } from '../errors/index.ts';
import type { IncidentEventRow } from '../incidents/model.ts';
import type { IncidentStat, IncidentStatsQuery } from './store.ts';

/** Throws InvalidArgumentError unless `from` and `to` are epoch ms a UInt64 column can be compared with. */
export function checkStatsQuery(q: IncidentStatsQuery): void {
  for (const [name, v] of [
    ['from', q.from],
    ['to', q.to],
  ] as const) {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new InvalidArgumentError(`incident stats ${name} must be a non-negative integer (epoch ms), got ${v}`);
  }
}

/** Orders strings as ClickHouse sorts String columns: by their UTF-8 bytes. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** What one incident's timeline says, folded from its rows in any order. */
interface Folded {
  lastSeq: number;
  type: string;
  zones: string[];
  /** `at` of the `opened` row; the fallback is minOpenedAt. */
  openedRowAt: number | undefined;
  minOpenedAt: number;
  firstAckAt: number | undefined;
  lastResolvedAt: number | undefined;
  lastResolvedSeq: number;
  lastReopenedSeq: number;
}

function fold(rows: Iterable<IncidentEventRow>): Map<string, Folded> {
  const byIncident = new Map<string, Folded>();
  for (const r of rows) {
    let f = byIncident.get(r.incidentId);
    if (f === undefined) {
      f = {
        lastSeq: r.seq,
        type: r.type,
        zones: r.zones,
        openedRowAt: undefined,
        minOpenedAt: r.openedAt,
        firstAckAt: undefined,
        lastResolvedAt: undefined,
        lastResolvedSeq: -1,
        lastReopenedSeq: -1,
      };
      byIncident.set(r.incidentId, f);
    } else if (r.seq > f.lastSeq) {
      f.lastSeq = r.seq;
      f.type = r.type;
      f.zones = r.zones;
    }
    f.minOpenedAt = Math.min(f.minOpenedAt, r.openedAt);
    switch (r.kind) {
      case 'opened':
        f.openedRowAt = f.openedRowAt === undefined ? r.at : Math.min(f.openedRowAt, r.at);
        break;
      case 'acknowledged':
        f.firstAckAt = f.firstAckAt === undefined ? r.at : Math.min(f.firstAckAt, r.at);
        break;
      case 'resolved':
        f.lastResolvedAt = f.lastResolvedAt === undefined ? r.at : Math.max(f.lastResolvedAt, r.at);
        f.lastResolvedSeq = Math.max(f.lastResolvedSeq, r.seq);
        break;
      case 'reopened':
        f.lastReopenedSeq = Math.max(f.lastReopenedSeq, r.seq);
        break;
    }
  }
  return byIncident;
}

interface Group {
  stat: IncidentStat;
  ackSum: number;
  resolveSum: number;
}

/**
 * Incident figures per (type, zone) from timeline rows, as `Store.incidentStats` defines them.
 *
 * @example computeIncidentStats(store.incidentRows(), { from: 0, to: Date.now() })
 */
export function computeIncidentStats(rows: Iterable<IncidentEventRow>, q: IncidentStatsQuery): IncidentStat[] {
  checkStatsQuery(q);
  const types = q.types !== undefined && q.types.length > 0 ? new Set(q.types) : undefined;
  const zones = q.zones !== undefined && q.zones.length > 0 ? new Set(q.zones) : undefined;
  const groups = new Map<string, Group>();
  for (const f of fold(rows).values()) {
    const opened = f.openedRowAt ?? f.minOpenedAt;
    if (opened < q.from || opened >= q.to) continue;
    if (types !== undefined && !types.has(f.type)) continue;
    const resolved = f.lastResolvedAt !== undefined && f.lastResolvedSeq > f.lastReopenedSeq;
    for (const zone of new Set(f.zones.length > 0 ? f.zones : [''])) {
      if (zones !== undefined && !zones.has(zone)) continue;
      const key = JSON.stringify([f.type, zone]);
      let g = groups.get(key);
      if (g === undefined) {
        g = { stat: { type: f.type, zone, incidents: 0, acknowledged: 0, resolved: 0, mttaMs: null, mttrMs: null }, ackSum: 0, resolveSum: 0 };
        groups.set(key, g);
      }
      g.stat.incidents++;
      if (f.firstAckAt !== undefined) {
        g.stat.acknowledged++;
        g.ackSum += f.firstAckAt - opened;
      }
      if (resolved) {
        g.stat.resolved++;
        g.resolveSum += f.lastResolvedAt! - opened;
      }
    }
  }
  const out: IncidentStat[] = [];
  for (const g of groups.values()) {
    const s = g.stat;
    out.push({
      ...s,
      mttaMs: s.acknowledged > 0 ? g.ackSum / s.acknowledged : null,
      mttrMs: s.resolved > 0 ? g.resolveSum / s.resolved : null,
    });
  }
  return out.sort((a, b) => compareUtf8(a.type, b.type) || compareUtf8(a.zone, b.zone));
}
