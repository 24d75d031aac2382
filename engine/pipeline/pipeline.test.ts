// The pipeline's commit logic on the in-process bus and in-memory stores (our
// own interfaces). The same logic against real NATS and ClickHouse is covered
// in test/engine.*.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/index.ts';
import { UnavailableError } from '../errors/index.ts';
import type { IocEvent } from '../events/index.ts';
import { hanoiDistricts, ZoneLocator } from '../geo/index.ts';
import { LiveView } from '../live/index.ts';
import { silentLogger } from '../log/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { compileRuleText } from '../rules/index.ts';
import { createRuleRuntime } from '../runtime/index.ts';
import { MemoryStore, type StoredEvent } from '../store/index.ts';
import { checkpointKey, Pipeline } from './index.ts';

const NOW = Date.parse('2026-07-01T08:00:00Z');
const RULES = `
rules:
  - id: flood.critical
    title: { vi: "Ngập", en: "Flood" }
    on: water.level
    where: e.value >= 2.0
    severity: critical
`;
const compiled = compileRuleText(RULES, 'test.yaml');
if (compiled.diagnostics.length > 0) throw new Error(JSON.stringify(compiled.diagnostics));

class FlakyStore extends MemoryStore {
  failuresLeft = 0;
  refuse = new Set<string>();
  inserts = 0;
  override async insertEvents(rows: readonly StoredEvent[]): Promise<void> {
    this.inserts++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new UnavailableError('connect ECONNREFUSED');
    }
    const bad = rows.find((r) => this.refuse.has(r.id));
    if (bad) throw new Error(`Code: 252. DB::Exception: Too many partitions for single INSERT block (row ${bad.id})`);
    return super.insertEvents(rows);
  }
}

const running: { pipeline: Pipeline; live: LiveView }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.pipeline.stop(100);
    r.live.close();
  }
});

function start(bus: MemoryBus, store: MemoryStore, zones: ZoneLocator = new ZoneLocator(hanoiDistricts()), snapshotEveryMs = 60_000, fence = false) {
  const live = new LiveView();
  const metrics = createMetrics({ defaultMetrics: false });
  const runtime = createRuleRuntime(compiled.rules, { now: () => NOW });
  const pipeline = new Pipeline({
    bus, store, runtime, zones, live, metrics, log: silentLogger(), validate: { now: () => NOW, maxFutureMs: 60_000 }, consumer: 'test',
    batch: 100, maxAckPending: 1000, batchRows: 50, flushMs: 10, retryMaxMs: 20, idleAdvanceMs: 0, snapshotEveryMs, now: Date.now, fence,
  });
  running.push({ pipeline, live });
  return { pipeline, metrics, live, runtime };
}

const ev = (i: number, value = 1, extra: Partial<IocEvent> = {}): IocEvent => ({
  id: `e-${i}`, type: 'water.level', source: `wl-${i % 3}`, time: NOW - 10_000 + i, value, lat: 20.98, lon: 105.86, attrs: {}, ...extra,
});

