// Durations as rule authors write them (`90s`, `15m`, `1h30m`, `2d`) and as
// reports print them. Pure parsing and printing; no clock.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds in a duration like `15m` or `1h30m`; `0` is zero; undefined when malformed.
 *
 * @example
 * parseDuration('1h30m') // → 5_400_000
 */
export function parseDuration(s: string): number | undefined {
  if (s === '0') return 0;
  if (!/^(\d+(ms|s|m|h|d))+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * A signed offset like `+5m` or `-30s`, in milliseconds.
 *
 * @example
 * parseOffset('-30s') // → -30_000
 */
export function parseOffset(s: string): number | undefined {
  const sign = s[0] === '+' ? 1 : s[0] === '-' ? -1 : 0;
  if (sign === 0) return undefined;
  const ms = parseDuration(s.slice(1));
  return ms === undefined ? undefined : sign * ms;
}

/**
 * Prints a signed offset the way `parseOffset` reads it.
 *
 * @example
 * formatOffset(5_400_000) // → '+1h30m'
 */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.abs(ms);
  if (rest === 0) return '+0s';
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return sign + out;
}
