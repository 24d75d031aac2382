// Turns rule matches into alert state changes for stateless rules: an alert
// fires when an event of a group matches, stays firing (no duplicate) while
// later events keep matching, and resolves at the first later event of that
// group that does not match. Pure and synchronous: no I/O, no wall clock except
// the injected `now`. A rule that throws is isolated and reported, never fatal.

import { createHash } from 'node:crypto';
import type { IocEvent } from '../events/index.ts';
import type { Alert, LocalizedText, Severity } from './alert.ts';

/** What the tracker needs from a compiled rule. */
export interface AlertRule {
  readonly id: string;
  readonly severity: Severity;
  readonly title: LocalizedText;
  /** True when the event satisfies the rule's condition; may throw on a broken expression. */
  matches(e: IocEvent): boolean;
  /** The group key of the event under this rule (by default its source). */
  keyOf(e: IocEvent): string;
  /** The alert message for this event. */
  render(e: IocEvent): LocalizedText;
}

/** The rules that can match an event of a given type. */
export interface RuleIndex {
  rulesFor(type: string): readonly AlertRule[];
}

export interface TrackerOptions {
  now(): number;
  /** Called when a rule throws; the event counts as neither match nor non-match for that rule. */
  onRuleError?(rule: AlertRule, event: IocEvent, err: unknown): void;
}

/** Stable alert identity from rule id and group key. */
export function fingerprintOf(ruleId: string, key: string): string {
  return createHash('sha1').update(ruleId).update('\u0000').update(key).digest('hex').slice(0, 16);
}

export class AlertTracker {
  /** Firing alerts by rule id, then group key (the fingerprint hash is computed only on a change). */
  private readonly active = new Map<string, Map<string, Alert>>();
  private count = 0;

  constructor(private readonly opts: TrackerOptions) {}

  /**
   * Evaluates one event against the rules that watch its type and returns the
   * state changes it causes (usually none).
   *
   * @example
   * tracker.process({ type: 'water.level', value: 2.4, ... }, index) // → [{ state: 'firing', ... }]
   */
  process(e: IocEvent, index: RuleIndex): Alert[] {
    const rules = index.rulesFor(e.type);
    let changes: Alert[] | undefined;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      let matched: boolean;
      let key: string;
      try {
        key = rule.keyOf(e);
        matched = rule.matches(e);
      } catch (err) {
        this.opts.onRuleError?.(rule, e, err);
        continue;
      }
      let byKey = this.active.get(rule.id);
      const current = byKey?.get(key);
      if (matched && current === undefined) {
        const alert = this.fire(rule, key, e);
        if (byKey === undefined) this.active.set(rule.id, (byKey = new Map()));
        byKey.set(key, alert);
        this.count++;
        (changes ??= []).push(alert);
      } else if (!matched && current !== undefined && e.time >= current.startsAt) {
        byKey!.delete(key);
        this.count--;
        (changes ??= []).push(this.resolve(current, rule, e));
      }
    }
    return changes ?? NONE;
  }

  /** The alerts firing now. */
  firing(): Alert[] {
    const out: Alert[] = [];
    for (const byKey of this.active.values()) for (const a of byKey.values()) out.push(a);
    return out;
  }

  /** How many alerts are firing now. */
  firingCount(): number {
    return this.count;
  }

  /** Loads firing alerts saved before a restart; later events resolve them as usual. */
  restore(alerts: Iterable<Alert>): void {
    for (const a of alerts) {
      if (a.state !== 'firing') continue;
      let byKey = this.active.get(a.rule);
      if (byKey === undefined) this.active.set(a.rule, (byKey = new Map()));
      if (!byKey.has(a.key)) this.count++;
      byKey.set(a.key, a);
    }
  }

  /** Forgets alerts of rules that no longer exist, returning them as resolved at `now`. */
  retain(ruleIds: ReadonlySet<string>): Alert[] {
    const resolved: Alert[] = [];
    const now = this.opts.now();
    for (const [ruleId, byKey] of this.active) {
      if (ruleIds.has(ruleId)) continue;
      this.active.delete(ruleId);
      this.count -= byKey.size;
      for (const a of byKey.values()) resolved.push({ ...a, state: 'resolved', endsAt: Math.max(now, a.startsAt), emittedAt: now });
    }
    return resolved;
  }

  private fire(rule: AlertRule, key: string, e: IocEvent): Alert {
    const alert: Alert = {
      fingerprint: fingerprintOf(rule.id, key),
      rule: rule.id,
      key,
      state: 'firing',
      severity: rule.severity,
      title: rule.title,
      message: safeRender(rule, e),
      zone: e.zone ?? '',
      source: e.source,
      eventId: e.id,
      eventType: e.type,
      startsAt: e.time,
      endsAt: 0,
      eventTime: e.time,
      emittedAt: this.opts.now(),
    };
    if (e.value !== undefined) alert.value = e.value;
    return alert;
  }

  private resolve(current: Alert, rule: AlertRule, e: IocEvent): Alert {
    const alert: Alert = {
      ...current,
      state: 'resolved',
      message: safeRender(rule, e),
      eventId: e.id,
      endsAt: e.time,
      eventTime: e.time,
      emittedAt: this.opts.now(),
    };
    if (e.value !== undefined) alert.value = e.value;
    else delete alert.value;
    return alert;
  }
}

const NONE: Alert[] = [];
Object.freeze(NONE);

function safeRender(rule: AlertRule, e: IocEvent): LocalizedText {
  try {
    return rule.render(e);
  } catch {
    // A message template that fails must not hide the alert itself.
    return { vi: rule.title.vi, en: rule.title.en };
  }
}
