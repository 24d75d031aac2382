// <ioc-wall-map>: the dark wall map of Hanoi. Sensors live in one GeoJSON source,
// changed in batches once per animation frame; never one DOM marker per sensor,
// which would not survive thousands of them.

import { css, html, LitElement, unsafeCSS, type PropertyValues } from 'lit';
import { Map as MapLibreMap, type GeoJSONSource, type LngLatBoundsLike } from 'maplibre-gl';
import maplibreCss from 'maplibre-gl/dist/maplibre-gl.css?inline';
import type { Lang } from '../state/index.ts';
import { DISTRICT_LABEL_LAYER, SENSOR_SOURCE, districtLabelField, wallMapStyle, type BaseMapData } from './map-style.ts';
import { SensorBatch, type SensorFeature } from './sensor-features.ts';

/** The whole city, Ba Vì to Gia Lâm and Sóc Sơn to Mỹ Đức. */
const HANOI_BOUNDS: LngLatBoundsLike = [[105.27, 20.53], [106.03, 21.40]];
/** How far an operator may pan: the city and some of its surroundings. */
const PAN_LIMITS: LngLatBoundsLike = [[104.6, 20.1], [106.7, 21.8]];

export class WallMap extends LitElement {
  static override properties = {
    lang: { type: String },
    base: { attribute: false },
  };

  // The map lives in this shadow root, so its stylesheet must be adopted here too.
  static override styles = [
    unsafeCSS(maplibreCss),
    css`
      :host { display: block; position: relative; min-height: 200px; }
      #map { position: absolute; inset: 0; }
    `,
  ];

  declare lang: Lang;
  /** District and water shapes; the map is created once they are set. */
  declare base: BaseMapData | undefined;
  /** The MapLibre map once created; read by the test hook. */
  map: MapLibreMap | undefined;

  private readonly batch = new SensorBatch();
  private frame = 0;

  constructor() {
    super();
    this.lang = 'vi';
    this.base = undefined;
  }

  /** Replaces every sensor on the map (after a snapshot). */
  replaceSensors(features: Iterable<SensorFeature>): void {
    this.batch.replaceAll(features);
    this.schedule();
  }

  /** Changes one sensor's look; `undefined` removes it. */
  setSensor(id: string, feature: SensorFeature | undefined): void {
    this.batch.set(id, feature);
    this.schedule();
  }

  override render() {
    return html`<div id="map" role="img" aria-label="Hanoi"></div>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.map && this.base) this.createMap(this.base);
    else if (this.map && changed.has('lang')) this.map.setLayoutProperty(DISTRICT_LABEL_LAYER, 'text-field', districtLabelField(this.lang));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.map?.remove();
    this.map = undefined;
  }

  private createMap(base: BaseMapData): void {
    const container = this.renderRoot.querySelector<HTMLElement>('#map');
    if (!container) return;
    this.map = new MapLibreMap({
      container,
      style: wallMapStyle(base, this.lang),
      bounds: HANOI_BOUNDS,
      fitBoundsOptions: { padding: 16 },
      maxBounds: PAN_LIMITS,
      maxZoom: 16,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      // A wall map redraws for data, not for label fade-ins.
      fadeDuration: 0,
    });
    this.map.once('load', () => this.schedule());
    this.dispatchEvent(new CustomEvent('map-created', { detail: this.map, bubbles: true, composed: true }));
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  private flush(): void {
    // Until the style has loaded the source does not exist; 'load' schedules again.
    const source = this.map?.getSource<GeoJSONSource>(SENSOR_SOURCE);
    if (!source) return;
    const next = this.batch.take();
    if (!next) return;
    const done = next.kind === 'replace'
      ? source.setData({ type: 'FeatureCollection', features: next.features })
      : source.updateData({ add: next.add, remove: next.remove });
    done.catch((err: unknown) => console.error('ioc: sensor layer update failed', err));
  }
}

customElements.define('ioc-wall-map', WallMap);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-wall-map': WallMap;
  }
}
