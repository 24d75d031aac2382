// The event pipeline scaled out: this process takes part in the partition
// plan (leases on the shared board) and runs one Pipeline — its own rule
// runtime, consumer, checkpoint and snapshot — for each partition it owns,
// plus the router while it holds the router slot. A partition's state moves
// between processes through its checkpoint and snapshot: the old owner
// commits and snapshots before it releases the lease, the new owner restores
// them when it claims it. City-wide rules (keyed by something other than
// zone or source) are finished once per deployment, in the city slot, owned
// like a partition: tumbling and sliding windows are combined there from the
// panes every partition hands on (CityCombiner); the rest run in a
// rules-only pipeline over the whole event stream. Same face as Pipeline, so
// the engine wires either.

import type { LeaseBoard } from './board.ts';
import { errorMessage } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Pipeline } from '../pipeline/index.ts';
import type { CompiledRule } from '../rules/index.ts';
import type { ReloadReport } from '../runtime/index.ts';
import { PartitionOwnership, type RevokeReason } from './ownership.ts';
import type { CityCombiner } from './city-combiner.ts';
import { combinedRules, rulesForPartition, streamCityRules } from './partition-rules.ts';
import type { Router } from './router.ts';

export interface PartitionedPipelineOptions {
  board: LeaseBoard;
  member: { id: string; host: string; pid: number; startedAt: number };
  partitions: number;
  leaseMs: number;
  roundMs: number;
  rules: readonly CompiledRule[];
  /** A pipeline for one partition, running these rules. */
  pipelineFor(partition: number, rules: readonly CompiledRule[]): Pipeline;
  /** The router, made when this process takes the router slot. */
  router(): Router;
  /** A rules-only pipeline over every event, for the city-wide rules not combined from panes; made when this process holds the city slot and there are such rules. */
  cityPipeline(rules: readonly CompiledRule[]): Pipeline;
  /** The combiner of the city-wide windows, for these rules; made when this process holds the city slot and there are such rules. */
  cityCombiner(rules: readonly CompiledRule[]): CityCombiner;
  drainMs: number;
  /** Events of a partition not yet delivered to its consumer (for `ioc_partition_lag`). */
  lagOf?(partition: number): Promise<number>;
  metrics: Metrics;
  log: Logger;
}

/** How often owned partitions' lag is read (one consumer-info request each). */
const LAG_EVERY_MS = 5000;

export class PartitionedPipeline {
  private readonly pipelines = new Map<number, Pipeline>();
  private router: Router | undefined;
  /** Whether this process holds the city slot, and the pipeline running there (only while there are city-wide rules). */
  private holdsCity = false;
  private readonly leadListeners: ((held: boolean) => void)[] = [];
  private city: Pipeline | undefined;
  private combiner: CityCombiner | undefined;
  private watchdogTimer: ReturnType<typeof setInterval> | undefined;
  private readonly ownership: PartitionOwnership;
  private rules: readonly CompiledRule[];
  private stopped: Promise<void>;
  private resolveStopped!: () => void;
  failure: Error | undefined;

  constructor(private readonly o: PartitionedPipelineOptions) {
    this.rules = o.rules;
    this.stopped = new Promise((r) => (this.resolveStopped = r));
    // Slots 0…P-1 are partitions; slot P is the router and P+1 the city-wide rules, placed by the same plan.
    this.ownership = new PartitionOwnership({
      board: o.board,
      member: o.member,
      partitions: o.partitions + 2,
      leaseMs: o.leaseMs,
      handlers: { assigned: (slot) => this.assigned(slot), revoked: (slot, why) => this.revoked(slot, why) },
      trace: (step) => o.log.debug({ step }, 'ownership round'),
    });
    this.warnAboutRules(o.rules);
  }

  private get routerSlot(): number {
    return this.o.partitions;
  }

  private get citySlot(): number {
    return this.o.partitions + 1;
  }

  /**
   * Stops what this process no longer validly holds, between rounds: a round
   * can be slow (a hand-over draining), and a partition whose lease ran out
   * meanwhile may be running elsewhere already.
   */
  private lastLagAt = 0;

  /** Every few seconds: each owned partition's lag, as a gauge per partition. */
  private measureLag(): void {
    const now = Date.now();
    if (!this.o.lagOf || now - this.lastLagAt < LAG_EVERY_MS) return;
    this.lastLagAt = now;
    for (const p of this.pipelines.keys()) {
      void this.o.lagOf(p).then((n) => {
        if (this.pipelines.has(p)) this.o.metrics.partitionLag.labels(String(p)).set(n);
      }, () => undefined);
    }
  }

