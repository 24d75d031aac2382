// Recovery of the map's WebGL context. MapLibre keeps its style across a lost and
// restored context, but the browser may take long to restore one, or never do;
// an unattended wall must come back by itself, so after `giveUpMs` without a
// restore it asks for a rebuild (in practice: reloading the page).

import type { Map as MapLibreMap } from 'maplibre-gl';

export interface ContextWatch {
  stop(): void;
}

export interface ContextHandlers {
  onLost(): void;
  onRestored(): void;
  /** The context did not come back within `giveUpMs`. */
  onGiveUp(): void;
  giveUpMs: number;
}

/**
 * @example
 * const watch = watchContext(map, { onLost, onRestored, onGiveUp: () => location.reload(), giveUpMs: 20_000 });
 */
export function watchContext(map: MapLibreMap, handlers: ContextHandlers): ContextWatch {
  let timer = 0;
  const lost = () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => handlers.onGiveUp(), handlers.giveUpMs);
    handlers.onLost();
  };
  const restored = () => {
    clearTimeout(timer);
    // The restored style loads its sources again; data pushed before that would be dropped.
    if (map.isStyleLoaded()) handlers.onRestored();
    else map.once('idle', () => handlers.onRestored());
  };
  map.on('webglcontextlost', lost);
  map.on('webglcontextrestored', restored);
  return {
    stop() {
      clearTimeout(timer);
      map.off('webglcontextlost', lost);
      map.off('webglcontextrestored', restored);
    },
  };
}
