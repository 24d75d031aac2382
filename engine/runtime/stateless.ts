// Stateless rules: each event is judged on its own. Without `for`, `clear`
// and `keepFiringFor` this is exactly the tracker of the first release: fire
// on the first matching event of a group, resolve on the first later event of
// that group that does not match; an event older than the group's last
// change changes nothing. The timed keys go through the same AlertBook as
// every other kind.

import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import type { CompiledRule } from '../rules/index.ts';
import { AlertBook } from './alert-book.ts';
import type { ContextOps, Executor, RuntimeCore } from './executor.ts';

export class StatelessExecutor implements Executor {
  private readonly book: AlertBook<IocEvent>;

  constructor(
    public rule: CompiledRule,
    core: RuntimeCore,
    out: Alert[],
  ) {
    this.book = new AlertBook(rule, eventOps(this), core, out);
  }

  onEvent(e: IocEvent): void {
    const rule = this.rule;
    // A rule for other districts, holding no alert, has nothing to do with this event: skip even its condition.
    if (this.book.size === 0 && rule.zones !== undefined && !rule.zones.has(e.zone ?? '')) return;
    const matched = rule.matches(e);
    // Most events match nothing and most rules hold no alert: decide that before building the key when possible.
    if (!matched && this.book.size === 0) return;
    const key = rule.key.keyOf(e);
    if (!matched && !this.book.has(key)) return;
    const clear = rule.event!.clear;
    this.book.observe(key, e.time, matched, !matched && (clear === undefined || clear(e)), e);
  }

  due(): number {
    return this.book.due();
  }

  runDue(watermark: number): void {
    while (this.book.due() <= watermark) this.book.runDue();
  }

  start(): void {}

  firing(out: unknown[]): void {
    this.book.firing(out);
  }

  resolveAll(time: number): void {
    this.book.resolveAll(time);
  }

  snapshot(): unknown[] {
    return [this.book.snapshot()];
  }

  restore(s: unknown): void {
    this.book.restore((s as unknown[])[0]);
  }

  alertSnapshot(): unknown {
    return this.book.snapshot();
  }

  adoptAlerts(s: unknown): void {
    this.book.restore(s, true);
  }

  setRule(rule: CompiledRule): void {
    this.rule = rule;
    this.book.rule = rule;
  }
}

/** The context of a stateless alert is the event itself. */
function eventOps(x: { rule: CompiledRule }): ContextOps<IocEvent> {
  return {
    render: (e) => x.rule.render(e),
    facts: (e) => ({ zone: e.zone ?? '', source: e.source, eventId: e.id, eventType: e.type, value: e.value }),
    dedupKey: (e) => x.rule.event!.dedupKey!(e),
    save: (e) => e,
    load: (j) => j as IocEvent,
  };
}
