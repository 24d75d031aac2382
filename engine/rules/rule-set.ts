// The rules the engine runs, indexed by the event types they watch, so an
// event is tested only against rules that can match it. Exact types are a Map
// lookup; glob patterns are matched once per distinct event type and cached.
// Immutable: a reload builds a new RuleSet. Disabled rules are never returned.

import type { RuleIndex } from '../alerts/index.ts';
import type { CompiledRule } from './compile.ts';

/** Past this many distinct types, globs are matched per call instead of cached, so a flood of made-up types cannot grow memory. */
const MAX_CACHED_TYPES = 10_000;

const NONE: readonly CompiledRule[] = Object.freeze([]);

interface Glob {
  readonly matches: (type: string) => boolean;
  readonly rule: CompiledRule;
  readonly order: number;
}

/** True when `type` matches the pattern (`*` matches any run of characters, dots included). */
export function typeMatches(pattern: string, type: string): boolean {
  return globMatcher(pattern)(type);
}

/**
 * A compiled glob: `*` matches any run of characters (dots included), all
 * else literally; a pattern without `*` compares exactly. Compile once, call often.
 *
 * @example globMatcher('flood.*')('flood.heavy-rain') // true
 */
export function globMatcher(pattern: string): (value: string) => boolean {
  if (!pattern.includes('*')) return (v) => v === pattern;
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*') + '$');
  return (v) => re.test(v);
}

export class RuleSet implements RuleIndex {
  /** Every rule, enabled or not, in load order. */
  readonly rules: readonly CompiledRule[];
  private readonly byId = new Map<string, CompiledRule>();
  private readonly order = new Map<CompiledRule, number>();
  private readonly exact = new Map<string, CompiledRule[]>();
  private readonly globs: Glob[] = [];
  private readonly cache = new Map<string, readonly CompiledRule[]>();

  /**
   * @example
   * const set = new RuleSet((await loadRulesDir('rules')).rules);
   * set.rulesFor('aq.pm25') // → the rules on `aq.pm25`, `aq.*` and `*`, in load order
   */
  constructor(rules: Iterable<CompiledRule>) {
    this.rules = Object.freeze([...rules]);
    this.rules.forEach((rule, i) => {
      this.byId.set(rule.id, rule);
      if (!rule.enabled) return;
      this.order.set(rule, i);
      // A rule listing the same type twice (or a type and a glob covering it) still runs once per event.
      const exactTypes = new Set<string>();
      for (const pattern of rule.on) {
        if (pattern.includes('*')) this.globs.push({ matches: globMatcher(pattern), rule, order: i });
        else exactTypes.add(pattern);
      }
      for (const t of exactTypes) {
        const list = this.exact.get(t);
        if (list === undefined) this.exact.set(t, [rule]);
        else list.push(rule);
      }
    });
  }

  /** The enabled rules watching `type`, in load order. */
  rulesFor(type: string): readonly CompiledRule[] {
    if (this.globs.length === 0) return this.exact.get(type) ?? NONE;
    const cached = this.cache.get(type);
    if (cached !== undefined) return cached;
    const found = this.resolve(type);
    if (this.cache.size < MAX_CACHED_TYPES) this.cache.set(type, found);
    return found;
  }

  /** The rule with this id, enabled or not. */
  get(id: string): CompiledRule | undefined {
    return this.byId.get(id);
  }

  /** Ids of the enabled rules. */
  activeIds(): ReadonlySet<string> {
    return new Set([...this.order.keys()].map((r) => r.id));
  }

  private resolve(type: string): readonly CompiledRule[] {
    const exact = this.exact.get(type);
    const matched = new Set<CompiledRule>(exact);
    for (const g of this.globs) if (g.matches(type)) matched.add(g.rule);
    if (matched.size === 0) return NONE;
    if (exact !== undefined && matched.size === exact.length) return exact;
    return Object.freeze([...matched].sort((a, b) => this.order.get(a)! - this.order.get(b)!));
  }
}
