// The rule runtime: events in stream order, alert changes out. It keeps the
// watermark (newest event time minus the allowed lateness, never moving
// back), routes each event to the executors of the rules watching its type,
// and runs what the watermark makes due (window ends, `for` deadlines,
// absences, sequence steps) in time order per rule. A rule that throws is
// reported and keeps running; nothing escapes `process`. Pure and
// synchronous: the injected `now` only stamps `emittedAt`.

import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import { RuleSet, type CompiledRule } from '../rules/index.ts';
import { AbsenceExecutor } from './absence.ts';
import type { ProcessResult, ReloadReport, RuleRuntime, RuntimeCounters, RuntimeOptions } from './api.ts';
import type { Executor, RuntimeCore } from './executor.ts';
import { SequenceExecutor } from './sequence.ts';
import { SessionExecutor } from './session.ts';
import { StatelessExecutor } from './stateless.ts';
import { WindowExecutor, WindowStore, type PanePartial } from './windowed.ts';

/** The default allowed lateness (issue 3: 30 s). */
export const DEFAULT_ALLOWED_LATENESS_MS = 30_000;

const SNAPSHOT_VERSION = 1;
const NONE: Alert[] = [];
Object.freeze(NONE);
const NO_PARTIALS: PanePartial[] = [];
Object.freeze(NO_PARTIALS);

/** Where a window rule's panes live: rules holding the same window share them; a partial store is never shared with an evaluating one. */
function storeKey(rule: CompiledRule): string {
  return rule.partial ? `${rule.window!.stateKey}/partial` : rule.window!.stateKey;
}

export class Runtime implements RuleRuntime, RuntimeCore {
  private readonly opts: RuntimeOptions;
  private execs: Executor[] = [];
  private byId = new Map<string, Executor>();
  /** Window panes by what they hold, shared by the rules that hold the same window. */
  private stores = new Map<string, WindowStore>();
  private set: RuleSet = new RuleSet([]);
  private readonly byType = new Map<string, Executor[]>();
  private readonly changes: Alert[] = [];
  /** Panes closed by partial window stores (city-wide rules in a partition), until taken. */
  private partials: PanePartial[] = [];
  private wm = -Infinity;
  private maxT = -Infinity;
  private clock = -Infinity;
  private nextDue = Infinity;
  private late = 0;
  private readonly errors = new Map<string, number>();
  private readonly dropped = new Map<string, number>();

  constructor(rules: RuleSet | readonly CompiledRule[], opts: RuntimeOptions) {
    this.opts = opts;
    this.reload(rules);
  }

  process(e: IocEvent): ProcessResult {
    const t = e.time;
    let late = false;
    if (t < this.wm) {
      this.late++;
      if (this.opts.latePolicy === 'dlq') return 'late';
      late = true;
    } else if (t > this.maxT) {
      this.maxT = t;
      const w = t - this.opts.allowedLatenessMs;
      if (w > this.wm) this.moveWatermark(w);
    }
    const execs = this.execsFor(e.type);
    for (let i = 0; i < execs.length; i++) {
      const ex = execs[i]!;
      try {
        ex.onEvent(e, late, this.wm);
      } catch (err) {
        this.ruleError(ex.rule.id, e, err);
      }
    }
    if (this.nextDue <= this.wm) this.runDue();
    return late ? 'late-processed' : 'ok';
  }

  advanceWatermark(t: number): void {
    if (t > this.wm) this.moveWatermark(t);
  }

  watermark(): number {
    return this.wm;
  }

  /**
   * Panes that partial window stores closed since the last call, in the order
   * they closed (each store's in time order). Every pane ending at or before
   * the watermark has been handed out by now.
   */
  takePartials(): PanePartial[] {
    return this.partials.length === 0 ? NO_PARTIALS : this.partials.splice(0);
  }

  /**
   * Merges a pane a partition closed into the window that holds that state
   * here (the city slot's combining runtime), before the watermark passes
   * its end. `late`: that window has closed here already; `unknown`: no rule
   * here holds that window (another version of the rules).
   */
  absorb(partial: PanePartial): 'absorbed' | 'late' | 'unknown' {
    const store = this.stores.get(partial.state);
    if (store === undefined) return 'unknown';
    if (!store.absorb(partial.end, partial.rows, this.wm)) return 'late';
    return 'absorbed';
  }

  takeChanges(): Alert[] {
    return this.changes.length === 0 ? NONE : this.changes.splice(0);
  }

