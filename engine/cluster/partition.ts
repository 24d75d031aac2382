// Which partition a zone's events belong to. All state of one zone (its
// windows, absences, sequences, alerts) lives in the one process that owns
// the zone's partition, so the mapping must be stable across processes,
// restarts and releases: FNV-1a over the UTF-16 code units, modulo P.

/** 32-bit FNV-1a of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The partition (0 … partitions-1) of a zone id. Events without a zone are
 * partitioned by their source instead, so one sensor's state still stays together.
 * @example partitionOf('hoang-mai', 32) // always the same number in every process
 */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return fnv1a(key) % partitions;
}
