// The event pipeline: stream in, rules, alerts and rows out, acknowledged only when durable.
export { checkpointKey, Pipeline, type PipelineOptions } from './pipeline.ts';
export { retrying, StoppedError, type RetryPolicy } from './retry.ts';
export { decodeMessage } from './decode-message.ts';
export { SnapshotStore, type Snapshot } from './snapshots.ts';
export { readFromCheckpoint, type ReadFromCheckpointOptions } from './read-from-checkpoint.ts';
