// <ioc-wall-map>: the dark wall map of Hanoi, owned by this one component for the
// page's lifetime. Sensors live in one clustered GeoJSON source changed by diffs
// once per animation frame; never one DOM marker per sensor, which would not
// survive thousands of them, and never a full setData except for a snapshot.

import { css, html, LitElement, unsafeCSS, type PropertyValues } from 'lit';
import { Map as MapLibreMap, type GeoJSONSource, type LngLatBoundsLike } from 'maplibre-gl';
import maplibreCss from 'maplibre-gl/dist/maplibre-gl.css?inline';
import type { Lang, Severity } from '../state/index.ts';
import './layer-control.ts';
import type { LayerToggleEvent, MetricChangeEvent } from './layer-control.ts';
import { LayerPrefs, type LayerChoice } from './layer-prefs.ts';
import { incidentZones } from './incident-zones.ts';
import {
  DISTRICT_LABEL_LAYER, HATCH_IMAGES, HEAT_LAYER, HEAT_SOURCE, INCIDENT_SOURCE, SENSOR_SOURCE, SHAPE_LAYER, districtLabelField, hatchImage, heatFilter,
  heatWeight, layerVisibility, wallMapStyle, type BaseMapData,
} from './map-style.ts';
import { parseShapeImageId, SHAPE_PIXEL_RATIO, shapeImage, shapeImageId } from './severity-shapes.ts';
import { RenderLag } from './render-lag.ts';
import { SensorBatch, type SensorFeature, type SensorFlush } from './sensor-features.ts';

/** The whole city, Ba Vì to Gia Lâm and Sóc Sơn to Mỹ Đức. */
const HANOI_BOUNDS: LngLatBoundsLike = [[105.27, 20.53], [106.03, 21.40]];
/** How far an operator may pan: the city and some of its surroundings. */
const PAN_LIMITS: LngLatBoundsLike = [[104.6, 20.1], [106.7, 21.8]];
/** How often silent sensors are checked for staleness; far finer than any report interval. */
const FRESHNESS_CHECK_MS = 5_000;

export class WallMap extends LitElement {
  static override properties = {
    lang: { type: String },
    base: { attribute: false },
    incidentsByZone: { attribute: false },
    choice: { state: true },
  };

  // The map lives in this shadow root, so its stylesheet must be adopted here too.
  static override styles = [
    unsafeCSS(maplibreCss),
    css`
      :host { display: block; position: relative; min-height: 200px; }
      #map { position: absolute; inset: 0; }
      ioc-layer-control { position: absolute; top: 12px; right: 12px; z-index: 2; max-width: 300px; }
    `,
  ];

  declare lang: Lang;
  /** District and water shapes; the map is created once they are set. */
  declare base: BaseMapData | undefined;
  /** Worst severity of the open incidents of each district (zone id), for the choropleth. */
  declare incidentsByZone: ReadonlyMap<string, Severity>;
  declare private choice: LayerChoice;
  /** The MapLibre map once created; read by the test hook. */
  map: MapLibreMap | undefined;
  /** Update-to-render delays of sensor batches; read by the performance test. */
  readonly renderLag = new RenderLag();

  private readonly batch = new SensorBatch();
  private readonly prefs = new LayerPrefs(localStorageOrNothing());
  private frame = 0;
  private freshnessTimer = 0;
  private loaded = false;

  constructor() {
    super();
    this.lang = 'vi';
    this.base = undefined;
    this.incidentsByZone = new Map();
    this.choice = this.prefs.choice;
  }

  /** Replaces every sensor on the map (after a snapshot). */
  replaceSensors(features: Iterable<SensorFeature>): void {
    this.renderLag.arrived(performance.now());
    this.batch.replaceAll(features);
    this.schedule();
  }

  /** Changes one sensor's look; `undefined` removes it. */
  setSensor(id: string, feature: SensorFeature | undefined): void {
    this.renderLag.arrived(performance.now());
    this.batch.set(id, feature);
    this.schedule();
  }

