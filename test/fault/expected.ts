// What the rules must have fired on exactly the accepted events: the backtest
// (isolated runtimes, same lateness as the engine) over the feed's events,
// decoded by the engine's own decoder. Feed time only grows, so time order is
// stream order, and the backtest's end watermark is the engine's final one.

import type { Alert } from '../../engine/alerts/index.ts';
import { compileRuleTexts, runBacktest, type EventSource } from '../../engine/backtest/index.ts';
import { decodeEvent, type IocEvent } from '../../engine/events/index.ts';
import { feedEvent, STEP_MS } from './feed.ts';

const encoder = new TextEncoder();

/** The feed's events `0 … accepted-1` as the engine decodes them, in batches. */
function feedSource(t0: number, accepted: number): EventSource {
  return {
    async *read() {
      for (let from = 0; from < accepted; from += 1000) {
        const batch: IocEvent[] = [];
        for (let i = from; i < Math.min(accepted, from + 1000); i++) {
          const raw = feedEvent(t0, i);
          const d = decodeEvent(encoder.encode(JSON.stringify(raw)), undefined, `ioc.events.${raw.type}`);
          if (!d.ok) throw new Error(`feed event ${i} does not decode: ${d.rejection.detail}`);
          batch.push(d.event);
        }
        yield batch;
      }
    },
    close: async () => undefined,
  };
}

/**
 * Every firing and resolved change the rules make over the accepted events.
 * `to` is one past the last event time, so the end watermark is the last
 * event time minus the lateness: where the live engine's stands once it has
 * read everything (idle advance off).
 */
export async function expectedAlerts(o: { rules: string; t0: number; accepted: number; allowedLatenessMs: number }): Promise<Alert[]> {
  const { rules, diagnostics } = compileRuleTexts([{ name: 'fault.yaml', text: o.rules }], new Map());
  if (diagnostics.length > 0) throw new Error(`fault rules do not compile: ${JSON.stringify(diagnostics)}`);
  const out: Alert[] = [];
  const last = o.t0 + (o.accepted - 1) * STEP_MS;
  await runBacktest({
    source: feedSource(o.t0, o.accepted),
    range: { from: o.t0, to: last + 1 },
    candidate: rules,
    allowedLatenessMs: o.allowedLatenessMs,
    onAlert: (_run, a) => out.push(a),
  });
  return out;
}
