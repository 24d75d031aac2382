// The stateful rule runtime: event-time windows, aggregates, for/clear,
// absence, sequences, dedup and throttling, with snapshots and hot reload.
// Pure and synchronous; the pipeline feeds it and publishes what it returns.
export type { LatePolicy, ProcessResult, ReloadReport, RuleRuntime, RuntimeCounters, RuntimeOptions } from './api.ts';
export { createRuleRuntime, DEFAULT_ALLOWED_LATENESS_MS, Runtime } from './runtime.ts';
export { QuantileSketch, SKETCH_ALPHA } from './sketch.ts';
export type { PanePartial, PartialRow } from './windowed.ts';