async function checkpointOf(bus: MemoryBus): Promise<number | undefined> {
  const raw = await bus.state.get(checkpointKey('test'));
  return raw ? (JSON.parse(new TextDecoder().decode(raw)) as { seq: number }).seq : undefined;
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Pipeline', () => {
  it('stores events with their zone, publishes alerts, and checkpoints what it committed', async () => {
    const bus = new MemoryBus();
    const store = new MemoryStore();
    const alerts: string[] = [];
    bus.alerts().subscribe((a) => alerts.push(`${a.key}:${a.state}`));
    await start(bus, store).pipeline.start();
    for (let i = 0; i < 30; i++) await bus.publishEvent(ev(i, i === 4 ? 2.5 : 1));
    await until(() => store.events().length === 30, '30 rows');
    expect(store.events()[0]!.zone).toBe('hoang-mai');
    expect(store.events().map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await until(() => alerts.length === 2, 'fire and resolve');
    expect(alerts).toEqual(['wl-1:firing', 'wl-1:resolved']);
    await until(async () => (await checkpointOf(bus)) === 30, 'checkpoint 30');
  });

  it('retries while storage is unavailable and then stores each event once', async () => {
    const bus = new MemoryBus();
    const store = new FlakyStore();
    store.failuresLeft = 3;
    const { pipeline, metrics } = start(bus, store);
    await pipeline.start();
    for (let i = 0; i < 10; i++) await bus.publishEvent(ev(i));
    await until(() => store.events().length === 10, '10 rows');
    expect((await metrics.storeRetries.get()).values[0]!.value).toBe(3);
    expect(new Set(store.events().map((e) => e.id)).size).toBe(10);
  });

  it('sends rows that storage refuses to ioc.dlq.storage_rejected and stores the rest', async () => {
    const bus = new MemoryBus();
    const store = new FlakyStore();
    store.refuse.add('e-7');
    await start(bus, store).pipeline.start();
    for (let i = 0; i < 20; i++) await bus.publishEvent(ev(i));
    await until(() => bus.deadLetters.length === 1, 'one dead letter');
    expect(bus.deadLetters[0]!.rejection).toMatchObject({ reason: 'storage_rejected', id: 'e-7' });
    expect(bus.deadLetters[0]!.rejection.detail).toContain('Too many partitions');
    expect(JSON.parse(new TextDecoder().decode(bus.deadLetters[0]!.data)).id).toBe('e-7');
    await until(() => store.events().length === 19, '19 rows');
  });

  it('dead-letters bad messages and keeps going', async () => {
    const bus = new MemoryBus();
    const store = new MemoryStore();
    await start(bus, store).pipeline.start();
    await bus.publishRaw('ioc.events.water.level', Buffer.from('{not json'));
    await bus.publishEvent(ev(1));
    await until(() => store.events().length === 1 && bus.deadLetters.length === 1, 'one row, one dead letter');
    expect(bus.deadLetters[0]!.rejection.reason).toBe('malformed_json');
  });

  it('stops with the error when processing itself fails, acknowledging nothing after it', async () => {
    const bus = new MemoryBus();
    const store = new MemoryStore();
    let broken = false;
    const real = new ZoneLocator(hanoiDistricts());
    const zones = { zoneOf: (lat: number, lon: number) => {
      if (broken) throw new Error('a bug in the engine');
      return real.zoneOf(lat, lon);
    } } as unknown as ZoneLocator;
    const { pipeline } = start(bus, store, zones);
    await pipeline.start();
    await bus.publishEvent(ev(1));
    await until(() => store.events().length === 1, 'first row');
    await until(async () => (await checkpointOf(bus)) === 1, 'checkpoint 1');
    broken = true;
    await bus.publishEvent(ev(2));
    await pipeline.whenStopped();
    expect(pipeline.failure?.message).toBe('a bug in the engine');
    expect(store.events()).toHaveLength(1);
    expect(await checkpointOf(bus)).toBe(1);
  });

  it('after a crash, restores the last snapshot and replays to the checkpoint without repeating anything', async () => {
    const bus = new MemoryBus();
    const store = new MemoryStore();
    const alerts: string[] = [];
    bus.alerts().subscribe((a) => alerts.push(`${a.key}:${a.state}`));
    const first = start(bus, store, undefined, 100);
    await first.pipeline.start();
    await bus.publishEvent(ev(1, 3)); // wl-1 fires
    await until(async () => (await checkpointOf(bus)) === 1 && (await bus.state.get('snapshot.test')) !== undefined, 'checkpoint and snapshot at 1');
    const snapshotAt1 = await bus.state.entries('snapshot');
    await bus.publishEvent(ev(4, 3.1)); // wl-1 still critical
    await bus.publishEvent(ev(2, 2.5)); // wl-2 fires, after the snapshot
    await until(async () => (await checkpointOf(bus)) === 3 && alerts.length === 2, 'checkpoint 3');
    await first.pipeline.stop(100);
    // As if the engine had died before any later snapshot: only the one at seq 1 survives.
    for (const [k] of await bus.state.entries('snapshot')) await bus.state.delete(k);
    for (const [k, v] of snapshotAt1) await bus.state.put(k, v);

    const second = start(bus, store);
    await second.pipeline.start();
    await bus.publishEvent(ev(7, 0.5)); // wl-1 back to normal
    await bus.publishEvent(ev(5, 0.1)); // wl-2 back to normal
    await until(() => alerts.length === 4, `both resolved (got ${alerts.join(', ')}, rows ${store.events().map((e) => e.id).join(',')})`);
    expect(alerts).toEqual(['wl-1:firing', 'wl-2:firing', 'wl-1:resolved', 'wl-2:resolved']);
    await until(() => store.events().length === 5, 'five rows');
    expect(store.events().map((e) => e.id).sort()).toEqual(['e-1', 'e-2', 'e-4', 'e-5', 'e-7']);
    expect((await second.metrics.eventsReplayed.get()).values[0]!.value).toBe(2);
  });

  it('after a restart, neither re-fires alerts nor re-stores committed events', async () => {
    const bus = new MemoryBus();
    const store = new FlakyStore();
    const alerts: string[] = [];
    bus.alerts().subscribe((a) => alerts.push(`${a.key}:${a.state}`));
    const first = start(bus, store);
    await first.pipeline.start();
    await bus.publishEvent(ev(1, 3));
    await until(() => store.events().length === 1 && alerts.length === 1, 'first alert');
    await first.pipeline.stop(100);
    const insertsBefore = store.inserts;

    await start(bus, store).pipeline.start();
    await bus.publishEvent(ev(4, 3.1)); // same source wl-1, still critical
    await bus.publishEvent(ev(7, 0.5)); // wl-1 back to normal
    await until(() => store.events().length === 3, 'three rows');
    await until(() => alerts.length === 2, 'resolve');
    expect(alerts).toEqual(['wl-1:firing', 'wl-1:resolved']);
    expect(store.inserts - insertsBefore).toBeGreaterThan(0);
    expect(store.events().filter((e) => e.id === 'e-1')).toHaveLength(1);
  });

  it('fenced: a process that kept running a partition after another took it has its commit refused, stops without failing, and the checkpoint never moves back', async () => {
    const bus = new MemoryBus();
    const store = new MemoryStore();
    const zones = new ZoneLocator(hanoiDistricts());
    const old = start(bus, store, zones, 60_000, true);
    await old.pipeline.start();
    for (let i = 0; i < 5; i++) await bus.publishEvent(ev(i));
    await until(async () => (await checkpointOf(bus)) === 5, 'checkpoint 5');

    // The partition moves: the new owner takes the checkpoint while the old one still runs.
    const next = start(bus, store, zones, 60_000, true);
    await next.pipeline.start();
    const seen: number[] = [];
    for (let i = 5; i < 10; i++) await bus.publishEvent(ev(i));
    await until(async () => (await checkpointOf(bus)) === 10, 'checkpoint 10 from the new owner');
    await old.pipeline.whenStopped();
    seen.push((await checkpointOf(bus))!);
    expect(old.pipeline.failure).toBeUndefined();
    expect(await old.metrics.registry.getSingleMetricAsString('ioc_checkpoints_fenced_total')).toMatch(/ioc_checkpoints_fenced_total 1/);
    expect(await next.metrics.registry.getSingleMetricAsString('ioc_checkpoints_fenced_total')).toMatch(/ioc_checkpoints_fenced_total 0/);

    // The new owner goes on committing; nothing the old one does can move the checkpoint back.
    for (let i = 10; i < 15; i++) await bus.publishEvent(ev(i));
    await until(async () => (await checkpointOf(bus)) === 15, 'checkpoint 15');
    expect(seen).toEqual([10]);
    expect(next.pipeline.failure).toBeUndefined();
  });

  it('fenced: a checkpoint write that was stored but whose answer was lost is recognised as its own, not as a takeover', async () => {
    const bus = new MemoryBus();
    const store = new MemoryStore();
    const state = bus.state;
    let loseNext = false;
    const putIfRevision = state.putIfRevision.bind(state);
    // The next compare-and-set lands, but its answer never comes (a NATS leader change): the retry then finds a newer revision.
    state.putIfRevision = async (key, value, expected) => {
      const rev = await putIfRevision(key, value, expected);
      if (loseNext && key === checkpointKey('test')) {
        loseNext = false;
        throw new UnavailableError('TIMEOUT');
      }
      return rev;
    };
    const run = start(bus, store, new ZoneLocator(hanoiDistricts()), 60_000, true);
    await run.pipeline.start();
    await bus.publishEvent(ev(1));
    await until(async () => (await checkpointOf(bus)) === 1, 'checkpoint 1');
    loseNext = true;
    await bus.publishEvent(ev(2));
    await until(async () => (await checkpointOf(bus)) === 2 && !loseNext, 'checkpoint 2');
    await bus.publishEvent(ev(3));
    await until(async () => (await checkpointOf(bus)) === 3, 'checkpoint 3 (still running)');
    expect(store.events()).toHaveLength(3);
    expect(await run.metrics.registry.getSingleMetricAsString('ioc_checkpoints_fenced_total')).toMatch(/ioc_checkpoints_fenced_total 0/);
    expect(run.pipeline.failure).toBeUndefined();
  });
});