  override render() {
    return html`<div id="map" role="img" aria-label="Hanoi"></div>
      <ioc-layer-control .choice=${this.choice} lang=${this.lang}
        @layer-toggle=${(e: LayerToggleEvent) => this.setChoice(this.prefs.toggle(e.detail.layer))}
        @metric-change=${(e: MetricChangeEvent) => this.setChoice(this.prefs.setMetric(e.detail.metric))}></ioc-layer-control>`;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.freshnessTimer = window.setInterval(() => {
      this.batch.sweep(Date.now());
      this.schedule();
    }, FRESHNESS_CHECK_MS);
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.map && this.base) this.createMap(this.base);
    else if (this.map && changed.has('lang')) this.map.setLayoutProperty(DISTRICT_LABEL_LAYER, 'text-field', districtLabelField(this.lang));
    if (changed.has('incidentsByZone')) this.showIncidents();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.frame);
    clearInterval(this.freshnessTimer);
    this.frame = 0;
    this.map?.remove();
    this.map = undefined;
    this.loaded = false;
  }

  private createMap(base: BaseMapData): void {
    const container = this.renderRoot.querySelector<HTMLElement>('#map');
    if (!container) return;
    const map = new MapLibreMap({
      container,
      style: wallMapStyle(base, this.lang, this.choice.visible, this.choice.metric),
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
    this.map = map;
    // Patterns and severity shapes are drawn here rather than shipped as files; shapes are
    // also added at 'load', and this restores them if the style ever loses its images.
    map.on('styleimagemissing', (e: { id: string }) => {
      if (map.hasImage(e.id)) return;
      const rank = (HATCH_IMAGES as readonly string[]).indexOf(e.id);
      const shape = parseShapeImageId(e.id);
      if (rank > 0) map.addImage(e.id, hatchImage(rank));
      else if (shape) map.addImage(e.id, shapeImage(shape.rank, shape.stale), { pixelRatio: SHAPE_PIXEL_RATIO });
    });
    map.on('render', () => {
      if (this.loaded) this.renderLag.drawn(performance.now(), map.isSourceLoaded(SENSOR_SOURCE));
    });
    // Drill-down: a sensor or a district clicked says so; a cluster clicked opens up.
    map.on('click', (e) => {
      const sensor = map.queryRenderedFeatures(e.point, { layers: [SHAPE_LAYER, 'sensors'] })[0];
      if (sensor) {
        const p = sensor.properties as { id: string; type: string; zone?: string };
        this.dispatchEvent(new CustomEvent('sensor-selected', { detail: { source: p.id, type: p.type, zone: p.zone ?? '' }, bubbles: true, composed: true }));
        return;
      }
      const cluster = map.queryRenderedFeatures(e.point, { layers: ['sensor-clusters'] })[0];
      if (cluster) {
        map.easeTo({ center: e.lngLat, zoom: map.getZoom() + 2 });
        return;
      }
      const district = map.queryRenderedFeatures(e.point, { layers: ['district-fill'] })[0];
      const zone = (district?.properties as { id?: string } | undefined)?.id;
      if (zone) this.dispatchEvent(new CustomEvent('zone-selected', { detail: { zone }, bubbles: true, composed: true }));
    });
    map.once('load', () => {
      // Before the first sensor arrives: an icon only added on demand (styleimagemissing) was
      // seen to stay undrawn until the tile was laid out again.
      for (const rank of [1, 2, 3, 4] as const) {
        for (const stale of [false, true]) {
          const id = shapeImageId(rank, stale);
          if (!map.hasImage(id)) map.addImage(id, shapeImage(rank, stale), { pixelRatio: SHAPE_PIXEL_RATIO });
        }
      }
      this.loaded = true;
      this.showIncidents();
      this.schedule();
    });
    this.dispatchEvent(new CustomEvent('map-created', { detail: map, bubbles: true, composed: true }));
  }

  private setChoice(next: LayerChoice): void {
    const before = this.choice;
    this.choice = next;
    const map = this.map;
    if (!map || !this.loaded) return;
    for (const [layer, v] of Object.entries(layerVisibility(next.visible))) map.setLayoutProperty(layer, 'visibility', v);
    if (before.visible.clusters !== next.visible.clusters) {
      this.source(SENSOR_SOURCE)?.setClusterOptions({ cluster: next.visible.clusters }).catch(logFailure);
    }
    if (before.metric !== next.metric) {
      map.setFilter(HEAT_LAYER, heatFilter(next.metric));
      map.setPaintProperty(HEAT_LAYER, 'heatmap-weight', heatWeight(next.metric));
    }
    if (before.metric !== next.metric || before.visible.heatmap !== next.visible.heatmap) this.refillHeat();
  }

  /** The heatmap's source holds the chosen metric's sensors, and only while it is shown. */
  private refillHeat(): void {
    const { visible, metric } = this.choice;
    const features = visible.heatmap ? [...this.batch.shown.values()].filter((f) => f.properties.type === metric) : [];
    this.source(HEAT_SOURCE)?.setData({ type: 'FeatureCollection', features }).catch(logFailure);
  }

  private showIncidents(): void {
    if (!this.loaded || !this.base) return;
    this.source(INCIDENT_SOURCE)?.setData(incidentZones(this.base.districts, this.incidentsByZone)).catch(logFailure);
  }

  private source(id: string): GeoJSONSource | undefined {
    return this.map?.getSource<GeoJSONSource>(id);
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
    const source = this.loaded ? this.source(SENSOR_SOURCE) : undefined;
    if (!source) return;
    const next = this.batch.take(Date.now());
    if (!next) return;
    const version = this.renderLag.flushed();
    const done = next.kind === 'replace'
      ? source.setData({ type: 'FeatureCollection', features: next.features })
      : source.updateData({ add: next.add, remove: next.remove });
    done.then(() => this.renderLag.applied(version), logFailure);
    if (this.choice.visible.heatmap) this.flushHeat(next);
  }

  private flushHeat(next: SensorFlush): void {
    if (next.kind === 'replace') return this.refillHeat();
    const metric = this.choice.metric;
    const add = next.add.filter((f) => f.properties.type === metric);
    if (add.length > 0 || next.remove.length > 0) this.source(HEAT_SOURCE)?.updateData({ add, remove: next.remove }).catch(logFailure);
  }
}

function logFailure(err: unknown): void {
  console.error('ioc: map layer update failed', err);
}

/** localStorage, or nothing where the browser refuses it (sandboxed frames, some private modes). */
function localStorageOrNothing(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

customElements.define('ioc-wall-map', WallMap);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-wall-map': WallMap;
  }
}
