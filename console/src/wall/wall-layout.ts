// CSS that <ioc-console> adopts for wall mode and for access: in wall mode the
// header gives way to <ioc-wall-bar> and one view fills the screen at a time
// (the others stay laid out but hidden, so the map keeps its size and its
// WebGL context). Views are `.map`, `aside` (the queue) and any element marked
// `data-wall-view="map|queue|kpis"` directly inside `main`.

import { css } from 'lit';

export const wallLayout = css`
  :host([wall]) header { display: none; }
  :host([wall]) main { grid-template-columns: 1fr; grid-template-rows: minmax(0, 1fr); }
  :host([wall]) main > * { grid-area: 1 / 1; visibility: hidden; min-height: 0; }
  :host([wall-view='map']) main > .map,
  :host([wall-view='map']) main > [data-wall-view='map'],
  :host([wall-view='queue']) main > aside,
  :host([wall-view='queue']) main > [data-wall-view='queue'],
  :host([wall-view='kpis']) main > [data-wall-view='kpis'] { visibility: visible; }
  /* Large type for reading across a room; the map keeps its own scale. */
  :host([wall]) main > :not(.map):not([data-wall-view='map']) { zoom: 1.4; border: 0; }
  :host([wall]) .legend { zoom: 1.4; }

  /* Severity by shape as well as color: critical triangle, major diamond, minor square, info and normal circles. */
  .legend [data-severity]::before { border-radius: 0; }
  .legend [data-severity='critical']::before { clip-path: polygon(50% 0, 100% 100%, 0 100%); width: 12px; height: 12px; }
  .legend [data-severity='major']::before { clip-path: polygon(50% 0, 100% 50%, 50% 100%, 0 50%); width: 12px; height: 12px; }
  .legend [data-severity='info']::before,
  .legend [data-severity='normal']::before { border-radius: 50%; }
  .legend [data-severity='normal']::before { background: transparent; box-shadow: inset 0 0 0 2px var(--c); }

  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  .context-lost { position: absolute; z-index: 5; left: 50%; top: 40%; transform: translateX(-50%); padding: 16px 28px; font-size: 22px;
    background: rgba(6, 10, 18, 0.92); border: 2px dashed #fca5a5; color: #fca5a5; border-radius: 6px; }
  .wall-toggle { font-size: 14px; color: #9fb3d1; border: 1px solid #2a3d5e; border-radius: 4px; padding: 4px 12px; text-decoration: none; white-space: nowrap; }
  .wall-toggle:hover { background: #1b2a4a; }
  :host a:focus-visible, :host button:focus-visible { outline: 3px solid #facc15; outline-offset: 2px; }
  .connection .stale { color: #fca5a5; }
`;
