// What a backtest says about each rule: the alerts it would have fired (count,
// per key, first and last start, total firing time) and, against a baseline
// version of the rules, the difference alert by alert. Built from the
// runtime's firing/resolved changes in the order they happened; pure.
// Must never count a pending state (the live engine never publishes those).

import type { Alert, Severity } from '../alerts/index.ts';

/** One firing of one alert: from its start until it resolved (or until the range ended). */
export interface Firing {
  key: string;
  startsAt: number;
  /** Event time it resolved; null when still firing at the end of the range. */
  endsAt: number | null;
}

export interface KeySummary {
  key: string;
  /** Times it started firing. */
  alerts: number;
  /** Start of the first and of the last firing, epoch ms. */
  first: number;
  last: number;
  /** Total time firing, ms; a firing still open at the end counts to the end of the range. */
  firingMs: number;
  firingAtEnd: boolean;
}

export interface RuleSummary {
  rule: string;
  title: string;
  severity: Severity;
  alerts: number;
  /** Distinct keys that fired. */
  keys: number;
  first: number | null;
  last: number | null;
  firingMs: number;
  /** Keys still firing when the range ended. */
  firingAtEnd: number;
  /** Evaluation errors (the rule threw on an event). */
  errors: number;
  /** Every key that fired, most alerts first. */
  byKey: KeySummary[];
}

/** A firing in both versions whose end differs. */
export interface ChangedFiring {
  key: string;
  startsAt: number;
  candidateEndsAt: number | null;
  baselineEndsAt: number | null;
}

export type RuleChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface RuleDiff {
  rule: string;
  /** added/removed: the rule exists in one version only; changed/unchanged: the definition hash. */
  change: RuleChange;
  candidateAlerts: number;
  baselineAlerts: number;
  /** Firings (key and start) only one version has. */
  onlyCandidate: number;
  onlyBaseline: number;
  /** Firings with the same key and start that end at different times. */
  changedDuration: number;
  /** Candidate total firing time minus the baseline's, ms. */
  firingMsDelta: number;
  /** The first few of each, in time order, to show. */
  examples: { onlyCandidate: Firing[]; onlyBaseline: Firing[]; changedDuration: ChangedFiring[] };
}

/** Examples kept per kind of difference and rule. */
export const MAX_EXAMPLES = 20;

interface RuleAcc {
  rule: string;
  title: string;
  severity: Severity;
  firings: Firing[];
  /** Open firing per fingerprint. */
  open: Map<string, Firing>;
  /** Every firing by fingerprint and start. */
  byStart: Map<string, Firing>;
}

/**
 * Folds one run's alert changes into per-rule summaries.
 *
 * A firing is identified as live identifies it (the JetStream message id and
 * the `alerts` row key): fingerprint, state and start. A rule that fires,
 * resolves and fires again at the same event time makes a second firing with
 * the same identity; live, JetStream drops it as a duplicate and ClickHouse
 * keeps the last row of each identity, so here too it is one firing, open
 * again, ending at its last resolve.
 *
 * @example
 * const c = new AlertCollector(['flood.water-level-critical']);
 * for (const a of runtime.takeChanges()) c.add(a);
 * const summaries = c.summarize(range.to, runtime.counters().ruleErrors);
 */
export class AlertCollector {
  private readonly rules = new Map<string, RuleAcc>();

  /** `rules`: the ids to report, in order, even when they never fire. */
  constructor(rules: readonly { id: string; title: { en: string }; severity: Severity }[]) {
    for (const r of rules) this.rules.set(r.id, { rule: r.id, title: r.title.en, severity: r.severity, firings: [], open: new Map(), byStart: new Map() });
  }

