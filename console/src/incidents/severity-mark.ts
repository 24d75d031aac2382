// How an incident's severity looks wherever it is shown: a shape and an outline
// as well as a color, so it reads for color-blind operators and on a washed-out
// wall. Colors come from `[data-severity]` rules (the CSP forbids inline styles).

import { css, html } from 'lit';
import { severityLabel } from '../i18n/index.ts';
import type { Lang, Severity } from '../state/index.ts';

// The same shapes as the map legend's: triangle, diamond, square, circle.
const shapes: Record<Severity, string> = { critical: '▲', major: '◆', minor: '■', info: '●' };

/** The shape and the word for a severity; style with `severityMarkStyles`. */
export function severityMark(s: Severity, lang: Lang) {
  return html`<span class="sev-mark" data-severity=${s}><span class="shape" aria-hidden="true">${shapes[s]}</span>${severityLabel(s, lang)}</span>`;
}

export const severityMarkStyles = css`
  .sev-mark { display: inline-flex; align-items: center; gap: 4px; padding: 1px 6px; border-radius: 3px; font-size: 12px; font-weight: 700;
    text-transform: uppercase; white-space: nowrap; color: var(--sev); border: 1px solid var(--sev); }
  .sev-mark[data-severity='critical'] { border-style: double; border-width: 3px; }
  .sev-mark[data-severity='major'] { border-width: 2px; }
  .sev-mark[data-severity='info'] { border-style: dashed; }
  .shape { font-size: 13px; line-height: 1; }
`;
