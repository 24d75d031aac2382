// Incident management's state machine: alert changes and operator actions in,
// incidents, timelines, history rows and notification decisions out. Pure and
// single-threaded: time comes from the injected clock and timers are run by
// the caller (`nextDue` / `runDue`), so every behaviour is tested in virtual
// time. It never does I/O; IncidentService persists and delivers its effects.
// Replaying an alert change it has already applied changes nothing, and every
// notification it decides has an id derived from state, so a replay after a
// crash decides the same ids (receivers and the outbox drop the second one).

import { createHash } from 'node:crypto';
import type { Alert, Severity } from '../alerts/index.ts';
import { severities, severityRank } from '../alerts/index.ts';
import { ConflictError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors/index.ts';
import { isActiveAt, nextChange } from '../schedule/index.ts';
import type { IncidentFilter, NewSilence } from './api.ts';
import { compileMatchers, labelOf, matchesEverything, type AlertPredicate } from './matchers.ts';
import type {
  AlertEventRow,
  AlertRecord,
  Incident,
  IncidentEventRow,
  NotificationReason,
  NotificationRequest,
  OperatorAction,
  Silence,
  TimelineEntry,
  TimelineKind,
} from './model.ts';
import { defaultPolicy, type CompiledPolicy, type PolicySet } from './policy-loader.ts';

/** Timeline entries kept per incident in its current state (the first and the latest); the full history is in ClickHouse. */
export const MAX_TIMELINE = 1000;
/** Longest comment, resolution note or reason, characters. */
export const MAX_TEXT = 4096;
/** Expired silences stay listed (for audit) this long. */
const EXPIRED_SILENCE_KEPT_MS = 7 * 86_400_000;
/** Default of `keepResolvedMs`. */
const KEEP_RESOLVED_MS = 7 * 86_400_000;
/** How often resolved incidents and alerts past `keepResolvedMs` are looked for. */
const SWEEP_EVERY_MS = 3_600_000;
/** Most incidents one sweep drops (the first after an upgrade may find years of them); the rest a minute later. */
const SWEEP_MAX_INCIDENTS = 1000;

/** What changed in one call: the caller persists, appends and delivers it. */
export interface Effects {
  incidents: Set<string>;
  /** Incidents gone from the live state: id → the incident they were merged into, or '' when dropped after `keepResolvedMs`. */
  removed: Map<string, string>;
  alerts: Set<string>;
  silences: Set<string>;
  incidentRows: IncidentEventRow[];
  alertRows: AlertEventRow[];
  notifications: NotificationRequest[];
}

const emptyEffects = (): Effects => ({
  incidents: new Set(),
  removed: new Map(),
  alerts: new Set(),
  silences: new Set(),
  incidentRows: [],
  alertRows: [],
  notifications: [],
});

export interface ManagerOptions {
  policies: PolicySet;
  now: () => number;
  /** Zone adjacency for policies with `neighbours: true`. */
  neighbours?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Console address used in notification links, e.g. `http://ioc.example/`. */
  consoleUrl?: string;
  /** Display names of zones for titles (`hoang-mai` → Hoàng Mai / Hoang Mai); ids when absent. */
  zoneNames?: ReadonlyMap<string, { vi: string; en: string }>;
  /**
   * How long a resolved incident, and a resolved alert no kept incident
   * lists, stay in the live state (default 7 days); their history stays in
   * ClickHouse. Without a bound the state of a city's years of incidents
   * would grow without limit, in memory and in KV.
   */
  keepResolvedMs?: number;
}

export interface ManagerState {
  alerts: AlertRecord[];
  incidents: Incident[];
  silences: Silence[];
}

const hash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 12);
const familyOf = (rule: string) => rule.split('.')[0] ?? rule;
const isOpen = (i: Incident) => i.state !== 'resolved';
/** Rank of the worst severity there is: no alert can raise an incident above it. */
const TOP_RANK = severities.length;

/**
 * An incident's alerts counted by state: firing ones by severity rank (index
 * 1..TOP_RANK), and all not yet resolved. Kept with every change, so that a
 * storm's incident of thousands of alerts is not walked on each change of
 * one of them (its severity, its auto-resolve). An alert counts for the
 * incident it belongs to (`incidentId`): one that fired again after its
 * incident was resolved belongs to the incident it opened or joined, even if
 * the old one is reopened.
 */
interface Tally {
  firing: Int32Array;
  unresolved: number;
}

export class IncidentManager {
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly incidents = new Map<string, Incident>();
  private readonly silences = new Map<string, Silence>();
  private effects = emptyEffects();
  private policies: PolicySet;
  /** Next time a silence starts or ends (mutes must be re-evaluated then). */
  private silenceDue: number | undefined;
  /** Set when a possible inhibition source changed: every alert's mutes are re-evaluated before the call returns. */
  private mutesDirty = false;
  private readonly silenceMatchers = new WeakMap<Silence, AlertPredicate>();
  /** Next time resolved incidents and alerts past their keeping time are dropped (0: at the first `runDue`). */
  private sweepDue = 0;
  /** Per incident id, counted when first needed, then kept with each change (`own`, `disown`). */
  private readonly tallies = new Map<string, Tally>();

  constructor(private readonly opts: ManagerOptions) {
    this.policies = opts.policies;
    for (const s of opts.policies.maintenance) this.silences.set(s.id, s);
    this.silenceDue = 0;
  }