  add(a: Alert): void {
    if (a.state === 'pending') return;
    let acc = this.rules.get(a.rule);
    if (acc === undefined) this.rules.set(a.rule, (acc = { rule: a.rule, title: a.title.en, severity: a.severity, firings: [], open: new Map(), byStart: new Map() }));
    if (a.state === 'firing') {
      if (acc.open.has(a.fingerprint)) return;
      const id = `${a.fingerprint}:${a.startsAt}`;
      let f = acc.byStart.get(id);
      if (f === undefined) {
        f = { key: a.key, startsAt: a.startsAt, endsAt: null };
        acc.firings.push(f);
        acc.byStart.set(id, f);
      } else f.endsAt = null;
      acc.open.set(a.fingerprint, f);
    } else {
      const f = acc.open.get(a.fingerprint);
      if (f === undefined) return; // resolved without a firing in range: it fired before the range began
      f.endsAt = a.endsAt;
      acc.open.delete(a.fingerprint);
    }
  }

  /** Every firing of a rule, in the order they started. */
  firings(rule: string): readonly Firing[] {
    return this.rules.get(rule)?.firings ?? [];
  }

  /** Summaries in rule order; open firings count until `end`. */
  summarize(end: number, errors: Readonly<Record<string, number>> = {}): RuleSummary[] {
    const out: RuleSummary[] = [];
    for (const acc of this.rules.values()) {
      const keys = new Map<string, KeySummary>();
      let firingMs = 0;
      let first: number | null = null;
      let last: number | null = null;
      for (const f of acc.firings) {
        const ms = (f.endsAt ?? end) - f.startsAt;
        firingMs += ms;
        if (first === null || f.startsAt < first) first = f.startsAt;
        if (last === null || f.startsAt > last) last = f.startsAt;
        const k = keys.get(f.key);
        if (k === undefined) keys.set(f.key, { key: f.key, alerts: 1, first: f.startsAt, last: f.startsAt, firingMs: ms, firingAtEnd: f.endsAt === null });
        else {
          k.alerts++;
          k.last = Math.max(k.last, f.startsAt);
          k.first = Math.min(k.first, f.startsAt);
          k.firingMs += ms;
          if (f.endsAt === null) k.firingAtEnd = true;
        }
      }
      const byKey = [...keys.values()].sort((a, b) => b.alerts - a.alerts || b.firingMs - a.firingMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      out.push({
        rule: acc.rule,
        title: acc.title,
        severity: acc.severity,
        alerts: acc.firings.length,
        keys: keys.size,
        first,
        last,
        firingMs,
        firingAtEnd: byKey.filter((k) => k.firingAtEnd).length,
        errors: errors[acc.rule] ?? 0,
        byKey,
      });
    }
    return out;
  }
}

/**
 * Compares one rule's firings in two versions, matching them by key and start time.
 *
 * @example diffFirings('r', 'changed', candidate.firings('r'), baseline.firings('r'), end)
 */
export function diffFirings(rule: string, change: RuleChange, candidate: readonly Firing[], baseline: readonly Firing[], end: number): RuleDiff {
  const id = (f: Firing) => `${f.startsAt}\u0000${f.key}`;
  const base = new Map<string, Firing>();
  for (const f of baseline) base.set(id(f), f);
  const cand = new Set<string>();
  const diff: RuleDiff = {
    rule,
    change,
    candidateAlerts: candidate.length,
    baselineAlerts: baseline.length,
    onlyCandidate: 0,
    onlyBaseline: 0,
    changedDuration: 0,
    firingMsDelta: 0,
    examples: { onlyCandidate: [], onlyBaseline: [], changedDuration: [] },
  };
  for (const f of candidate) {
    cand.add(id(f));
    diff.firingMsDelta += (f.endsAt ?? end) - f.startsAt;
    const b = base.get(id(f));
    if (b === undefined) {
      if (diff.onlyCandidate++ < MAX_EXAMPLES) diff.examples.onlyCandidate.push(f);
    } else if (b.endsAt !== f.endsAt) {
      if (diff.changedDuration++ < MAX_EXAMPLES) diff.examples.changedDuration.push({ key: f.key, startsAt: f.startsAt, candidateEndsAt: f.endsAt, baselineEndsAt: b.endsAt });
    }
  }
  for (const f of baseline) {
    diff.firingMsDelta -= (f.endsAt ?? end) - f.startsAt;
    if (!cand.has(id(f)) && diff.onlyBaseline++ < MAX_EXAMPLES) diff.examples.onlyBaseline.push(f);
  }
  return diff;
}
