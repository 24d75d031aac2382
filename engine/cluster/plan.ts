// Who should own which partition, given the live members. Every process
// computes the same plan from the same member list, so no coordinator is
// needed: rendezvous (highest-random-weight) hashing ranks the members for
// each partition, and a capacity of ceil(P / M) per member keeps the shares
// fair. A member joining or leaving moves only about P / M partitions.

import { fnv1a } from './partition.ts';

/** Rendezvous weight of a member for a partition. */
function weight(member: string, partition: number): number {
  // Mix the partition in so that members' orders differ per partition.
  return fnv1a(`${partition}\u0000${member}`);
}

/**
 * partition → owner for `partitions` partitions over `members` (any order).
 * @example planOwnership(['a', 'b', 'c'], 8) // Map(8) { 0 => 'b', 1 => 'a', … }, each owning 2 or 3
 */
export function planOwnership(members: readonly string[], partitions: number): Map<number, string> {
  const plan = new Map<number, string>();
  const live = [...new Set(members)].sort();
  if (live.length === 0) return plan;
  const capacity = Math.ceil(partitions / live.length);
  const load = new Map<string, number>(live.map((m) => [m, 0]));
  // Partitions in a fixed order; each goes to its best-ranked member with room.
  for (let p = 0; p < partitions; p++) {
    let best: string | undefined;
    let bestWeight = -1;
    for (const m of live) {
      if (load.get(m)! >= capacity) continue;
      const w = weight(m, p);
      if (w > bestWeight || (w === bestWeight && m < best!)) {
        best = m;
        bestWeight = w;
      }
    }
    plan.set(p, best!);
    load.set(best!, load.get(best!)! + 1);
  }
  return plan;
}

/** The partitions `member` owns in a plan, ascending. */
export function partitionsOf(plan: ReadonlyMap<number, string>, member: string): number[] {
  const out: number[] = [];
  for (const [p, m] of plan) if (m === member) out.push(p);
  return out.sort((a, b) => a - b);
}