  firing(): Alert[] {
    const out: Alert[] = [];
    for (const ex of this.execs) ex.firing(out);
    return out;
  }

  firingCount(): number {
    return this.firing().length;
  }

  counters(): RuntimeCounters {
    const droppedPartials: Record<string, number> = {};
    for (const ex of this.execs) if (ex instanceof SequenceExecutor && ex.droppedPartials > 0) droppedPartials[ex.rule.id] = ex.droppedPartials;
    return { lateEvents: this.late, ruleErrors: Object.fromEntries(this.errors), droppedKeys: Object.fromEntries(this.dropped), droppedPartials };
  }

  reload(rules: RuleSet | readonly CompiledRule[]): ReloadReport {
    const set = rules instanceof RuleSet ? rules : new RuleSet(rules);
    const report: ReloadReport = { kept: [], restarted: [], added: [], removed: [] };
    const execs: Executor[] = [];
    const byId = new Map<string, Executor>();
    /** New executors: started once their stores know their members (a partial store starts through its feeder). */
    const fresh: Executor[] = [];
    const previousStores = this.stores;
    this.stores = new Map();
    // Kept rules keep their window stores; a new or changed rule holding the same window joins it.
    for (const rule of set.rules) {
      const old = this.byId.get(rule.id);
      if (rule.enabled && old instanceof WindowExecutor && old.rule.hash === rule.hash) this.stores.set(storeKey(rule), old.store);
    }
    for (const [k, store] of previousStores) if (!this.stores.has(k)) this.stores.set(k, store);
    for (const rule of set.rules) {
      if (!rule.enabled) continue;
      const old = this.byId.get(rule.id);
      let ex: Executor;
      if (old !== undefined && old.rule.hash === rule.hash && old.rule.kind === rule.kind) {
        old.setRule(rule);
        ex = old;
        report.kept.push(rule.id);
      } else {
        ex = this.create(rule);
        fresh.push(ex);
        if (old === undefined) report.added.push(rule.id);
        else {
          report.restarted.push(rule.id);
          if (old.rule.kind === rule.kind && sameContext(old.rule, rule)) ex.adoptAlerts(old.alertSnapshot(), this.wm);
          else old.resolveAll(this.wm);
        }
      }
      execs.push(ex);
      byId.set(rule.id, ex);
    }
    for (const old of this.execs) {
      if (byId.has(old.rule.id)) continue;
      old.resolveAll(this.wm);
      report.removed.push(old.rule.id);
    }
    this.execs = execs;
    this.byId = byId;
    this.set = set;
    this.byType.clear();
    this.attachStores();
    if (Number.isFinite(this.wm)) for (const ex of fresh) ex.start(this.wm);
    this.recomputeDue();
    return report;
  }

  /** Gives each window store its members in rule order, and forgets stores nobody reads. */
  private attachStores(): void {
    for (const store of this.stores.values()) store.members = [];
    for (const ex of this.execs) if (ex instanceof WindowExecutor) ex.store.members.push(ex);
    for (const [k, store] of this.stores) if (store.members.length === 0) this.stores.delete(k);
  }

  snapshot(): unknown {
    return {
      v: SNAPSHOT_VERSION,
      watermark: finite(this.wm),
      maxEventTime: finite(this.maxT),
      clockStart: finite(this.clock),
      lateEvents: this.late,
      windows: [...this.stores].map(([k, store]) => [k, store.snapshot()]),
      rules: this.execs.map((ex) => [ex.rule.id, ex.rule.hash, ex.snapshot()]),
    };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as { v: number; watermark: number | null; maxEventTime: number | null; clockStart: number | null; lateEvents: number; windows: [string, unknown][]; rules: [string, string, unknown[]][] };
    if (s?.v !== SNAPSHOT_VERSION) throw new TypeError(`unknown rule runtime snapshot version ${String(s?.v)}`);
    this.wm = s.watermark ?? -Infinity;
    this.maxT = s.maxEventTime ?? -Infinity;
    this.clock = s.clockStart ?? -Infinity;
    this.late = s.lateEvents;
    // Fresh executors and stores: whatever state they held before is replaced.
    this.stores = new Map();
    const fresh = this.execs.map((ex) => this.create(ex.rule));
    this.execs = fresh;
    this.byId = new Map(fresh.map((ex) => [ex.rule.id, ex]));
    this.byType.clear();
    this.attachStores();
    this.nextDue = Infinity;
    for (const [k, state] of s.windows) this.stores.get(k)?.restore(state);
    for (const [id, hash, state] of s.rules) {
      const ex = this.byId.get(id);
      if (ex === undefined) continue;
      if (ex.rule.hash === hash) ex.restore(state);
      else ex.adoptAlerts(state[state.length - 1], this.wm);
    }
    if (Number.isFinite(this.clock)) for (const ex of this.execs) ex.start(this.clock);
    this.recomputeDue();
  }

