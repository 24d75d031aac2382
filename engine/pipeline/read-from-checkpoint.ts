// The read loop of the stream readers that commit on their own (the router,
// the city combiner): read from just after the checkpoint until stopped; when
// a read ends (a delivery gap, a NATS error, a consumer that vanished), let
// the reader commit what it read, then read again from its new checkpoint.

import type { Bus, EventSource, InboundMessage } from '../bus/index.ts';
import { errorMessage } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';

export interface ReadFromCheckpointOptions {
  bus: Bus;
  source: EventSource;
  batch: number;
  maxInFlight: number;
  /** Stops reading (the loop ends after the current read settles). */
  signal: AbortSignal;
  /** The last sequence committed: each read starts right after it. */
  checkpoint(): number;
  onMessage(m: InboundMessage): void;
  /** After each read: commit what was read, so state and checkpoint agree again. */
  settle(): Promise<void>;
  log: Logger;
}

export async function readFromCheckpoint(o: ReadFromCheckpointOptions): Promise<void> {
  const { signal } = o;
  while (!signal.aborted) {
    try {
      await o.bus.consumeEvents({ startAfter: o.checkpoint(), batch: o.batch, maxInFlight: o.maxInFlight, signal, source: o.source }, o.onMessage);
    } catch (err) {
      if (signal.aborted) break;
      o.log.warn({ err: errorMessage(err), stream: o.source.stream, consumer: o.source.consumer }, 'reading the stream failed; resuming from the checkpoint');
      await new Promise((r) => setTimeout(r, 1000));
    }
    await o.settle();
  }
}