  private watchdog(): void {
    this.measureLag();
    const owned = new Set(this.ownership.owned());
    for (const p of [...this.pipelines.keys()]) if (!owned.has(p)) void this.revoked(p, 'lost');
    if (this.router && !owned.has(this.routerSlot)) void this.revoked(this.routerSlot, 'lost');
    if (this.holdsCity && !owned.has(this.citySlot)) void this.revoked(this.citySlot, 'lost');
  }

  /** Joins the plan; partitions start as their leases are won. */
  async start(): Promise<void> {
    this.watchdogTimer = setInterval(() => this.watchdog(), Math.max(100, Math.floor(this.o.roundMs / 2)));
    this.o.log.info({ member: this.o.member.id, partitions: this.o.partitions, leaseMs: this.o.leaseMs }, 'joining the partition plan');
    this.ownership.start(
      this.o.roundMs,
      (r) => {
        if (r.assigned.length + r.revoked.length + r.lost.length > 0) {
          this.o.log.info({ assigned: r.assigned, revoked: r.revoked, lost: r.lost, waiting: r.waiting, owned: this.ownership.owned() }, 'partition ownership changed');
        }
      },
      (err) => this.o.log.warn({ err: errorMessage(err) }, 'partition ownership round failed; retrying'),
    );
  }

  private async assigned(slot: number): Promise<void> {
    this.o.metrics.partitionChanges.labels('assigned').inc();
    if (slot === this.routerSlot) {
      this.router = this.o.router();
      await this.router.start();
      this.tellLead(true);
      return;
    }
    if (slot === this.citySlot) {
      this.holdsCity = true;
      await this.startCity(this.rules);
      return;
    }
    const pipeline = this.o.pipelineFor(slot, rulesForPartition(this.rules, slot, this.o.partitions));
    await pipeline.start();
    this.pipelines.set(slot, pipeline);
    this.o.metrics.partitionsOwned.set(this.pipelines.size);
    this.failWith(pipeline, () => this.pipelines.get(slot) === pipeline);
  }

  /** Stops a slot's work; a second call for the same slot (watchdog, then round) finds nothing to do. */
  private async revoked(slot: number, why: RevokeReason): Promise<void> {
    // A lost lease may be someone else's already: stop at once and save nothing more.
    const drainMs = why === 'lost' ? 0 : this.o.drainMs;
    if (slot === this.routerSlot) {
      const router = this.router;
      if (!router) return;
      this.router = undefined;
      this.tellLead(false);
      this.o.metrics.partitionChanges.labels(why).inc();
      await router.stop(drainMs);
      return;
    }
    if (slot === this.citySlot) {
      if (!this.holdsCity) return;
      this.holdsCity = false;
      this.o.metrics.partitionChanges.labels(why).inc();
      await this.stopCity(drainMs, why !== 'lost');
      return;
    }
    const pipeline = this.pipelines.get(slot);
    if (!pipeline) return;
    this.o.metrics.partitionChanges.labels(why).inc();
    this.pipelines.delete(slot);
    this.o.metrics.partitionsOwned.set(this.pipelines.size);
    this.o.metrics.partitionLag.remove(String(slot));
    await pipeline.stop(drainMs, { finalSnapshot: why !== 'lost' });
  }

  /** Starts what the city slot runs for these rules and does not run yet: the combiner, the pipeline over every event. */
  private async startCity(all: readonly CompiledRule[]): Promise<void> {
    const combined = combinedRules(all);
    if (!this.holdsCity) return; // revoked while a reload was on its way here
    if (!this.combiner && combined.length > 0) {
      const combiner = this.o.cityCombiner(combined);
      this.combiner = combiner;
      await combiner.start();
      this.o.log.info({ rules: combined.map((r) => r.id) }, 'combining the city-wide windows from every partition');
      this.failWith(combiner, () => this.combiner === combiner);
    }
    const rules = streamCityRules(all);
    if (!this.holdsCity || this.city || rules.length === 0) return;
    const city = this.o.cityPipeline(rules);
    this.city = city;
    await city.start();
    this.o.log.info({ rules: rules.map((r) => r.id) }, 'running the city-wide rules over every event');
    this.failWith(city, () => this.city === city);
  }

