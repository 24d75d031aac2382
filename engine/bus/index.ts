// The message bus: NATS JetStream for real deployments, an in-process bus for
// the embedded demo. Everything else talks to the `Bus` interface only.
export type { Bus, ConsumeOptions, DeadLetter, EventSource, InboundMessage, PublishResult, StateStore, VersionedEntry, VersionedStore } from './bus.ts';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.ts';
export { kvKeys } from './kv-keys.ts';
export { connectNats, NatsBus, type NatsBusOptions } from './nats-bus.ts';
export { natsConnectError, natsSecurity, openNatsConnection, type NatsSecurity } from './nats-connection.ts';
