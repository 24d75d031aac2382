// The wall map at city scale, everything real (issue 6, acceptance line 2): private
// nats-server and clickhouse-server, the engine (`ioc start`) serving the built
// console, 20,000 simulated Hanoi sensors given a first reading, then 2,000
// readings/s published to JetStream for 60 s, and headless Chromium (Debian's, WebGL
// on SwiftShader) showing them. The measurement lives in test/bench/console-load.ts,
// shared with `npm run bench`, so the test and the benchmark measure the same thing.
// It measures main-thread long tasks (PerformanceObserver 'longtask') and the
// update-to-render delay (an update reaching the map → the first frame drawn with
// it, console/src/map/render-lag.ts), and beside it the engine's part (reading
// published → its update reaching the map) and the CPU each process used, since
// on this 2-core machine the engine, the servers and Chromium share the CPU.
// It asserts loose bounds (CONSOLE_BOUNDS) that a regression from diffs to full
// redraws breaks: two on what the map is handed (features per update, whole-source
// setData calls), which no CPU load moves, always; the timing bounds only when
// other processes left the run the machine (they took > 0.5 core: printed, not judged).
// The last test forces full redraws and checks the bounds catch them.
// Measured here on 26 Nov 2026 (SwiftShader, 2 cores, other helpers' tests beside):
// - diffs, neighbours using 0.4 core: 2,000 readings/s reached the map at 2,002/s;
//   update-to-render p50 0.9 s, p95 8.5 s, max 12.4 s over 109 batches; long tasks
//   21% of the main thread, longest 0.76 s; published → map p50 0.2 s, p95 0.7 s, so
//   of the median published → drawn delay the engine is 18% and the page 82%. CPU:
//   Chromium 1.0 core, ClickHouse 0.32, engine 0.12, nats 0.06, publisher 0.07.
// - diffs, neighbours using ~1 core: p95 13.9–15.5 s, long tasks 31–33%, engine
//   p50 0.26–0.28 s; Chromium got 0.5 core.
// - full redraws forced (busy machine): p95 25 s, long tasks 52%, 11.8 features per
//   update and 71 setData calls in 60 s (10 s: 7 and 7); with the old scripted
//   server on a quieter machine, p95 ≈ 32 s and ~45%.
// One map frame under SwiftShader takes ~250 ms and a cluster refresh ~360 ms; a real GPU is far faster.

import { cpus } from 'node:os';
import type { GeoJSONSource } from 'maplibre-gl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IocEvent } from '../engine/events/index.ts';
import type { SimSensor } from '../engine/sim/index.ts';
import { boundViolations, formatConsoleFigures, machineBusy, startConsoleLoad, type ConsoleLoad } from './bench/console-load.ts';

const SENSORS = 20_000;
const RATE = 2_000;
const SECONDS = 60;

let load: ConsoleLoad;

beforeAll(async () => {
  load = await startConsoleLoad({ sensors: SENSORS, database: 'ioc_console_perf' });
}, 300_000);

afterAll(async () => {
  await load?.close();
});

/** A reading of one of the feed's sensors, now (or at `time`), with an id no other event has. */
function reading(sensor: SimSensor, value: number, time = Date.now()): IocEvent {
  return {
    id: `${sensor.id}-perf-${time}`, type: sensor.type, source: sensor.id, time, value, unit: sensor.unit,
    lat: sensor.lat, lon: sensor.lon, zone: sensor.zone, attrs: {},
  };
}