  /** When `part` stops with a failure while it is still `current` (not stopped by us), this process fails. */
  private failWith(part: { failure: Error | undefined; whenStopped(): Promise<void> }, current: () => boolean): void {
    void part.whenStopped().then(() => {
      if (part.failure && current()) this.fail(part.failure);
    });
  }

  /** `forget`: the combined rules are gone, so the combiner's saved state goes too. */
  private async stopCity(drainMs: number, finalSnapshot: boolean, which: { pipeline?: boolean; combiner?: boolean; forget?: boolean } = { pipeline: true, combiner: true }): Promise<void> {
    const city = which.pipeline ? this.city : undefined;
    const combiner = which.combiner ? this.combiner : undefined;
    if (which.pipeline) this.city = undefined;
    if (which.combiner) this.combiner = undefined;
    await Promise.all([city?.stop(drainMs, { finalSnapshot }), combiner?.stop(drainMs, { save: finalSnapshot, forget: which.forget === true })]);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.o.log.error({ err: errorMessage(err) }, 'a partition pipeline failed');
    this.resolveStopped();
  }

  /** Puts new rules in force in every owned partition (and in those claimed later). */
  async reload(rules: readonly CompiledRule[]): Promise<ReloadReport> {
    this.rules = rules;
    this.warnAboutRules(rules);
    const reports = await Promise.all([...this.pipelines].map(([p, pipeline]) => pipeline.reload(rulesForPartition(rules, p, this.o.partitions))));
    if (this.holdsCity) {
      const stream = streamCityRules(rules);
      const combined = combinedRules(rules);
      if (stream.length === 0) await this.stopCity(this.o.drainMs, true, { pipeline: true });
      else if (this.city) reports.push(await this.city.reload(stream));
      if (combined.length === 0) await this.stopCity(this.o.drainMs, true, { combiner: true, forget: true });
      else if (this.combiner) reports.push(await this.combiner.reload(combined));
      await this.startCity(rules);
    }
    if (reports.length === 0) return { kept: [], restarted: [], added: rules.map((r) => r.id), removed: [] };
    // Every partition runs the same rules: the first partition's report, with the city's, says what changed.
    const said = [reports[0]!, ...reports.slice(this.pipelines.size)];
    const merged: ReloadReport = { kept: [], restarted: [], added: [], removed: [] };
    for (const r of said) for (const k of ['kept', 'restarted', 'added', 'removed'] as const) for (const id of r[k]) if (!merged[k].includes(id)) merged[k].push(id);
    return merged;
  }

  /** Partitions owned now (the router slot not included). */
  owned(): number[] {
    return [...this.pipelines.keys()].sort((a, b) => a - b);
  }

  get routing(): boolean {
    return this.router !== undefined;
  }

  /**
   * Calls `fn(true)` when this process takes the router slot and `fn(false)`
   * when it gives it up: work done once per deployment (incident management)
   * follows the router.
   */
  onLeadChange(fn: (held: boolean) => void): void {
    this.leadListeners.push(fn);
    if (this.router) fn(true);
  }

  private tellLead(held: boolean): void {
    for (const fn of this.leadListeners) {
      try {
        fn(held);
      } catch (err) {
        this.o.log.warn({ err: errorMessage(err) }, 'a lead listener failed');
      }
    }
  }

  /** Whether this process runs the city-wide rules now (over every event, or combining partitions' panes). */
  get runningCityRules(): boolean {
    return this.city !== undefined || this.combiner !== undefined;
  }

  /** Leaves the plan: each partition commits, snapshots and is released, so the others take it at once. */
  async stop(): Promise<void> {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    await this.ownership.stop();
    this.resolveStopped();
  }

  whenStopped(): Promise<void> {
    return this.stopped;
  }

  private warnAboutRules(rules: readonly CompiledRule[]): void {
    const combined = combinedRules(rules).filter((r) => r.enabled).map((r) => r.id);
    if (combined.length > 0) {
      this.o.log.info({ rules: combined }, 'these window rules group by something other than zone or source: each partition aggregates its share, the city slot combines them');
    }
    const stream = streamCityRules(rules).filter((r) => r.enabled).map((r) => r.id);
    if (stream.length > 0) {
      this.o.log.info({ rules: stream }, 'these rules group by something other than zone or source and cannot be combined: they run once per deployment, in the city slot, over every event');
    }
  }
}