  // --- state -------------------------------------------------------------

  /** Loads persisted state (after a restart); policy-kept silences come from the policies, not the state. */
  restore(state: ManagerState): void {
    // The whole state: what another process deleted (a silence, a resolved incident past its keeping time) goes too.
    this.alerts.clear();
    this.incidents.clear();
    for (const id of [...this.silences.keys()]) if (!id.startsWith('policy:')) this.silences.delete(id);
    for (const a of state.alerts) this.alerts.set(a.fingerprint, a);
    for (const i of state.incidents) this.incidents.set(i.id, i);
    for (const s of state.silences) if (!s.id.startsWith('policy:')) this.silences.set(s.id, s);
    this.silenceDue = 0;
    this.tallies.clear();
  }

  /** Replaces the policies (hot reload); open incidents keep the policy they were opened under by id. */
  setPolicies(policies: PolicySet): void {
    this.policies = policies;
    for (const id of [...this.silences.keys()]) if (id.startsWith('policy:')) this.silences.delete(id);
    for (const s of policies.maintenance) this.silences.set(s.id, s);
    this.silenceDue = 0;
    this.mutesDirty = true;
    this.settle();
  }

  /** The effects gathered since the last call. */
  drain(): Effects {
    const e = this.effects;
    this.effects = emptyEffects();
    return e;
  }

  alert(fingerprint: string): AlertRecord | undefined {
    return this.alerts.get(fingerprint);
  }

  incident(id: string): Incident | undefined {
    return this.incidents.get(id);
  }

  silence(id: string): Silence | undefined {
    return this.silences.get(id);
  }

  // --- queries -----------------------------------------------------------

  list(f: IncidentFilter = {}): Incident[] {
    const text = f.text?.trim().toLowerCase();
    const out: Incident[] = [];
    for (const i of this.incidents.values()) {
      if (f.states?.length && !f.states.includes(i.state)) continue;
      if (f.severities?.length && !f.severities.includes(i.severity)) continue;
      if (f.types?.length && !f.types.includes(i.type)) continue;
      if (f.zones?.length && !i.zones.some((z) => f.zones!.includes(z))) continue;
      if (f.from && i.openedAt < f.from) continue;
      if (f.to && i.openedAt >= f.to) continue;
      if (text && !matchesText(i, text)) continue;
      out.push(i);
    }
    out.sort((a, b) => b.openedAt - a.openedAt || (a.id < b.id ? -1 : 1));
    return out.slice(0, f.limit && f.limit > 0 ? f.limit : 200);
  }

  alertsOf(incident: Incident): AlertRecord[] {
    return incident.alerts.map((fp) => this.alerts.get(fp)).filter((a): a is AlertRecord => a !== undefined);
  }

