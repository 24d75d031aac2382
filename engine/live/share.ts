// Scale-out: each engine process runs the partitions it owns, so its own
// events cover only their sensors, while an operator's console may be
// connected to any process. So every process shares the sensor changes its
// own events made (coalesced: at most one message per live-view flush,
// chunked) on `ioc.live.sensors.<process>`, and applies everyone else's.
// A process that starts says hello (`ioc.live.hello`) and each peer answers
// with the sensors its events have reported.
//
// Core NATS, not JetStream: the live picture is a cache of what the event
// stream says. A lost message costs one stale dot until that sensor's next
// reading; alerts (what operators act on) come from IOC_ALERTS, city-wide.

import { hostname } from 'node:os';
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../log/index.ts';
import type { LiveView, SensorState } from './live-view.ts';

export const LIVE_SENSORS_PREFIX = 'ioc.live.sensors.';
export const LIVE_HELLO_SUBJECT = 'ioc.live.hello';
/** Sensors per message: far below NATS's default 1 MB payload limit. */
const CHUNK = 2000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface LiveSharing {
  /** For LiveView's `share` option: sends this process's changes to the others. */
  publish(changed: SensorState[]): void;
  /** Starts applying the others' changes and says hello; call once the live view exists. */
  attach(live: LiveView): void;
  stop(): void;
}

/**
 * @example
 * const sharing = shareLiveView(nc, log);
 * const live = new LiveView({ share: (c) => sharing.publish(c) });
 * sharing.attach(live);
 */
export function shareLiveView(nc: NatsConnection, log: Logger, id = `${hostname()}-${process.pid}-${Date.now().toString(36)}`): LiveSharing {
  const subject = `${LIVE_SENSORS_PREFIX}${id.replace(/[^-\w]/g, '_')}`;
  const subs: Subscription[] = [];
  const send = (states: SensorState[]) => {
    for (let i = 0; i < states.length; i += CHUNK) {
      try {
        nc.publish(subject, encoder.encode(JSON.stringify(states.slice(i, i + CHUNK))));
      } catch (err) {
        // Disconnected: the next flush carries newer states anyway.
        log.debug({ err: String(err) }, 'live sensor changes not shared');
        return;
      }
    }
  };
  return {
    publish: send,
    attach(live) {
      subs.push(nc.subscribe(`${LIVE_SENSORS_PREFIX}>`, {
        callback: (err, m) => {
          if (err || m.subject === subject) return;
          try {
            const states = JSON.parse(decoder.decode(m.data)) as unknown;
            if (Array.isArray(states)) live.applyRemote(states as SensorState[]);
          } catch (e) {
            log.warn({ subject: m.subject, err: String(e) }, 'unreadable live sensor changes from another process; ignored');
          }
        },
      }));
      subs.push(nc.subscribe(LIVE_HELLO_SUBJECT, {
        callback: (err, m) => {
          if (err || decoder.decode(m.data) === subject) return;
          send(live.ownStates());
        },
      }));
      nc.publish(LIVE_HELLO_SUBJECT, encoder.encode(subject));
    },
    stop() {
      for (const s of subs) s.unsubscribe();
    },
  };
}
