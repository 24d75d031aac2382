import { Observable, take, toArray, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.ts';
import { type IocEvent, validateEvent } from '../events/index.ts';
import { LOW_LYING_DISTRICTS } from './hanoi-places.ts';
import { defaultScenario, Scenario } from './scenario.ts';
import { simulateHanoi, type SimulateOptions } from './simulate.ts';

/** 10:00 in Hanoi: no rush hour, so congestion in these tests can only come from floods. */
const T0 = Date.UTC(2026, 6, 15, 3, 0, 0);

/** Runs the simulator in virtual time for `ms` and hands each event to `onEvent`. */
function runVirtual(opts: SimulateOptions, ms: number, onEvent: (e: IocEvent) => void): void {
  const scheduler = new VirtualTimeScheduler(VirtualAction, ms);
  const sub = simulateHanoi({ ...opts, scheduler, clockOffset: T0 }).subscribe(onEvent);
  scheduler.flush();
  sub.unsubscribe();
}

function collect(opts: SimulateOptions, ms: number): IocEvent[] {
  const out: IocEvent[] = [];
  runVirtual(opts, ms, (e) => out.push(e));
  return out;
}

describe('simulateHanoi pacing', () => {
  it('respects the rate over a simulated minute, counted by event time', () => {
    for (const [rate, tickMs] of [[7, 100], [137, 100], [5_000, 100], [50, 2_000]] as const) {
      const events = collect({ rate, tickMs, seed: 1 }, 60_000);
      const inMinute = events.filter((e) => e.time > T0 && e.time <= T0 + 60_000).length;
      expect(Math.abs(inMinute - rate * 60), `rate ${rate} every ${tickMs} ms`).toBeLessThanOrEqual(1);
    }
  });

  it('stamps events with scheduler.now() plus the clock offset', () => {
    const events = collect({ rate: 50, tickMs: 250 }, 1_000);
    expect([...new Set(events.map((e) => e.time - T0))]).toEqual([250, 500, 750, 1_000]);
  });

  it('works under TestScheduler.run with marbles', () => {
    const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    ts.run(({ expectObservable }) => {
      const times = new Observable<number>((sub) =>
        simulateHanoi({ rate: 20, scheduler: ts, clockOffset: T0 })
          .pipe(take(3))
          .subscribe({ next: (e) => sub.next(e.time - T0), complete: () => sub.complete() }),
      );
      // Two events per 100 ms tick at 20 events/s.
      expectObservable(times).toBe('100ms (ab) 96ms (c|)', { a: 100, b: 100, c: 200 });
    });
  });

  it('stops ticking once the subscriber leaves', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    let got: IocEvent[] = [];
    simulateHanoi({ rate: 10, scheduler, clockOffset: T0 }).pipe(take(25), toArray()).subscribe((es) => (got = es));
    // With an unbounded virtual clock, flush only returns if no tick is left scheduled.
    scheduler.flush();
    expect(got).toHaveLength(25);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('rejects bad options when called, not when subscribed', () => {
    expect(() => simulateHanoi({ rate: 0 })).toThrow(InvalidArgumentError);
    expect(() => simulateHanoi({ rate: Number.NaN })).toThrow(/rate/);
    expect(() => simulateHanoi({ tickMs: 0 })).toThrow(/tickMs/);
    expect(() => simulateHanoi({ stormEvery: 1_000, stormDuration: 5_000 })).toThrow(/stormEvery/);
    expect(() => simulateHanoi({ sensors: -2 })).toThrow(/sensors/);
    expect(() => simulateHanoi({ seed: 1.5 })).toThrow(/seed/);
  });
});

describe('simulateHanoi determinism and validity', () => {
  it('produces the same events for the same seed, and others for another seed', () => {
    const a = collect({ rate: 100, seed: 7 }, 30_000);
    const b = collect({ rate: 100, seed: 7 }, 30_000);
    const c = collect({ rate: 100, seed: 8 }, 30_000);
    expect(a.length).toBe(3_000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('emits only events that validation accepts, with unique ids per source', () => {
    const seen = new Set<string>();
    const rejected: string[] = [];
    let n = 0;
    // Long enough to include a storm and its hotline complaints.
    runVirtual({ rate: 200, seed: 3 }, 120_000, (e) => {
      n++;
      const r = validateEvent(JSON.parse(JSON.stringify(e)), { now: () => e.time, maxFutureMs: 0 });
      if (!r.ok) rejected.push(`${e.id}: ${r.rejection.detail}`);
      else expect(r.event).toEqual(e);
      seen.add(`${e.source}/${e.id}`);
    });
    expect(rejected).toEqual([]);
    expect(seen.size).toBe(n);
  });

  it('never reuses an id across two runs started at different times', () => {
    const first = collect({ rate: 10, seed: 1 }, 2_000);
    const scheduler = new VirtualTimeScheduler(VirtualAction, 2_000);
    const second: IocEvent[] = [];
    simulateHanoi({ rate: 10, seed: 1, scheduler, clockOffset: T0 + 3_600_000 }).subscribe((e) => second.push(e));
    scheduler.flush();
    const ids = new Set(first.map((e) => e.id));
    expect(second.some((e) => ids.has(e.id))).toBe(false);
  });
});

describe('simulateHanoi weather', () => {
  // One full cycle: the first storm, the dry spell with its smog, up to the next storm.
  const seed = 11;
  const scenario = new Scenario({ seed, start: T0, ...defaultScenario });
  const storm = scenario.storm(0);
  const smog = scenario.smog(0);
  const nextStorm = scenario.storm(1);
  const settled = storm.end + 150_000;

  interface Extremes { water: number; rain: number; speed: number; pm: number; floodCalls: number }
  const fresh = (): Extremes => ({ water: 0, rain: 0, speed: Infinity, pm: 0, floodCalls: 0 });
  const during = new Map<string, Extremes>();
  const afterStorm = new Map<string, Extremes>();
  const afterSmog = new Map<string, Extremes>();
  const beforeStorm = new Map<string, Extremes>();
  const smogPeak = new Map<string, Extremes>();

  const note = (m: Map<string, Extremes>, e: IocEvent) => {
    let x = m.get(e.zone!);
    if (!x) m.set(e.zone!, (x = fresh()));
    const v = e.value ?? 0;
    if (e.type === 'water.level') x.water = Math.max(x.water, v);
    else if (e.type === 'weather.rain') x.rain = Math.max(x.rain, v);
    else if (e.type === 'traffic.speed') x.speed = Math.min(x.speed, v);
    else if (e.type === 'aq.pm25') x.pm = Math.max(x.pm, v);
    else if (e.type === 'service.hotline' && e.attrs.category === 'flood') x.floodCalls++;
  };
  beforeAll(() => {
    runVirtual({ rate: 300, seed }, nextStorm.start - 1 - T0, (e) => {
      if (e.time < storm.start) note(beforeStorm, e);
      if (e.time >= storm.start && e.time < storm.end + 60_000) note(during, e);
      if (e.time >= settled) note(afterStorm, e);
      if (e.time >= smog.start && e.time < smog.end) note(smogPeak, e);
      if (e.time >= smog.end) note(afterSmog, e);
    });
  });
  const all = (m: Map<string, Extremes>) => [...m.values()];

  it('starts calm', () => {
    for (const x of all(beforeStorm)) {
      expect(x.water).toBeLessThan(1.5);
      expect(x.rain).toBe(0);
      expect(x.speed).toBeGreaterThanOrEqual(10);
      expect(x.pm).toBeLessThan(150.5);
    }
  });

  it.each(LOW_LYING_DISTRICTS)('floods %s in a storm: heavy rain, water >= 2.0 m, traffic < 10 km/h, flood calls', (zone) => {
    const x = during.get(zone)!;
    expect(x.rain).toBeGreaterThanOrEqual(50);
    expect(x.water).toBeGreaterThanOrEqual(2.0);
    expect(x.speed).toBeLessThan(10);
    expect(x.floodCalls).toBeGreaterThan(0);
  });

  it('raises water to the high band (>= 1.5 m) elsewhere, but to critical only in low-lying districts', () => {
    const high = [...during].filter(([z, x]) => !LOW_LYING_DISTRICTS.includes(z) && x.water >= 1.5);
    expect(high.length).toBeGreaterThanOrEqual(3);
    for (const [, x] of high) expect(x.water).toBeLessThan(2.0);
  });

  it('lets everything fall back below the thresholds after the storm', () => {
    expect(afterStorm.size).toBe(30);
    for (const [zone, x] of afterStorm) {
      expect(x.water, zone).toBeLessThan(1.5);
      expect(x.rain, zone).toBeLessThan(50);
      expect(x.speed, zone).toBeGreaterThanOrEqual(10);
      expect(x.floodCalls, zone).toBe(0);
    }
  });

  it('brings smog between storms: > 150.5 in the episode districts, > 250.5 in the hazardous one, nowhere else', () => {
    for (const [zone, peak] of smog.peaks) {
      const pm = smogPeak.get(zone)!.pm;
      expect(pm, zone).toBeGreaterThan(150.5);
      if (peak > 250.5) expect(pm, zone).toBeGreaterThan(250.5);
      else expect(pm, zone).toBeLessThan(250.5);
    }
    for (const [zone, x] of smogPeak) if (!smog.peaks.has(zone)) expect(x.pm, zone).toBeLessThan(150.5);
    for (const [zone, x] of afterSmog) expect(x.pm, zone).toBeLessThan(150.5);
  });
});
