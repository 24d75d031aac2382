// A small, read-only window into the running console for browser tests (and for
// an engineer at the devtools prompt). Documented in console/README.md; keep it tiny.

import type { Map as MapLibreMap } from 'maplibre-gl';
import type { ConsoleSnapshot, IocConsole } from './app/index.ts';

export interface IocTestHook {
  /** The MapLibre map, once created: wait for 'idle', read sources. */
  readonly map: MapLibreMap | undefined;
  /** Connection phase, engine mode, language and counts, as shown. */
  state(): ConsoleSnapshot;
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
    state: () => app.snapshot(),
  };
}