describe('the wall map at city scale, fed by the engine', () => {
  it(`stays responsive with ${SENSORS} sensors and ${RATE} readings/s for ${SECONDS} s`, async () => {
    const f = await load.run({ rate: RATE, seconds: SECONDS });
    console.log(`console-perf:\n${formatConsoleFigures(f)}`);

    expect(f.published).toBe(RATE * SECONDS);
    // The engine coalesces a sensor's changes per flush; with each sensor read every 10 s, few merge.
    expect(f.pageUpdates).toBeGreaterThan(0.9 * f.published);
    // Diffs, not full redraws, whatever the machine's load.
    expect(boundViolations(f, { timing: false })).toEqual([]);
    // Times only mean something when neighbours leave this run the CPU; otherwise they are printed, not judged.
    if (machineBusy(f)) console.warn(`console-perf: timing bounds not asserted: other processes used ${f.cpu.others} of ${cpus().length} cores during the run`);
    else expect(boundViolations(f)).toEqual([]);
    expect(await load.page.evaluate(() => window.__ioc!.state().sensors)).toBe(SENSORS);
    expect(load.pageErrors).toEqual([]);
  }, 300_000);

  it('keeps one critical sensor visible among thousands: its cluster turns critical, its district is shaded', async () => {
    const worst = () => load.page.evaluate(() => {
      const rendered = window.__ioc!.map!.queryRenderedFeatures({ layers: ['sensor-clusters', 'sensors'] });
      return Math.max(0, ...rendered.map((f) => Number(f.properties.maxSev ?? f.properties.sev)));
    });
    const shade = () => load.page.evaluate(() => Object.fromEntries(window.__ioc!.map!.queryRenderedFeatures({ layers: ['incident-fill'] })
      .map((f) => [String(f.properties.id), Number(f.properties.inc)])));
    // The run's spikes are minor and major (incidents by the engine's default policy); nothing is critical yet.
    expect(await worst()).toBeLessThan(4);
    expect((await shade())['hoang-mai'] ?? 0).toBeLessThan(4);
    const gauge = load.feed.sensors.find((s) => s.type === 'water.level' && s.zone === 'hoang-mai')!;
    await load.publish([reading(gauge, 12)]);
    await expect.poll(worst, { timeout: 30_000 }).toBe(4);
    // The critical alert joins or opens its district's incident, which the choropleth shades critical.
    await expect.poll(async () => (await shade())['hoang-mai'], { timeout: 30_000 }).toBe(4);
  }, 90_000);

  it('draws a sensor silent for longer than three report intervals as stale', async () => {
    // A traffic detector (reports every minute) whose only reading is four minutes old.
    const model = load.feed.sensors.find((s) => s.type === 'traffic.speed')!;
    const quiet = { ...model, id: 'tf-perf-quiet' };
    await load.publish([reading(quiet, 30, Date.now() - 4 * 60_000)]);
    const isStale = () => load.page.evaluate(async (id) => {
      const data = (await (window.__ioc!.map!.getSource('sensors') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
      return data.features.find((f) => f.properties?.id === id)?.properties?.stale;
    }, quiet.id);
    await expect.poll(isStale, { timeout: 30_000 }).toBe(true);
  }, 60_000);

  it('switches the heatmap on from the layer control and remembers it', async () => {
    await load.page.locator('ioc-layer-control input[data-layer="heatmap"]').click();
    const heat = () => load.page.evaluate(async () => {
      const map = window.__ioc!.map!;
      const data = (await (map.getSource('sensor-heat') as GeoJSONSource).getData()) as GeoJSON.FeatureCollection;
      return { visibility: map.getLayoutProperty('heatmap', 'visibility'), sensors: data.features.length, stored: localStorage.getItem('ioc.map.layers') };
    });
    // Every traffic detector (the default metric), the quiet one included.
    await expect.poll(heat, { timeout: 30_000 }).toMatchObject({ visibility: 'visible', sensors: load.counts.traffic + 1 });
    expect(JSON.parse((await heat()).stored ?? '{}')).toMatchObject({ visible: { heatmap: true }, metric: 'traffic.speed' });
    expect(load.pageErrors).toEqual([]);
  }, 60_000);

  // Last: it leaves the map redrawing whole. The bounds must catch the regression they exist for.
  it('catches a regression to full redraws: the map forced to setData for every batch breaks the bounds', async () => {
    const f = await load.run({ rate: RATE, seconds: 10, fullRedraw: true });
    console.log(`console-perf, full redraws:\n${formatConsoleFigures(f)}`);
    expect(boundViolations(f, { timing: false })).toEqual([
      expect.stringMatching(/features handed to the map per update/),
      expect.stringMatching(/whole-source setData calls/),
    ]);
  }, 180_000);
});
