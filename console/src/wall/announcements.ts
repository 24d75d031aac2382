// Which items deserve a screen-reader announcement: critical ones not seen
// before. The first list seen only primes the memory, so opening the console
// does not read out everything already on screen.

export interface Announceable {
  id: string;
  severity: string;
}

/**
 * Remembers critical items by id and returns the new ones in each list it is given.
 * @example const fresh = newCriticals(); fresh(alerts); fresh(later) // criticals in `later` only
 */
export function newCriticals<T extends Announceable>(): (items: readonly T[]) => T[] {
  let seen: Set<string> | undefined;
  return (items) => {
    const critical = items.filter((i) => i.severity === 'critical');
    const fresh = seen ? critical.filter((i) => !seen!.has(i.id)) : [];
    // Forget ones that left, so one that fires again is announced again.
    seen = new Set(critical.map((i) => i.id));
    return fresh;
  };
}
