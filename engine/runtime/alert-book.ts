// The alert state machine of one rule, per group key: inactive → pending
// (condition true, `for` not yet elapsed) → firing → resolved (condition
// false, or `clear` true when the rule has one; `keepFiringFor` delays it).
// Observations arrive in event time from the executor; deadlines (`for`,
// `keepFiringFor`, throttle) run from its timer heap when the watermark
// passes them. On top, the identity layer: with `dedupKey` several groups
// share one alert, and `throttle` holds back re-fires. It never reads a
// clock except `core.now()` for `emittedAt`, and never throws.

import { fingerprintOf, type Alert, type LocalizedText } from '../alerts/index.ts';
import type { CompiledRule } from '../rules/index.ts';
import type { ContextOps, RuntimeCore } from './executor.ts';
import { TimerHeap } from './timer-heap.ts';

const PENDING = 1;
const FIRING = 2;

/** Timer kinds, in the order they run at the same time. */
const T_FOR = 1;
const T_KEEP = 2;
const T_THROTTLE = 3;

interface Slot<C> {
  state: number;
  /** Pending: since when. Firing: when it fired. */
  since: number;
  /** Firing with its condition gone: when it resolves (0 when not counting down). */
  keepUntil: number;
  /** Event time of the last state change; older observations are ignored. */
  lastChange: number;
  /** The context of the last observation that held: the message of a deferred firing. */
  ctx: C;
  /** The context that started the `keepFiringFor` countdown: the message of the resolution. */
  clearCtx: C | undefined;
  /** The alert identity: the group key, or the `dedupKey` value. */
  id: string;
  /** The firing alert as emitted (no identity layer). */
  alert: Alert | undefined;
}

/** One alert identity shared by several groups (dedupKey), or throttled. */
interface Identity {
  firing: number;
  pending: number;
  /** The firing alert as emitted; undefined while held back by the throttle. */
  alert: Alert | undefined;
  /** Firing but not notified: the throttle holds it until `lastNotified + throttle`. */
  held: Alert | undefined;
  lastNotified: number;
}

export class AlertBook<C> {
  private readonly slots = new Map<string, Slot<C>>();
  private readonly ids = new Map<string, Identity>();
  private readonly timers = new TimerHeap();
  /** The identity layer exists only for rules with `dedupKey` or `throttle`. */
  private readonly layered: boolean;
  /** Re-fires held back or dropped by the throttle. */
  throttled = 0;
  /** Fingerprints of recent identities: a flapping alert does not hash again at every change. */
  private readonly fingerprints = new Map<string, string>();

  constructor(
    public rule: CompiledRule,
    private readonly ops: ContextOps<C>,
    private readonly core: RuntimeCore,
    private readonly out: Alert[],
  ) {
    this.layered = rule.throttleMs > 0 || hasDedup(rule);
  }

  get size(): number {
    return this.slots.size;
  }

  has(key: string): boolean {
    return this.slots.size > 0 && this.slots.has(key);
  }

  /** When the slot of `key` last changed state, or -Infinity. */
  lastChange(key: string): number {
    return this.slots.get(key)?.lastChange ?? -Infinity;
  }

  isFiring(key: string): boolean {
    return this.slots.get(key)?.state === FIRING;
  }

  /**
   * One evaluation of group `key` at event time `t`: the condition `holds`,
   * the alert may resolve when `cleared` (without `clear`, `cleared` is `!holds`).
   */
  observe(key: string, t: number, holds: boolean, cleared: boolean, ctx: C): void {
    const s = this.slots.get(key);
    if (s === undefined) {
      if (holds) this.start(key, t, ctx);
      return;
    }
    if (t < s.lastChange) return;
    if (s.state === PENDING) {
      if (holds) s.ctx = ctx;
      else this.cancel(key, s);
      return;
    }
    if (holds) {
      s.ctx = ctx;
      s.keepUntil = 0;
      s.clearCtx = undefined;
      return;
    }
    if (!cleared) return;
    const keep = this.rule.keepFiringForMs;
    if (keep > 0) {
      if (s.keepUntil === 0) {
        s.keepUntil = t + keep;
        s.clearCtx = ctx;
        this.schedule(s.keepUntil, T_KEEP, key);
      }
      return;
    }
    this.resolve(key, s, t, ctx);
  }

  /** A group whose data ran out (an empty window): resolves like `cleared`, keeping the last message. */
  noData(key: string, t: number): void {
    const s = this.slots.get(key);
    if (s === undefined || t < s.lastChange) return;
    if (s.state === PENDING) this.cancel(key, s);
    else this.observe(key, t, false, true, s.ctx);
  }

  /** Starts a match that is over at once (a sequence): fires, and resolves after `keepFiringFor` unless matched again. */
  occur(key: string, t: number, ctx: C): void {
    const s = this.slots.get(key);
    if (s !== undefined && t < s.lastChange) return;
    if (s === undefined) this.start(key, t, ctx);
    else s.ctx = ctx;
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    const keep = this.rule.keepFiringForMs;
    slot.keepUntil = t + keep;
    slot.clearCtx = ctx;
    this.schedule(slot.keepUntil, T_KEEP, key);
  }

