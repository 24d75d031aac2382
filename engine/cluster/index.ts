// Scale-out: which partition an event belongs to, and which engine process
// owns which partitions (leases on a shared board, NATS KV in production).
export { fnv1a, partitionOf } from './partition.ts';
export { partitionsOf, planOwnership } from './plan.ts';
export type { Lease, LeaseBoard, MemberInfo } from './board.ts';
export { openKvBoard, type KvBoardOptions } from './kv-board.ts';
export { MemoryBoard } from './memory-board.ts';
export { PartitionOwnership, type OwnershipHandlers, type OwnershipOptions, type RevokeReason, type RoundResult } from './ownership.ts';
export { cityRules, isPartitionLocal, rulesForPartition } from './partition-rules.ts';
export { CITY_CONSUMER, partitionSource, partitionSubject, Router, ROUTER_CONSUMER, type RouterOptions } from './router.ts';
export { PartitionedPipeline, type PartitionedPipelineOptions } from './partitioned-pipeline.ts';
export { formatClusterStatus, readClusterStatus, type ClusterStatus, type PartitionStatus } from './status.ts';
