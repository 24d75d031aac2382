// The console's connection to the engine: the Watch stream over gRPC-web, kept
// open with reconnects and backoff.
export { exponentialBackoff, type BackoffOptions, type BackoffPolicy } from './backoff.ts';
export { ConsoleFeed, realClock, type Clock, type Connection, type FeedOptions, type WatchFn } from './console-feed.ts';
export { fromProto, grpcWebWatch } from './watch.ts';
