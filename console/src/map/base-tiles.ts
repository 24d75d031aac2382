// The optional vector base map: a PMTiles archive the engine serves at
// /tiles/base.pmtiles (console.pmtilesFile), read in HTTP ranges by the pmtiles
// reader through MapLibre's `pmtiles://` protocol, from this origin only. Its
// layers are styled in base-tiles-style.ts.

import { addProtocol } from 'maplibre-gl';
import { Protocol } from 'pmtiles';

let registered = false;

/**
 * Asks the engine whether it has a base map (`tiles/base.json`, always 200, so
 * an engine without one logs no error in the browser) and, if so, registers the
 * `pmtiles` protocol once and returns the source URL for the style.
 * Resolves undefined when there is none or the question fails (an older engine,
 * the Vite dev server): the map then is the GeoJSON shapes alone.
 * @example const tiles = await loadBaseTiles(import.meta.env.BASE_URL); // 'pmtiles://http://host/tiles/base.pmtiles'
 */
export async function loadBaseTiles(baseUrl: string): Promise<string | undefined> {
  let info: { pmtiles?: unknown };
  try {
    const res = await fetch(`${baseUrl}tiles/base.json`);
    if (!res.ok) return undefined;
    info = (await res.json()) as { pmtiles?: unknown };
  } catch {
    return undefined;
  }
  if (typeof info.pmtiles !== 'string' || info.pmtiles === '') return undefined;
  if (!registered) {
    addProtocol('pmtiles', new Protocol().tile);
    registered = true;
  }
  return `pmtiles://${new URL(info.pmtiles, location.href).href}`;
}
