// A small seeded pseudo-random generator, so a simulation is the same run
// after run for the same seed. Never use Math.random here: tests and demos
// must be reproducible.

/** A generator of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * Mulberry32: 32-bit state, fast, good enough for simulated sensor noise
 * (not for anything secret).
 *
 * @example
 * const rnd = mulberry32(42); rnd(); // 0.6011037519201636 every time
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent 32-bit seed from a base seed and labels, so each
 * part of the world (placement, storm k, smog k) draws its own stream and
 * changing one part does not reshuffle the others.
 *
 * @example
 * mulberry32(subSeed(7, 'storm', 3))
 */
export function subSeed(seed: number, ...labels: (string | number)[]): number {
  // FNV-1a over the seed and the labels.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193);
  for (const label of labels) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x2f;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Uniform in [lo, hi). */
export function uniform(rnd: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * rnd();
}

/** An element chosen uniformly; the array must not be empty. */
export function pick<T>(rnd: Random, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}
