// Prometheus metrics of one engine instance. Each engine owns its registry so
// several engines can run in one process (tests) without sharing counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** Creates the engine's metrics in a fresh registry. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ioc_process_' });
  const reg = [registry];
  return {
    registry,
    eventsIn: new Counter({ name: 'ioc_events_in_total', help: 'Messages read from the event stream.', registers: reg }),
    eventsAccepted: new Counter({ name: 'ioc_events_accepted_total', help: 'Events that passed validation.', labelNames: ['via'] as const, registers: reg }),
    eventsRejected: new Counter({ name: 'ioc_events_rejected_total', help: 'Events rejected, by reason.', labelNames: ['reason', 'via'] as const, registers: reg }),
    eventsSkipped: new Counter({ name: 'ioc_events_skipped_total', help: 'Redelivered events already committed before a restart.', registers: reg }),
    eventsReplayed: new Counter({ name: 'ioc_events_replayed_total', help: 'Events replayed into the rules after a restart (from the state snapshot to the checkpoint), effects suppressed.', registers: reg }),
    watermarkLag: new Gauge({ name: 'ioc_watermark_lag_seconds', help: 'Wall clock minus the rules\' event-time watermark.', registers: reg }),
    snapshotBytes: new Gauge({ name: 'ioc_state_snapshot_bytes', help: 'Compressed size of the last rule state snapshot.', registers: reg }),
    reloads: new Counter({ name: 'ioc_rules_reloads_total', help: 'Rule reloads, by result (ok: every file applied; partial: some files kept their previous version).', labelNames: ['result'] as const, registers: reg }),
    eventsStored: new Counter({ name: 'ioc_events_stored_total', help: 'Event rows written to storage.', registers: reg }),
    alerts: new Counter({ name: 'ioc_alerts_total', help: 'Alert state changes, by severity and state.', labelNames: ['severity', 'state'] as const, registers: reg }),
    alertsFiring: new Gauge({ name: 'ioc_alerts_firing', help: 'Alerts firing now.', registers: reg }),
    ruleErrors: new Counter({ name: 'ioc_rule_errors_total', help: 'Rule evaluations that failed at run time.', labelNames: ['rule'] as const, registers: reg }),
    rulesLoaded: new Gauge({ name: 'ioc_rules_loaded', help: 'Rules loaded and enabled.', registers: reg }),
    batchSeconds: new Histogram({
      name: 'ioc_store_batch_seconds', help: 'Time to write one batch to storage, retries included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: reg,
    }),
    batchRows: new Histogram({ name: 'ioc_store_batch_rows', help: 'Rows per storage batch.', buckets: [1, 10, 100, 500, 1000, 5000, 10000, 50000], registers: reg }),
    storeRetries: new Counter({ name: 'ioc_store_retries_total', help: 'Storage writes retried because the server was unreachable.', registers: reg }),
    consumerLag: new Gauge({ name: 'ioc_consumer_lag', help: 'Events in the stream not yet delivered to the engine (JetStream num_pending).', registers: reg }),
    inFlight: new Gauge({ name: 'ioc_events_in_flight', help: 'Events read but not yet committed (acknowledged).', registers: reg }),
    incidents: new Gauge({ name: 'ioc_incidents', help: 'Incidents not resolved, by state (open, acknowledged) and type.', labelNames: ['state', 'type'] as const, registers: reg }),
    incidentChanges: new Counter({ name: 'ioc_incident_changes_total', help: 'Incident timeline entries, by kind (opened, acknowledged, escalated, sop.step.overdue, ...).', labelNames: ['kind'] as const, registers: reg }),
    incidentConflicts: new Counter({ name: 'ioc_incident_state_conflicts_total', help: 'Incident state writes that lost a compare-and-set to another engine process (the state was reloaded).', registers: reg }),
    notifications: new Counter({ name: 'ioc_notification_attempts_total', help: 'Notification delivery attempts, by receiver and result (ok, failed).', labelNames: ['receiver', 'result'] as const, registers: reg }),
    // Scale-out (cluster.partitions > 0): routing and partition ownership.
    eventsRouted: new Counter({ name: 'ioc_events_routed_total', help: 'Events routed from IOC_EVENTS to their partition subject (by this process while it held the router slot).', registers: reg }),
    cityPanes: new Counter({ name: 'ioc_city_panes_total', help: 'Panes of city-wide windows the city slot received from partitions, by outcome: absorbed (merged), repeated (a partition replayed after a restart), late (its windows had closed; a partition joined late), unknown (another version of the rules), invalid (could not be merged).', labelNames: ['outcome'] as const, registers: reg }),
    checkpointsFenced: new Counter({ name: 'ioc_checkpoints_fenced_total', help: 'Partition commits refused because another process had taken the partition\'s checkpoint (this process kept running it after losing it); nothing was acknowledged.', registers: reg }),
    partitionsOwned: new Gauge({ name: 'ioc_partitions_owned', help: 'Partitions this process owns (the router slot not counted).', registers: reg }),
    partitionChanges: new Counter({ name: 'ioc_partition_changes_total', help: 'Partitions this process took or gave up, by change (assigned, rebalanced, lost, stopping).', labelNames: ['change'] as const, registers: reg }),
    partitionLag: new Gauge({ name: 'ioc_partition_lag', help: 'Events of an owned partition not yet delivered to its consumer.', labelNames: ['partition'] as const, registers: reg }),
    ingestCalls: new Counter({ name: 'ioc_grpc_calls_total', help: 'gRPC and gRPC-web calls, by method and status code.', labelNames: ['method', 'code'] as const, registers: reg }),
  };
}
