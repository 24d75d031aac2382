// The console's connections to the engine: streams over gRPC-web kept open with
// reconnects and backoff, and one connection state for the page.
export { exponentialBackoff, type BackoffOptions, type BackoffPolicy } from './backoff.ts';
export { ConnectionBoard, type ConnectionPhase, type ConnectionSummary, type FeedState } from './connection-board.ts';
export { ConsoleFeed, type FeedOptions, type WatchFn } from './console-feed.ts';
export { engineClient, useCredentials, type CredentialSource } from './credentials.ts';
export { KeptStream, realClock, type Clock, type Connection, type KeptStreamOptions, type UpdateOutcome } from './kept-stream.ts';
export { fromProto, grpcWebWatch } from './watch.ts';
