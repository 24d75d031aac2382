// `simulateHanoi`: the simulated city as an RxJS Observable, paced by a
// scheduler so tests run it in virtual time and `ioc simulate` in real time.
// One scheduled action per tick emits that tick's share of the rate; it must
// never create a timer or closure per event.

import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { IocEvent } from '../events/index.ts';
import { InvalidArgumentError } from '../errors/index.ts';
import { type FeedOptions, HanoiFeed } from './feed.ts';
import { checkScenarioOptions, defaultScenario } from './scenario.ts';
import { resolveSensorCounts } from './sensors.ts';

export interface SimulateOptions extends Omit<FeedOptions, 'start'> {
  /** Events per second, all kinds together. Default 200. */
  rate?: number;
  /** Paces the feed and stamps event times (`scheduler.now()`). Default: rxjs `asyncScheduler` (wall clock). */
  scheduler?: SchedulerLike;
  /** Milliseconds between ticks; each tick emits `rate × tickMs / 1000` events. Default 100. */
  tickMs?: number;
  /**
   * Added to `scheduler.now()` to get event times. Virtual-time schedulers
   * start at 0 (1970), which validation rejects: give them a real date here.
   * Default 0.
   */
  clockOffset?: number;
}

export const DEFAULT_RATE = 200;
export const DEFAULT_TICK_MS = 100;
/** After a stall (a blocked event loop), catch up at most this much backlog (seconds of rate), or two ticks' worth. */
const MAX_CATCH_UP_S = 1;

function checkOptions(opts: SimulateOptions): { rate: number; tickMs: number } {
  const rate = opts.rate ?? DEFAULT_RATE;
  const tickMs = opts.tickMs ?? DEFAULT_TICK_MS;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new InvalidArgumentError(`rate must be a positive number of events per second, got ${rate}`);
  if (!(tickMs >= 1) || !Number.isFinite(tickMs)) throw new InvalidArgumentError(`tickMs must be at least 1 ms, got ${tickMs}`);
  checkScenarioOptions({
    firstStormAfter: opts.firstStormAfter ?? defaultScenario.firstStormAfter,
    stormEvery: opts.stormEvery ?? defaultScenario.stormEvery,
    stormDuration: opts.stormDuration ?? defaultScenario.stormDuration,
  });
  resolveSensorCounts(opts.sensors);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new InvalidArgumentError(`seed must be an integer, got ${opts.seed}`);
  return { rate, tickMs };
}

/**
 * A realistic feed of Hanoi events: water levels, rain, PM2.5, traffic speeds
 * and 1022 hotline complaints, with storms that flood the low-lying districts
 * and smog between them. Cold: each subscription simulates its own city, the
 * same one for the same seed. Options are checked at call time
 * (InvalidArgumentError).
 *
 * @example
 * simulateHanoi({ rate: 500, seed: 7 }).subscribe((e) => bus.publishEvent(e));
 *
 * @example
 * // In a test, one simulated minute in a few milliseconds:
 * const scheduler = new VirtualTimeScheduler(VirtualAction, 60_000);
 * simulateHanoi({ scheduler, clockOffset: Date.UTC(2026, 6, 1, 3) }).subscribe(collect);
 * scheduler.flush();
 */
export function simulateHanoi(opts: SimulateOptions = {}): Observable<IocEvent> {
  const { rate, tickMs } = checkOptions(opts);
  return new Observable<IocEvent>((subscriber) => {
    const scheduler = opts.scheduler ?? asyncScheduler;
    const offset = opts.clockOffset ?? 0;
    let last = scheduler.now();
    const feed = new HanoiFeed({ ...opts, start: last + offset });
    let carry = 0;
    const maxDue = rate * Math.max(MAX_CATCH_UP_S, (2 * tickMs) / 1000);
    let pending: Subscription | undefined;
    const tick = (): void => {
      const now = scheduler.now();
      const due = Math.min(carry + (rate * (now - last)) / 1000, maxDue);
      last = now;
      const n = Math.floor(due);
      carry = due - n;
      feed.advance(now + offset);
      for (let i = 0; i < n && !subscriber.closed; i++) subscriber.next(feed.next());
      // A fresh action per tick rather than `this.schedule`: VirtualTimeScheduler
      // chains rescheduled actions, and unsubscribing a long chain overflows the stack.
      if (!subscriber.closed) pending = scheduler.schedule(tick, tickMs);
    };
    pending = scheduler.schedule(tick, tickMs);
    return () => pending?.unsubscribe();
  });
}
