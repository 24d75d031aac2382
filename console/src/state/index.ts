// The console's state: what it shows (types) and how Watch updates change it.
export { ConsoleState, type Applied } from './console-state.ts';
export { severities, severityRank, type AlertView, type FeedUpdate, type Lang, type Localized, type SensorView, type Severity } from './types.ts';
