// A small, read-only window into the running console for browser tests (and for
// an engineer at the devtools prompt). Documented in console/README.md; keep it tiny.

import type { Map as MapLibreMap } from 'maplibre-gl';
import type { ConsoleSnapshot, IocConsole } from './app/index.ts';
import type { IncidentDeskSnapshot } from './incidents/index.ts';
import type { SessionSnapshot } from './session/index.ts';
import type { WallShared } from './wall/index.ts';

export interface IocTestHook {
  /** The MapLibre map, once created: wait for 'idle', read sources. */
  readonly map: MapLibreMap | undefined;
  /** The `pmtiles://` URL of the engine's vector base map (source `base-tiles`), undefined without one or before the map's data loaded. */
  readonly baseTiles: string | undefined;
  /** Connection phase, engine mode, language and counts, as shown. */
  state(): ConsoleSnapshot;
  /** The incident desk: incidents held, queued and rendered as rows, selection, operator name and the alarm's sound state. */
  incidents(): IncidentDeskSnapshot | undefined;
  /** Sign-in: checking, signed-out, signed-in, open (no sign-in needed) or unreachable; who and which role. */
  session(): SessionSnapshot;
  /** Wall mode: on or off, the view shown, the state shared with other windows, the map's WebGL context, the last announcement. */
  wall(): { enabled: boolean; view: string; shared: WallShared; mapContext: 'ok' | 'lost'; announcement: string };
}

declare global {
  interface Window {
    __ioc?: IocTestHook;
  }
}

export function installTestHook(app: IocConsole): void {
  window.__ioc = {
    get map() {
      return app.wallMap?.map;
    },
    get baseTiles() {
      return app.wallMap?.base?.tiles;
    },
    state: () => app.snapshot(),
    incidents: () => app.renderRoot.querySelector('ioc-incident-desk')?.snapshot(),
    session: () => app.session.snapshot(),
    wall: () => ({
      enabled: app.wall.enabled, view: app.wall.sync.state.view, shared: app.wall.sync.state,
      mapContext: app.wall.mapContext, announcement: app.wall.announcement,
    }),
  };
}