  due(): number {
    return this.timers.peekTime();
  }

  /** Runs the deadlines at the earliest due time. */
  runDue(): void {
    const first = this.timers.peekTime();
    while (this.timers.peekTime() === first) {
      const t = this.timers.pop()!;
      if (t.kind === T_THROTTLE) {
        this.release(t.key, t.time);
        continue;
      }
      const s = this.slots.get(t.key);
      if (s === undefined) continue;
      if (t.kind === T_FOR && s.state === PENDING && s.since + this.rule.forMs === t.time) this.fire(t.key, s, t.time);
      else if (t.kind === T_KEEP && s.state === FIRING && s.keepUntil === t.time) this.resolve(t.key, s, t.time, s.clearCtx ?? s.ctx);
    }
  }

  /** The alerts firing now, as last emitted. */
  firing(out: unknown[]): void {
    if (!this.layered) {
      for (const s of this.slots.values()) if (s.alert !== undefined) out.push(s.alert);
    } else for (const id of this.ids.values()) if (id.alert !== undefined) out.push(id.alert);
  }

  /** Resolves everything at `time` (the rule was removed); pending alerts just end. */
  resolveAll(time: number): void {
    for (const [key, s] of this.slots) {
      if (s.state === FIRING) this.resolve(key, s, Math.max(time, s.since), undefined);
    }
    this.slots.clear();
    this.ids.clear();
    this.timers.clear();
  }

  private start(key: string, t: number, ctx: C): void {
    if (this.slots.size >= this.rule.maxKeys) {
      this.core.keyDropped(this.rule.id);
      return;
    }
    let id = key;
    if (hasDedup(this.rule)) {
      try {
        id = this.ops.dedupKey(ctx);
      } catch (err) {
        this.core.ruleError(this.rule.id, undefined, err);
        return;
      }
    }
    const s: Slot<C> = { state: PENDING, since: t, keepUntil: 0, lastChange: t, ctx, clearCtx: undefined, id, alert: undefined };
    this.slots.set(key, s);
    if (this.rule.forMs > 0) {
      this.schedule(t + this.rule.forMs, T_FOR, key);
      if (!this.layered) this.out.push(this.alert('pending', s, t, ctx));
      else {
        const ident = this.identity(id);
        ident.pending++;
        if (ident.pending === 1 && ident.firing === 0) this.out.push(this.alert('pending', s, t, ctx));
      }
      return;
    }
    this.fire(key, s, t);
  }

  private cancel(key: string, s: Slot<C>): void {
    this.slots.delete(key);
    if (!this.layered) return;
    const ident = this.ids.get(s.id);
    if (ident === undefined) return;
    ident.pending--;
    this.forget(s.id, ident);
  }

  private fire(_key: string, s: Slot<C>, t: number): void {
    const wasPending = s.state === PENDING && this.rule.forMs > 0;
    s.state = FIRING;
    s.since = t;
    s.lastChange = t;
    const alert = this.alert('firing', s, t, s.ctx);
    if (!this.layered) {
      s.alert = alert;
      this.out.push(alert);
      return;
    }
    const ident = this.identity(s.id);
    if (wasPending) ident.pending--;
    ident.firing++;
    if (ident.firing > 1) return;
    const throttle = this.rule.throttleMs;
    if (throttle > 0 && ident.lastNotified !== -Infinity && t - ident.lastNotified < throttle) {
      ident.held = alert;
      this.throttled++;
      this.schedule(ident.lastNotified + throttle, T_THROTTLE, s.id);
      return;
    }
    ident.alert = alert;
    ident.lastNotified = t;
    this.out.push(alert);
  }

  private resolve(key: string, s: Slot<C>, t: number, ctx: C | undefined): void {
    this.slots.delete(key);
    if (!this.layered) {
      if (s.alert !== undefined) this.out.push(this.resolved(s.alert, t, ctx));
      return;
    }
    const ident = this.ids.get(s.id);
    if (ident === undefined) return;
    ident.firing--;
    if (ident.firing === 0) {
      if (ident.alert !== undefined) this.out.push(this.resolved(ident.alert, t, ctx));
      ident.alert = undefined;
      ident.held = undefined;
    }
    this.forget(s.id, ident);
  }

  /** The throttle period of a held re-fire is over: notify it if the alert still fires. */
  private release(id: string, t: number): void {
    const ident = this.ids.get(id);
    if (ident === undefined || ident.held === undefined || ident.lastNotified + this.rule.throttleMs !== t) return;
    const alert: Alert = { ...ident.held, eventTime: t, emittedAt: this.core.now() };
    ident.held = undefined;
    ident.alert = alert;
    ident.lastNotified = t;
    this.out.push(alert);
  }

  private identity(id: string): Identity {
    let ident = this.ids.get(id);
    if (ident === undefined) {
      ident = { firing: 0, pending: 0, alert: undefined, held: undefined, lastNotified: -Infinity };
      this.ids.set(id, ident);
    }
    return ident;
  }

