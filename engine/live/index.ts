// The live view: latest sensor states and firing alerts, as snapshot + deltas.
export { LiveView, type LiveSnapshot, type LiveUpdate, type LiveViewOptions, type SensorState } from './live-view.ts';
export { LIVE_HELLO_SUBJECT, LIVE_SENSORS_PREFIX, shareLiveView, type LiveSharing } from './share.ts';
