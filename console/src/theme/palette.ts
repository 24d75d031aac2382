// Colors of the dark wall map. Severity colors are chosen to stay apart on a
// dark background and for common color blindness (size grows with severity too).

import { unsafeCSS, type CSSResult } from 'lit';
import type { Severity } from '../state/index.ts';

export const wall = {
  background: '#060a12',
  land: '#0e1626',
  landUrban: '#131f36',
  border: '#2a3d5e',
  outline: '#4a6491',
  water: '#123a63',
  label: '#9fb3d1',
  labelHalo: '#060a12',
} as const;

export const severityColor: Record<Severity | 'normal', string> = {
  normal: '#2f9e7a',
  info: '#38bdf8',
  minor: '#facc15',
  major: '#fb923c',
  critical: '#f43f5e',
};

/**
 * CSS giving `[data-severity=…]` elements their color in the custom property `name`:
 * colors by attribute, not by inline style, which a strict CSP would refuse.
 * @example static styles = [severityVars('--sev'), css`li { border-left: 4px solid var(--sev); }`];
 */
export function severityVars(name: `--${string}`): CSSResult {
  return unsafeCSS(Object.entries(severityColor).map(([s, color]) => `[data-severity='${s}'] { ${name}: ${color}; }`).join('\n'));
}