  // RuntimeCore: what executors may ask.

  wake(time: number): void {
    if (time < this.nextDue) this.nextDue = time;
  }

  ruleError(ruleId: string, event: IocEvent | undefined, err: unknown): void {
    this.errors.set(ruleId, (this.errors.get(ruleId) ?? 0) + 1);
    this.opts.onRuleError?.(ruleId, event, err);
  }

  keyDropped(ruleId: string): void {
    this.dropped.set(ruleId, (this.dropped.get(ruleId) ?? 0) + 1);
  }

  now(): number {
    return this.opts.now();
  }

  clockStart(): number {
    return this.clock;
  }

  private create(rule: CompiledRule): Executor {
    switch (rule.kind) {
      case 'stateless':
        return new StatelessExecutor(rule, this, this.changes);
      case 'window': {
        const plan = rule.window!;
        if (plan.type === 'session') return new SessionExecutor(rule, this, this.changes);
        let store = this.stores.get(storeKey(rule));
        if (store === undefined) this.stores.set(storeKey(rule), (store = new WindowStore(rule, this, this.changes, this.opts.allowedLatenessMs, rule.partial ? this.partials : undefined)));
        return new WindowExecutor(rule, this, this.changes, store);
      }
      case 'absence':
        return new AbsenceExecutor(rule, this, this.changes);
      case 'sequence':
        return new SequenceExecutor(rule, this, this.changes);
    }
  }

  private execsFor(type: string): Executor[] {
    let list = this.byType.get(type);
    if (list === undefined) {
      list = [];
      for (const rule of this.set.rulesFor(type)) {
        const ex = this.byId.get(rule.id);
        if (ex !== undefined) list.push(ex);
      }
      // Bounded like the RuleSet's own cache: made-up types cannot grow memory.
      if (this.byType.size < 10_000) this.byType.set(type, list);
    }
    return list;
  }

  private moveWatermark(w: number): void {
    if (this.clock === -Infinity) {
      this.clock = w;
      this.wm = w;
      for (const ex of this.execs) ex.start(w);
    }
    this.wm = w;
    if (w >= this.nextDue) this.runDue();
  }

  private runDue(): void {
    const w = this.wm;
    let next = Infinity;
    for (const ex of this.execs) {
      if (ex.due() <= w) {
        try {
          ex.runDue(w);
        } catch (err) {
          this.ruleError(ex.rule.id, undefined, err);
        }
      }
      const d = ex.due();
      if (d < next) next = d;
    }
    this.nextDue = next;
  }

  private recomputeDue(): void {
    let next = Infinity;
    for (const ex of this.execs) {
      const d = ex.due();
      if (d < next) next = d;
    }
    this.nextDue = next;
  }
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Alerts carry over a restart only when their context reads the same way (same kind of window, and evaluated here: a partial rule never resolves them). */
function sameContext(a: CompiledRule, b: CompiledRule): boolean {
  if (b.partial) return false;
  return a.kind !== 'window' || (a.window!.type === 'session') === (b.window!.type === 'session');
}

/**
 * A runtime for the rules, with the default allowed lateness (30 s) and late
 * policy (`dlq`) unless given.
 *
 * @example
 * const { rules } = await loadRulesDir('rules');
 * const runtime = createRuleRuntime(new RuleSet(rules), { now: Date.now, onRuleError: (id, e, err) => log.warn({ rule: id, event: e?.id, err }) });
 * runtime.process(event); // 'ok' | 'late' | 'late-processed'
 * for (const change of runtime.takeChanges()) publish(change);
 */
export function createRuleRuntime(rules: RuleSet | readonly CompiledRule[], opts: Partial<RuntimeOptions> & Pick<RuntimeOptions, 'now'>): Runtime {
  return new Runtime(rules, { allowedLatenessMs: DEFAULT_ALLOWED_LATENESS_MS, latePolicy: 'dlq', ...opts });
}