  allSilences(): Silence[] {
    return [...this.silences.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  }

  state(): ManagerState {
    return { alerts: [...this.alerts.values()], incidents: [...this.incidents.values()], silences: [...this.silences.values()] };
  }

  // --- alerts ------------------------------------------------------------

  /** Applies one alert state change from the rules. Applying the same change twice changes nothing. */
  applyAlert(a: Alert): void {
    const now = this.opts.now();
    const prev = this.alerts.get(a.fingerprint);
    if (prev && prev.state === a.state && prev.startsAt === a.startsAt && prev.endsAt === a.endsAt) return;
    const startedAgain = a.state === 'firing' && (!prev || prev.state !== 'firing' || prev.startsAt !== a.startsAt);
    const rec: AlertRecord = {
      fingerprint: a.fingerprint,
      rule: a.rule,
      family: familyOf(a.rule),
      key: a.key,
      zone: a.zone,
      source: a.source,
      severity: a.severity,
      state: a.state,
      title: a.title,
      message: a.message,
      ...(a.value !== undefined ? { value: a.value } : {}),
      ...(a.values !== undefined ? { values: a.values } : {}),
      eventId: a.eventId,
      eventType: a.eventType,
      eventTime: a.eventTime,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      recentStarts: prev?.recentStarts ?? [],
      flapping: prev?.flapping ?? false,
      silencedBy: [],
      inhibitedBy: [],
      ...(prev?.incidentId ? { incidentId: prev.incidentId } : {}),
      updatedAt: now,
    };
    const flap = this.policies.flapping;
    let becameFlapping = false;
    if (startedAgain) {
      rec.recentStarts = [...rec.recentStarts.filter((t) => now - t < flap.window), now];
      becameFlapping = !rec.flapping && rec.recentStarts.length >= flap.starts;
      rec.flapping = rec.recentStarts.length >= flap.starts;
    }
    if (prev) this.disown(prev);
    this.alerts.set(rec.fingerprint, rec);
    this.own(rec);
    this.computeMutes(rec);
    this.effects.alerts.add(rec.fingerprint);

    const incident = rec.incidentId ? this.incidents.get(rec.incidentId) : undefined;
    if (incident && isOpen(incident)) {
      if (a.state === 'resolved' && prev?.state !== 'resolved') {
        this.record(incident, 'system', 'alert.resolved', `${rec.rule} (${rec.key}) resolved`, { fingerprint: rec.fingerprint });
        this.refreshSeverity(incident);
        this.maybeAutoResolve(incident);
      } else if (startedAgain) {
        this.record(incident, 'system', 'alert.refired', `${rec.rule} (${rec.key}) fired again${rec.flapping ? ' (flapping)' : ''}`, { fingerprint: rec.fingerprint });
        if (becameFlapping) {
          this.record(incident, 'system', 'alert.refired', `${rec.rule} (${rec.key}) is flapping: ${rec.recentStarts.length} starts within ${Math.round(flap.window / 60_000)} min; its further changes are not notified`, { fingerprint: rec.fingerprint, flapping: 'true' });
        }
        if (!rec.flapping) incident.pendingUpdate = incident.notifiedAt > 0;
        this.refreshSeverity(incident);
      } else {
        this.refreshSeverity(incident); // still firing at another severity, or back to pending
      }
    } else if (startedAgain && !isMuted(rec)) {
      this.route(rec);
    }
    this.effects.alertRows.push(this.alertRow(rec, now));
    if ((prev?.state === 'firing') !== (rec.state === 'firing') && this.policies.inhibit.some((h) => h.sourceMatches?.(rec))) this.mutesDirty = true;
    this.settle();
  }

  /** Re-evaluates mutes when a source changed; every public change ends here. */
  private settle(): void {
    for (let round = 0; this.mutesDirty && round < 10; round++) {
      this.mutesDirty = false;
      this.reevaluateMutes();
    }
  }

  /** An incident of a type that inhibits others opened, resolved or spread to a new zone. */
  private incidentMutesChanged(i: Incident): void {
    if (this.policies.inhibit.some((h) => h.source.incidentTypes?.includes(i.type))) this.mutesDirty = true;
  }

  /** Puts a firing, unmuted alert that has no open incident into one (joining or opening). */
  private route(rec: AlertRecord): void {
    const now = this.opts.now();
    const policy = this.policies.policies.find((p) => p.matches(rec)) ?? defaultPolicy;
    const groupKey = policy.groupBy.map((l) => labelOf(rec, l)).join('|');
    const target = this.findIncident(policy, rec, groupKey);
    if (target) {
      this.join(target, rec);
      return;
    }
    const type = policy.type;
    // From the alert change that opens it, so a replay opens the same incident. The same firing can open a second
    // one (its first was resolved by an operator while it fired, and may since have been dropped): the id then also
    // names the incident it leaves, which its record keeps for a replay.
    const base = `${policy.id}|${groupKey}|${rec.fingerprint}|${rec.startsAt}|${rec.eventId}${rec.incidentId ? `|after:${rec.incidentId}` : ''}`;
    let id = `inc-${hash(base)}`;
    for (let n = 2; this.incidents.has(id); n++) id = `inc-${hash(`${base}|${n}`)}`;
    const sop = this.policies.sops.get(type);
    const incident: Incident = {
      id,
      type,
      policy: policy.id,
      title: policy.title ? fillTitle(policy.title, rec, type, this.opts.zoneNames?.get(rec.zone)) : rec.title,
      state: 'open',
      severity: rec.severity,
      zones: rec.zone ? [rec.zone] : [],
      groupKey,
      alerts: [rec.fingerprint],
      openedAt: now,
      lastAlertAt: rec.startsAt,
      escalationLevel: 0,
      sop: (sop?.steps ?? []).map((s) => ({ id: s.id, title: s.title, owner: s.owner, dueAt: now + s.due, overdue: false })),
      // A flapping alert notified when it first fired; its new incidents are quiet.
      notifiedAt: rec.flapping ? now : 0,
      pendingUpdate: false,
      timeline: [],
    };
    this.incidents.set(id, incident);
    this.move(rec, id);
    this.incidentMutesChanged(incident);
    this.record(incident, 'system', 'opened', `opened by ${rec.rule} (${rec.key}) in ${rec.zone || 'no zone'}`, { fingerprint: rec.fingerprint, policy: policy.id });
  }

  private findIncident(policy: CompiledPolicy, rec: AlertRecord, groupKey: string): Incident | undefined {
    const near = policy.neighbours ? this.opts.neighbours?.get(rec.zone) : undefined;
    const others = policy.neighbours ? policy.groupBy.filter((l) => l !== 'zone').map((l) => labelOf(rec, l)).join('|') : '';
    let best: Incident | undefined;
    for (const i of this.incidents.values()) {
      if (!isOpen(i) || i.policy !== policy.id) continue;
      if (Math.abs(rec.startsAt - i.lastAlertAt) > policy.span) continue;
      let same = i.groupKey === groupKey;
      if (!same && policy.neighbours) {
        const iOthers = i.alerts.length > 0 ? this.alerts.get(i.alerts[0]!) : undefined;
        const otherKey = iOthers ? policy.groupBy.filter((l) => l !== 'zone').map((l) => labelOf(iOthers, l)).join('|') : '';
        same = otherKey === others && i.zones.some((z) => z === rec.zone || (near?.has(z) ?? false));
      }
      if (same && (!best || i.openedAt < best.openedAt)) best = i;
    }
    return best;
  }

  private join(incident: Incident, rec: AlertRecord): void {
    this.move(rec, incident.id);
    if (!incident.alerts.includes(rec.fingerprint)) incident.alerts.push(rec.fingerprint);
    if (rec.zone && !incident.zones.includes(rec.zone)) {
      incident.zones.push(rec.zone);
      this.incidentMutesChanged(incident);
    }
    incident.lastAlertAt = Math.max(incident.lastAlertAt, rec.startsAt);
    this.record(incident, 'system', 'alert.added', `${rec.rule} (${rec.key}) in ${rec.zone || 'no zone'} joined`, { fingerprint: rec.fingerprint });
    if (incident.notifiedAt > 0 && !rec.flapping) incident.pendingUpdate = true;
    this.refreshSeverity(incident);
  }

  /** The incident's severity: an operator's override, else its worst firing alert, else unchanged. */
  private refreshSeverity(incident: Incident): void {
    let next = incident.severityOverride;
    if (next === undefined) {
      const firing = this.tallyOf(incident).firing;
      let rank = TOP_RANK;
      while (rank > 0 && firing[rank] === 0) rank--;
      next = rank > 0 ? severities[rank - 1]! : incident.severity;
    }
    if (next !== incident.severity) {
      const before = incident.severity;
      incident.severity = next;
      this.record(incident, 'system', 'severity.changed', `severity ${before} → ${next}`, { from: before, to: next });
    }
  }

  private tallyOf(incident: Incident): Tally {
    let t = this.tallies.get(incident.id);
    if (t === undefined) {
      t = { firing: new Int32Array(TOP_RANK + 1), unresolved: 0 };
      this.tallies.set(incident.id, t);
      for (const fp of incident.alerts) {
        const a = this.alerts.get(fp);
        if (a !== undefined && a.incidentId === incident.id) count(t, a, 1);
      }
    }
    return t;
  }

  /** Counts an alert for the incident it now belongs to (when that incident is counted already). */
  private own(rec: AlertRecord): void {
    const t = rec.incidentId === undefined ? undefined : this.tallies.get(rec.incidentId);
    if (t !== undefined) count(t, rec, 1);
  }

  /** Makes an alert belong to an incident (counted there, not where it was); `owners` gathers the incidents it left. */
  private move(rec: AlertRecord, to: string, owners?: Set<string>): void {
    if (owners && rec.incidentId !== undefined && rec.incidentId !== to) owners.add(rec.incidentId);
    this.disown(rec);
    rec.incidentId = to;
    this.own(rec);
  }

  /**
   * The severity of open incidents an operator's merge or split took alerts
   * from, besides the ones named: a reopened incident still lists alerts that
   * have since joined another incident, and a merge or split moves them on.
   */
  private refreshOwners(owners: Set<string>): void {
    for (const id of owners) {
      const i = this.incidents.get(id);
      if (i && isOpen(i)) this.refreshSeverity(i);
    }
  }

  /** Takes an alert out of its incident's counts: before its record is replaced or it moves to another incident. */
  private disown(rec: AlertRecord): void {
    const t = rec.incidentId === undefined ? undefined : this.tallies.get(rec.incidentId);
    if (t !== undefined) count(t, rec, -1);
  }

  private maybeAutoResolve(incident: Incident): void {
    const policy = this.policyOf(incident);
    if (!policy.autoResolve || this.tallyOf(incident).unresolved > 0) return;
    const alerts = this.alertsOf(incident);
    this.resolve(incident, 'system', 'all alerts resolved', !alerts.some((a) => a.flapping));
  }

  private resolve(incident: Incident, actor: string, note: string, notify: boolean): void {
    const now = this.opts.now();
    incident.state = 'resolved';
    incident.resolvedAt = now;
    incident.resolution = note;
    this.incidentMutesChanged(incident);
    const entry = this.record(incident, actor, 'resolved', `resolved: ${note}`, { note });
    // An incident never announced (still inside groupWait) is not announced as resolved either.
    if (notify && incident.notifiedAt > 0) this.notify(incident, 'resolved', this.policyOf(incident).notify, String(entry.seq));
    incident.pendingUpdate = false;
  }

  // --- mutes -------------------------------------------------------------

  private silenceActive(s: Silence, t: number): boolean {
    if (s.expiredAt !== undefined && s.expiredAt <= t) return false;
    if (t < s.startsAt || t >= s.endsAt) return false;
    return s.schedule ? isActiveAt(s.schedule, t) : true;
  }

  private silenceNextChange(s: Silence, t: number): number | undefined {
    if (s.expiredAt !== undefined && s.expiredAt <= t) return undefined;
    if (t < s.startsAt) return s.startsAt;
    if (t >= s.endsAt) return undefined;
    if (!s.schedule) return s.endsAt;
    const n = nextChange(s.schedule, t);
    return n === undefined ? s.endsAt : Math.min(n, s.endsAt);
  }

  private computeMutes(rec: AlertRecord): boolean {
    const now = this.opts.now();
    const silenced: string[] = [];
    for (const s of this.silences.values()) {
      if (!this.silenceActive(s, now)) continue;
      let matches = this.silenceMatchers.get(s);
      if (!matches) this.silenceMatchers.set(s, (matches = compileMatchers(s.matchers)));
      if (matches(rec)) silenced.push(s.id);
    }
    const inhibited: string[] = [];
    for (const h of this.policies.inhibit) {
      if (!h.targetMatches(rec)) continue;
      if (h.sourceMatches) {
        for (const src of this.alerts.values()) {
          if (src === rec || src.state !== 'firing' || !h.sourceMatches(src)) continue;
          if (h.equal.every((l) => labelOf(src, l) === labelOf(rec, l))) inhibited.push(src.fingerprint);
        }
      }
      if (h.source.incidentTypes?.length) {
        for (const i of this.incidents.values()) {
          if (!isOpen(i) || !h.source.incidentTypes.includes(i.type) || i.alerts.includes(rec.fingerprint)) continue;
          if (!h.equal.includes('zone') || i.zones.includes(rec.zone)) inhibited.push(i.id);
        }
      }
    }
    const changed = !sameList(silenced, rec.silencedBy) || !sameList(inhibited, rec.inhibitedBy);
    rec.silencedBy = silenced;
    rec.inhibitedBy = inhibited;
    return changed;
  }

  /** Re-evaluates every live alert's mutes; an alert unmuted while firing finds its incident. */
  private reevaluateMutes(): void {
    const now = this.opts.now();
    for (const rec of this.alerts.values()) {
      if (rec.state === 'resolved' && rec.silencedBy.length === 0 && rec.inhibitedBy.length === 0) continue;
      const wasMuted = isMuted(rec);
      if (!this.computeMutes(rec)) continue;
      rec.updatedAt = now;
      this.effects.alerts.add(rec.fingerprint);
      this.effects.alertRows.push(this.alertRow(rec, now));
      const incident = rec.incidentId ? this.incidents.get(rec.incidentId) : undefined;
      if (wasMuted && !isMuted(rec) && rec.state === 'firing' && !(incident && isOpen(incident))) this.route(rec);
    }
  }

  // --- silences ------------------------------------------------------------

  createSilence(s: NewSilence, id: string): Silence {
    const now = this.opts.now();
    if (!s.createdBy.trim()) throw new InvalidArgumentError('createdBy: who creates the silence must be given');
    if (!s.reason.trim()) throw new InvalidArgumentError('reason: say why the alerts are silenced');
    if (matchesEverything(s.matchers)) throw new InvalidArgumentError('matchers: a silence must name at least one rule, zone, source, severity or label (it would silence everything)');
    if (!(s.endsAt > s.startsAt)) throw new InvalidArgumentError('endsAt must be after startsAt');
    if (this.silences.has(id)) throw new ConflictError(`silence ${id} already exists`);
    const silence: Silence = { id, matchers: s.matchers, startsAt: s.startsAt, endsAt: s.endsAt, ...(s.schedule ? { schedule: s.schedule } : {}), createdBy: s.createdBy, reason: s.reason, createdAt: now };
    this.silences.set(id, silence);
    this.effects.silences.add(id);
    this.silenceDue = 0;
    this.mutesDirty = true;
    this.settle();
    return silence;
  }

  expireSilence(id: string, actor: string): Silence {
    const s = this.silences.get(id);
    if (!s) throw new NotFoundError(`no silence ${id}`);
    if (id.startsWith('policy:')) throw new FailedPreconditionError(`silence ${id} is kept in the policy files; remove it there`);
    const now = this.opts.now();
    if (s.expiredAt !== undefined || s.endsAt <= now) throw new FailedPreconditionError(`silence ${id} has already ended`);
    s.expiredAt = now;
    s.reason = `${s.reason} (expired early by ${actor})`;
    this.effects.silences.add(id);
    this.silenceDue = 0;
    this.mutesDirty = true;
    this.settle();
    return s;
  }

  // --- operator actions ----------------------------------------------------

  /** Applies an operator action and returns the incident as it is now. */
  act(action: OperatorAction): Incident {
    if (!action.actor.trim()) throw new InvalidArgumentError('actor: who acts must be given');
    const incident = this.incidents.get(action.incidentId);
    if (!incident) throw new NotFoundError(`no incident ${action.incidentId}`);
    const actor = action.actor;
    const needOpen = () => {
      if (!isOpen(incident)) throw new FailedPreconditionError(`incident ${incident.id} is resolved; reopen it first`);
    };
    const text = (name: string, s: string) => {
      if (!s.trim()) throw new InvalidArgumentError(`${name} must not be empty`);
      if (s.length > MAX_TEXT) throw new InvalidArgumentError(`${name} is ${s.length} characters; the limit is ${MAX_TEXT}`);
      return s;
    };
    switch (action.kind) {
      case 'acknowledge': {
        needOpen();
        if (incident.state === 'acknowledged') throw new FailedPreconditionError(`incident ${incident.id} was already acknowledged by ${incident.acknowledgedBy}`);
        incident.state = 'acknowledged';
        incident.acknowledgedAt = this.opts.now();
        incident.acknowledgedBy = actor;
        this.record(incident, actor, 'acknowledged', `acknowledged by ${actor}`);
        break;
      }
      case 'assign': {
        const to = text('assignee', action.assignee);
        incident.assignee = to;
        this.record(incident, actor, 'assigned', `assigned to ${to}`, { assignee: to });
        break;
      }
      case 'comment':
        this.record(incident, actor, 'commented', text('comment', action.text));
        break;
      case 'set-severity': {
        const before = incident.severity;
        incident.severityOverride = action.severity;
        incident.severity = action.severity;
        this.record(incident, actor, 'severity.changed', `severity ${before} → ${action.severity}`, { from: before, to: action.severity });
        break;
      }
      case 'resolve':
        needOpen();
        this.resolve(incident, actor, text('resolution note', action.note), true);
        break;
      case 'reopen': {
        if (isOpen(incident)) throw new FailedPreconditionError(`incident ${incident.id} is not resolved`);
        const reason = text('reason', action.reason);
        incident.state = 'open';
        this.incidentMutesChanged(incident);
        delete incident.acknowledgedAt;
        delete incident.acknowledgedBy;
        delete incident.resolvedAt;
        delete incident.resolution;
        const entry = this.record(incident, actor, 'reopened', `reopened: ${reason}`, { reason });
        this.refreshSeverity(incident); // its alerts may have changed while it was resolved
        this.notify(incident, 'reopened', this.policyOf(incident).notify, String(entry.seq));
        break;
      }
      case 'merge':
        this.merge(incident, action.others, actor);
        break;
      case 'split':
        return this.split(incident, action.alerts, actor);
      case 'sop-step': {
        const step = incident.sop.find((s) => s.id === action.step);
        if (!step) throw new NotFoundError(`incident ${incident.id} has no SOP step ${action.step} (steps: ${incident.sop.map((s) => s.id).join(', ') || 'none'})`);
        if (action.done === (step.doneAt !== undefined)) throw new FailedPreconditionError(`step ${step.id} is already ${action.done ? 'done' : 'not done'}`);
        if (action.done) {
          step.doneAt = this.opts.now();
          step.doneBy = actor;
          this.record(incident, actor, 'sop.step.done', `step ${step.id} done: ${step.title.en}`, { step: step.id });
        } else {
          delete step.doneAt;
          delete step.doneBy;
          this.record(incident, actor, 'sop.step.reopened', `step ${step.id} not done after all`, { step: step.id });
        }
        break;
      }
    }
    this.settle();
    return incident;
  }

  private merge(target: Incident, others: string[], actor: string): void {
    if (!isOpen(target)) throw new FailedPreconditionError(`incident ${target.id} is resolved; reopen it before merging into it`);
    if (others.length === 0) throw new InvalidArgumentError('others: name the incidents to merge into this one');
    const sources = others.map((id) => {
      if (id === target.id) throw new InvalidArgumentError(`cannot merge incident ${id} into itself`);
      const i = this.incidents.get(id);
      if (!i) throw new NotFoundError(`no incident ${id}`);
      return i;
    });
    const owners = new Set<string>();
    for (const src of sources) {
      for (const fp of src.alerts) {
        const rec = this.alerts.get(fp);
        if (rec) this.move(rec, target.id, owners);
        if (!target.alerts.includes(fp)) target.alerts.push(fp);
      }
      for (const z of src.zones) if (!target.zones.includes(z)) target.zones.push(z);
      target.lastAlertAt = Math.max(target.lastAlertAt, src.lastAlertAt);
      src.alerts = [];
      src.state = 'resolved';
      src.resolvedAt = this.opts.now();
      src.resolution = `merged into ${target.id}`;
      this.record(src, actor, 'merged', `merged into ${target.id} by ${actor}`, { into: target.id });
      this.record(target, actor, 'merged', `${src.id} merged in by ${actor}`, { from: src.id });
      this.effects.removed.set(src.id, target.id);
    }
    this.refreshSeverity(target);
    this.refreshOwners(owners);
    this.incidentMutesChanged(target);
  }

  private split(incident: Incident, fps: string[], actor: string): Incident {
    if (!isOpen(incident)) throw new FailedPreconditionError(`incident ${incident.id} is resolved; reopen it first`);
    const moving = [...new Set(fps)];
    if (moving.length === 0) throw new InvalidArgumentError('alerts: name the alerts to split off');
    for (const fp of moving) if (!incident.alerts.includes(fp)) throw new InvalidArgumentError(`alert ${fp} is not in incident ${incident.id}`);
    if (moving.length === incident.alerts.length) throw new InvalidArgumentError('alerts: splitting off every alert leaves nothing behind; name fewer');
    const now = this.opts.now();
    const first = this.alerts.get(moving[0]!)!;
    const id = `inc-${hash(`${incident.id}|split|${incident.timeline.at(-1)?.seq ?? 0}|${moving.join(',')}`)}`;
    const sop = this.policies.sops.get(incident.type);
    const fresh: Incident = {
      id,
      type: incident.type,
      policy: incident.policy,
      title: incident.title,
      state: 'open',
      severity: first.severity,
      zones: [],
      groupKey: incident.groupKey,
      alerts: [],
      openedAt: now,
      lastAlertAt: first.startsAt,
      escalationLevel: 0,
      sop: (sop?.steps ?? []).map((s) => ({ id: s.id, title: s.title, owner: s.owner, dueAt: now + s.due, overdue: false })),
      // Operators made it: they know; the receivers hear of it with the next change.
      notifiedAt: now,
      pendingUpdate: false,
      timeline: [],
    };
    this.incidents.set(id, fresh);
    incident.alerts = incident.alerts.filter((fp) => !moving.includes(fp));
    const owners = new Set<string>();
    for (const fp of moving) {
      const rec = this.alerts.get(fp);
      fresh.alerts.push(fp);
      if (!rec) continue;
      this.move(rec, id, owners);
      if (rec.zone && !fresh.zones.includes(rec.zone)) fresh.zones.push(rec.zone);
      fresh.lastAlertAt = Math.max(fresh.lastAlertAt, rec.startsAt);
    }
    incident.zones = [...new Set(this.alertsOf(incident).map((a) => a.zone).filter(Boolean))];
    this.record(fresh, actor, 'opened', `split from ${incident.id} by ${actor}`, { from: incident.id });
    this.record(incident, actor, 'split', `${moving.length} alert(s) split off into ${id} by ${actor}`, { into: id });
    this.refreshSeverity(incident);
    this.refreshSeverity(fresh);
    this.refreshOwners(owners);
    this.incidentMutesChanged(fresh);
    this.settle();
    return fresh;
  }

  // --- time ----------------------------------------------------------------

  /** The earliest time `runDue` has something to do, or undefined. */
  nextDue(): number | undefined {
    let due: number | undefined = this.sweepDue;
    if (this.silenceDue !== undefined && this.silenceDue < due) due = this.silenceDue;
    const consider = (t: number | undefined) => {
      if (t !== undefined && (due === undefined || t < due)) due = t;
    };
    for (const i of this.incidents.values()) if (isOpen(i)) consider(this.incidentDue(i));
    return due;
  }

  private incidentDue(i: Incident): number | undefined {
    const policy = this.policyOf(i);
    let due: number | undefined;
    const consider = (t: number) => {
      if (due === undefined || t < due) due = t;
    };
    if (i.notifiedAt === 0) consider(i.openedAt + policy.groupWait);
    else if (i.pendingUpdate) consider(i.notifiedAt + policy.groupInterval);
    const step = policy.escalation[i.escalationLevel];
    if (i.state === 'open' && step) consider(i.openedAt + step.after);
    for (const s of i.sop) if (s.doneAt === undefined && !s.overdue) consider(s.dueAt);
    return due;
  }

  /** Runs everything due at or before now: notifications after groupWait/groupInterval, escalations, overdue SOP steps, silences starting or ending. */
  runDue(): void {
    const now = this.opts.now();
    if (this.sweepDue <= now) this.sweepDue = now + (this.dropResolved(now) ? 60_000 : SWEEP_EVERY_MS);
    if (this.silenceDue !== undefined && this.silenceDue <= now) {
      this.mutesDirty = true;
      this.pruneSilences(now);
      let next: number | undefined;
      for (const s of this.silences.values()) {
        const t = this.silenceNextChange(s, now);
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
      this.silenceDue = next;
    }
    for (const i of this.incidents.values()) {
      if (!isOpen(i)) continue;
      const policy = this.policyOf(i);
      if (i.notifiedAt === 0 && now >= i.openedAt + policy.groupWait) {
        i.notifiedAt = now;
        i.pendingUpdate = false;
        this.notify(i, 'opened', policy.notify, '0');
        this.effects.incidents.add(i.id);
      } else if (i.notifiedAt > 0 && i.pendingUpdate && now >= i.notifiedAt + policy.groupInterval) {
        i.notifiedAt = now;
        i.pendingUpdate = false;
        this.notify(i, 'updated', policy.notify, String(i.timeline.at(-1)?.seq ?? 0));
        this.effects.incidents.add(i.id);
      }
      for (;;) {
        const step = policy.escalation[i.escalationLevel];
        if (i.state !== 'open' || !step || now < i.openedAt + step.after) break;
        i.escalationLevel++;
        // A step for other severities is passed over when its time comes.
        if (step.severities && !step.severities.includes(i.severity)) continue;
        let detail = `not acknowledged after ${Math.round(step.after / 60_000)} min: escalated to level ${i.escalationLevel}`;
        if (step.raise && severityRank(step.raise) > severityRank(i.severity)) {
          detail += `, severity ${i.severity} → ${step.raise}`;
          i.severityOverride = step.raise;
          i.severity = step.raise;
        }
        this.record(i, 'system', 'escalated', detail, { level: String(i.escalationLevel) });
        this.notify(i, 'escalated', step.notify, String(i.escalationLevel), { escalationLevel: String(i.escalationLevel) });
        this.effects.incidents.add(i.id);
      }
      const sop = this.policies.sops.get(i.type);
      for (const s of i.sop) {
        if (s.doneAt !== undefined || s.overdue || now < s.dueAt) continue;
        s.overdue = true;
        this.record(i, 'system', 'sop.step.overdue', `step ${s.id} (${s.title.en}, owner ${s.owner}) is overdue`, { step: s.id });
        this.notify(i, 'sop.overdue', sop?.escalate ?? [], s.id, { step: `${s.id}: ${s.title.en}` });
      }
    }
    this.settle();
  }

  /**
   * Drops resolved incidents resolved longer than `keepResolvedMs` ago, and
   * resolved alerts unchanged for as long that no remaining incident lists;
   * each is reported in the effects with nothing behind it, so the caller
   * deletes it from KV. Returns whether more are left than one sweep drops.
   */
  private dropResolved(now: number): boolean {
    const before = now - (this.opts.keepResolvedMs ?? KEEP_RESOLVED_MS);
    const listed = new Set<string>();
    let dropped = 0;
    for (const [id, i] of this.incidents) {
      if (i.state === 'resolved' && (i.resolvedAt ?? 0) <= before && dropped < SWEEP_MAX_INCIDENTS) {
        dropped++;
        this.incidents.delete(id);
        this.tallies.delete(id);
        this.effects.incidents.add(id);
        this.effects.removed.set(id, ''); // merged into nothing: gone from the live state
      } else {
        for (const fp of i.alerts) listed.add(fp);
      }
    }
    for (const [fp, a] of this.alerts) {
      if (a.state === 'resolved' && a.updatedAt <= before && !listed.has(fp)) {
        this.alerts.delete(fp);
        this.effects.alerts.add(fp);
      }
    }
    return dropped === SWEEP_MAX_INCIDENTS;
  }

  private pruneSilences(now: number): void {
    for (const [id, s] of this.silences) {
      const ended = Math.min(s.endsAt, s.expiredAt ?? Number.MAX_SAFE_INTEGER);
      if (!id.startsWith('policy:') && ended + EXPIRED_SILENCE_KEPT_MS < now) {
        this.silences.delete(id);
        this.effects.silences.add(id);
      }
    }
  }

  // --- records -------------------------------------------------------------

  private policyOf(i: Incident): CompiledPolicy {
    return this.policies.policies.find((p) => p.id === i.policy) ?? defaultPolicy;
  }

  private record(incident: Incident, actor: string, kind: TimelineKind, detail: string, data?: Record<string, string>): TimelineEntry {
    const at = this.opts.now();
    const entry: TimelineEntry = { seq: (incident.timeline.at(-1)?.seq ?? 0) + 1, at, actor, kind, detail, ...(data ? { data } : {}) };
    incident.timeline.push(entry);
    // Keep how it opened; drop the oldest after that (the full history is in ClickHouse).
    if (incident.timeline.length > MAX_TIMELINE) incident.timeline.splice(1, incident.timeline.length - MAX_TIMELINE);
    this.effects.incidents.add(incident.id);
    this.effects.incidentRows.push({
      incidentId: incident.id,
      seq: entry.seq,
      at,
      actor,
      kind,
      detail,
      data: JSON.stringify(data ?? {}),
      type: incident.type,
      severity: incident.severity,
      state: incident.state,
      zones: [...incident.zones],
      openedAt: incident.openedAt,
    });
    return entry;
  }

  private notify(incident: Incident, reason: NotificationReason, receivers: readonly string[], discriminator: string, extra: Record<string, string> = {}): void {
    if (receivers.length === 0) return;
    const now = this.opts.now();
    const vars: Record<string, string> = {
      incidentId: incident.id,
      reason,
      type: incident.type,
      title_vi: incident.title.vi,
      title_en: incident.title.en,
      severity: incident.severity,
      state: incident.state,
      zone: incident.zones[0] ?? '',
      zones: incident.zones.join(', '),
      alerts: String(incident.alerts.length),
      assignee: incident.assignee ?? '',
      openedAt: new Date(incident.openedAt).toISOString(),
      link: `${this.opts.consoleUrl ?? ''}#incident/${incident.id}`,
      escalationLevel: String(incident.escalationLevel),
      step: '',
      ...extra,
    };
    for (const receiver of receivers) {
      const id = `${incident.id}:${reason}:${discriminator}:${receiver}`;
      this.effects.notifications.push({ id, receiver, reason, incidentId: incident.id, vars: { ...vars, id }, createdAt: now });
    }
    this.record(incident, 'system', 'notified', `${reason}: told ${receivers.join(', ')}`, { reason, receivers: receivers.join(',') });
  }

  private alertRow(rec: AlertRecord, at: number): AlertEventRow {
    return {
      fingerprint: rec.fingerprint,
      rule: rec.rule,
      zone: rec.zone,
      source: rec.source,
      severity: rec.severity,
      state: rec.state,
      startsAt: rec.startsAt,
      endsAt: rec.endsAt,
      ...(rec.value !== undefined ? { value: rec.value } : {}),
      eventId: rec.eventId,
      incidentId: rec.incidentId ?? '',
      silenced: rec.silencedBy.length > 0,
      inhibited: rec.inhibitedBy.length > 0,
      flapping: rec.flapping,
      at,
    };
  }
}

function isMuted(rec: AlertRecord): boolean {
  return rec.silencedBy.length > 0 || rec.inhibitedBy.length > 0;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function fillTitle(t: { vi: string; en: string }, rec: AlertRecord, type: string, zone: { vi: string; en: string } | undefined): { vi: string; en: string } {
  const fill = (s: string, zoneName: string) => s.replaceAll('{zone}', zoneName).replaceAll('{type}', type).replaceAll('{rule}', rec.rule);
  return { vi: fill(t.vi, zone?.vi ?? (rec.zone || '?')), en: fill(t.en, zone?.en ?? (rec.zone || '?')) };
}

function matchesText(i: Incident, text: string): boolean {
  if (i.id.toLowerCase().includes(text)) return true;
  if (i.title.vi.toLowerCase().includes(text) || i.title.en.toLowerCase().includes(text)) return true;
  if (i.assignee?.toLowerCase().includes(text)) return true;
  return i.timeline.some((e) => e.kind === 'commented' && e.detail.toLowerCase().includes(text));
}

function count(t: Tally, a: AlertRecord, d: 1 | -1): void {
  if (a.state === 'firing') t.firing[severityRank(a.severity)]! += d;
  if (a.state !== 'resolved') t.unresolved += d;
}
