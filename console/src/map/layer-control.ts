// <ioc-layer-control>: the switches of the map's layers and the heatmap's metric,
// with the key to stale sensors. Shows the choice it is given and sends the
// operator's changes up as events; it never touches the map or the storage.

import { css, html, LitElement } from 'lit';
import { t } from '../i18n/index.ts';
import type { Lang } from '../state/index.ts';
import { mapLayers, type LayerChoice, type MapLayer } from './layer-prefs.ts';
import { heatMetrics, sensorTypes, STALE_AFTER_INTERVALS } from './sensor-types.ts';

/** `layer-toggle`: the operator flipped one layer. */
export type LayerToggleEvent = CustomEvent<{ layer: MapLayer }>;
/** `metric-change`: the operator chose the heatmap's metric. */
export type MetricChangeEvent = CustomEvent<{ metric: string }>;

export class LayerControl extends LitElement {
  static override properties = {
    choice: { attribute: false },
    lang: { type: String },
  };

  static override styles = css`
    :host { display: block; padding: 8px 12px; background: rgba(6, 10, 18, 0.88); border: 1px solid #1d2a42; border-radius: 4px;
      color: #9fb3d1; font-size: 13px; }
    fieldset { border: 0; margin: 0; padding: 0; display: grid; gap: 4px; }
    legend { padding: 0 0 4px; font-weight: 600; color: #dbe4f3; }
    label { display: flex; align-items: center; gap: 6px; cursor: pointer; }
    label.nested { padding-left: 20px; }
    select { font: inherit; color: #dbe4f3; background: #14203a; border: 1px solid #2a3d5e; border-radius: 3px; margin-left: 20px; }
    select:disabled, label.off { opacity: 0.5; }
    .stale { display: flex; align-items: center; gap: 6px; margin: 6px 0 0; font-size: 12px; color: #6b7f9f; }
    .ring { width: 8px; height: 8px; border-radius: 50%; border: 1.5px solid #8b97ab; }
  `;

  declare choice: LayerChoice | undefined;
  declare lang: Lang;

  constructor() {
    super();
    this.choice = undefined;
    this.lang = 'vi';
  }

  override render() {
    const choice = this.choice;
    if (!choice) return html``;
    const lang = this.lang;
    return html`
      <fieldset>
        <legend>${t('map.layers', lang)}</legend>
        ${mapLayers.map((layer) => {
          const off = layer === 'clusters' && !choice.visible.sensors;
          return html`<label class=${`${layer === 'clusters' ? 'nested' : ''} ${off ? 'off' : ''}`}>
            <input type="checkbox" data-layer=${layer} .checked=${choice.visible[layer]} ?disabled=${off}
              @change=${() => this.send('layer-toggle', { layer })}>${t(`map.layer.${layer}`, lang)}</label>`;
        })}
        <select aria-label=${t('map.metric', lang)} ?disabled=${!choice.visible.heatmap}
          @change=${(e: Event) => this.send('metric-change', { metric: (e.target as HTMLSelectElement).value })}>
          ${heatMetrics.map((m) => html`<option value=${m} ?selected=${m === choice.metric}>${sensorTypes[m]!.heat!.label[lang]}</option>`)}
        </select>
      </fieldset>
      <p class="stale"><span class="ring"></span>${t('map.stale', lang, { n: STALE_AFTER_INTERVALS })}</p>
    `;
  }

  private send(type: 'layer-toggle' | 'metric-change', detail: { layer: MapLayer } | { metric: string }): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

customElements.define('ioc-layer-control', LayerControl);

declare global {
  interface HTMLElementTagNameMap {
    'ioc-layer-control': LayerControl;
  }
}