  /** Drops an identity nobody uses, unless the throttle still needs its last notification time. */
  private forget(id: string, ident: Identity): void {
    if (ident.firing > 0 || ident.pending > 0) return;
    if (this.rule.throttleMs > 0 && ident.lastNotified !== -Infinity) return;
    this.ids.delete(id);
  }

  /** Prunes throttle memories older than the period; called as the watermark moves. */
  prune(watermark: number): void {
    if (this.rule.throttleMs === 0 || this.ids.size < 1024) return;
    for (const [id, ident] of this.ids) {
      if (ident.firing === 0 && ident.pending === 0 && watermark - ident.lastNotified >= this.rule.throttleMs) this.ids.delete(id);
    }
  }

  private schedule(time: number, kind: number, key: string): void {
    this.timers.push(time, kind, key);
    this.core.wake(time);
  }

  private fingerprint(id: string): string {
    let fp = this.fingerprints.get(id);
    if (fp === undefined) {
      // Bounded: past this many identities start over rather than grow.
      if (this.fingerprints.size >= 10_000) this.fingerprints.clear();
      fp = fingerprintOf(this.rule.id, id);
      this.fingerprints.set(id, fp);
    }
    return fp;
  }

  private render(c: C): LocalizedText {
    try {
      return this.ops.render(c);
    } catch (err) {
      // A message that fails must not hide the alert itself.
      this.core.ruleError(this.rule.id, undefined, err);
      return { vi: this.rule.title.vi, en: this.rule.title.en };
    }
  }

  private alert(state: 'pending' | 'firing', s: Slot<C>, t: number, c: C): Alert {
    const f = this.ops.facts(c);
    const a: Alert = {
      fingerprint: this.fingerprint(s.id),
      rule: this.rule.alertId,
      key: s.id,
      state,
      severity: this.rule.severity,
      title: this.rule.title,
      message: this.render(c),
      zone: f.zone,
      source: f.source,
      eventId: f.eventId,
      eventType: f.eventType,
      startsAt: state === 'pending' ? s.since : t,
      endsAt: 0,
      eventTime: t,
      emittedAt: this.core.now(),
    };
    if (f.value !== undefined) a.value = f.value;
    if (f.values !== undefined) a.values = f.values;
    if (this.rule.shadow) a.shadow = true;
    return a;
  }

  private resolved(firing: Alert, t: number, c: C | undefined): Alert {
    const a: Alert = { ...firing, state: 'resolved', endsAt: t, eventTime: t, emittedAt: this.core.now() };
    if (c !== undefined) {
      const f = this.ops.facts(c);
      a.message = this.render(c);
      a.eventId = f.eventId;
      if (f.value !== undefined) a.value = f.value;
      else delete a.value;
      if (f.values !== undefined) a.values = f.values;
    }
    return a;
  }

  // Snapshots: slots in map order (which the restored map keeps), identities likewise.

  snapshot(): unknown {
    const slots: unknown[] = [];
    for (const [key, s] of this.slots) {
      slots.push([key, s.state, s.since, s.keepUntil, s.lastChange, s.id, this.ops.save(s.ctx), s.clearCtx === undefined ? null : this.ops.save(s.clearCtx), s.alert ?? null]);
    }
    const ids: unknown[] = [];
    for (const [id, i] of this.ids) ids.push([id, i.firing, i.pending, i.alert ?? null, i.held ?? null, i.lastNotified === -Infinity ? null : i.lastNotified]);
    return ids.length === 0 && this.throttled === 0 ? [slots] : [slots, ids, this.throttled];
  }

  restore(snap: unknown, firingOnly = false): void {
    const [slots, ids, throttled] = snap as [unknown[][], unknown[][]?, number?];
    for (const [key, state, since, keepUntil, lastChange, id, ctx, clearCtx, alert] of slots as [string, number, number, number, number, string, unknown, unknown, Alert | null][]) {
      if (firingOnly && state !== FIRING) continue;
      const s: Slot<C> = { state, since, keepUntil, lastChange, id, ctx: this.ops.load(ctx), clearCtx: clearCtx === null ? undefined : this.ops.load(clearCtx), alert: alert ?? undefined };
      this.slots.set(key, s);
      if (state === PENDING) this.schedule(since + this.rule.forMs, T_FOR, key);
      if (keepUntil > 0) this.schedule(keepUntil, T_KEEP, key);
    }
    for (const [id, firing, pending, alert, held, lastNotified] of (ids ?? []) as [string, number, number, Alert | null, Alert | null, number | null][]) {
      if (firingOnly && firing === 0) continue;
      const ident: Identity = { firing, pending: firingOnly ? 0 : pending, alert: alert ?? undefined, held: held ?? undefined, lastNotified: lastNotified ?? -Infinity };
      this.ids.set(id, ident);
      if (ident.held !== undefined) this.schedule(ident.lastNotified + this.rule.throttleMs, T_THROTTLE, id);
    }
    if (!firingOnly) this.throttled = throttled ?? 0;
  }
}

function hasDedup(rule: CompiledRule): boolean {
  return (rule.event ?? rule.window ?? rule.absence ?? rule.sequence)?.dedupKey !== undefined;
}
