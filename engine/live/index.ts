// The live view: latest sensor states and firing alerts, as snapshot + deltas.
export { LiveView, type LiveSnapshot, type LiveUpdate, type LiveViewOptions, type SensorState } from './live-view.ts';
