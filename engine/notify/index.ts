// Notifications: receiver configuration, templates, the outbox (memory or
// NATS KV) and the dispatcher that delivers incident notifications by webhook
// or NATS. Code outside this folder imports only from here; nothing here
// decides whether a notification is due (engine/incidents does).
export { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.ts';
export { classifyStatus, payloadFor, type NotificationPayload, type Publish } from './deliver.ts';
export { NotificationDispatcher, type DispatcherOptions } from './dispatcher.ts';
export { DEFAULT_OUTBOX_BUCKET, KvOutbox, type KvOutboxOptions } from './kv-outbox.ts';
export { DEFAULT_DELIVERED_RETENTION_MS, MemoryOutbox, type ClaimResult, type Outbox, type OutboxOutcome, type PendingNotification } from './outbox.ts';
export { DEFAULT_WEBHOOK_TIMEOUT_MS, receiverSchema, receiversSchema, type ReceiverConfig, type ReceiverInput } from './receiver-schema.ts';
export { DEFAULT_SIGNATURE_TOLERANCE_MS, signPayload, verifySignature, type SignedRequest } from './signature.ts';
export { checkTemplate, DEFAULT_BODIES, DEFAULT_TITLES, NOTIFICATION_VARS, renderTemplate, type NotificationVar, type NotifyLocale } from './templates.ts';
