// Scale-out: which partition an event belongs to, and which engine process
// owns which partitions (leases on a shared board, NATS KV in production).
export { fnv1a, partitionOf } from './partition.ts';
export { partitionsOf, planOwnership } from './plan.ts';
export type { Lease, LeaseBoard, MemberInfo } from './board.ts';
export { openKvBoard, type KvBoardOptions } from './kv-board.ts';
export { MemoryBoard } from './memory-board.ts';
export { PartitionOwnership, type OwnershipHandlers, type OwnershipOptions, type RevokeReason, type RoundResult } from './ownership.ts';
export { cityRules, combinedRules, isCombined, isPartitionLocal, rulesForPartition, streamCityRules } from './partition-rules.ts';
export { CityCombine, type CombineCounts, type PartialReport } from './city-combine.ts';
export { CityCombiner, COMBINER_CONSUMER, encodeReport, parseReport, partialsSubject, PARTIALS_STREAM, type CityCombinerOptions } from './city-combiner.ts';
export { CITY_CONSUMER, partitionSource, partitionSubject, Router, ROUTER_CONSUMER, type RouterOptions } from './router.ts';
export { PartitionedPipeline, type PartitionedPipelineOptions } from './partitioned-pipeline.ts';
export { formatClusterStatus, readClusterStatus, type ClusterStatus, type PartitionStatus } from './status.ts';
