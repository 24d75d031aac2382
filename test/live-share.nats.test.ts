// Scale-out's live map against a real nats-server: engine processes that each
// own some partitions share the sensor changes their own events made, so a
// console on any of them sees every sensor of the city. A process that joins
// later gets the others' sensors at once; nothing is echoed back; an older
// state never overwrites a newer one; a sensor is coloured by the alerts
// firing in the process that shows it; a malformed message is ignored.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import type { Alert } from '../engine/alerts/index.ts';
import type { IocEvent } from '../engine/events/index.ts';
import { LiveView, shareLiveView, type LiveSharing } from '../engine/live/index.ts';
import { silentLogger } from '../engine/log/index.ts';
import { startNats, type NatsServer } from './harness/nats.ts';
import { waitUntil } from './harness/engine.ts';

let nats: NatsServer;
const conns: NatsConnection[] = [];
const views: { live: LiveView; sharing: LiveSharing }[] = [];
const log = silentLogger();

async function engineProcess(name: string) {
  const nc = await connect({ servers: nats.url, noAsyncTraces: true });
  conns.push(nc);
  const sharing = shareLiveView(nc, log, name);
  const live = new LiveView({ flushMs: 50, share: (changed) => sharing.publish(changed) });
  sharing.attach(live);
  await nc.flush();
  views.push({ live, sharing });
  return live;
}

const reading = (source: string, zone: string, time: number, value: number): IocEvent => ({ id: `${source}-${time}`, type: 'water.level', source, zone, time, value, attrs: {}, lat: 21.03, lon: 105.85 });
const sensors = (live: LiveView) => new Map(live.snapshot().sensors.map((s) => [s.source, s]));

beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  for (const v of views) {
    v.sharing.stop();
    v.live.close();
  }
  for (const nc of conns) await nc.close();
  await nats?.destroy();
});

it('shows every process the sensors the others own, never echoes them back, and keeps the newer state', async () => {
  const a = await engineProcess('a');
  const b = await engineProcess('b');
  a.applyEvent(reading('wl-ba-dinh-1', 'ba-dinh', 1000, 1.2));
  b.applyEvent(reading('wl-long-bien-1', 'long-bien', 1000, 2.4));
  await waitUntil(() => sensors(a).has('wl-long-bien-1') && sensors(b).has('wl-ba-dinh-1'), 5000, () => 'each process sees the other one\'s sensor');
  expect(sensors(b).get('wl-ba-dinh-1')).toMatchObject({ zone: 'ba-dinh', value: 1.2, time: 1000, lat: 21.03 });

  // A newer reading in b (the sensor's partition moved there) wins; a's older state that arrives later does not.
  b.applyEvent(reading('wl-ba-dinh-1', 'ba-dinh', 5000, 3.1));
  await waitUntil(() => sensors(a).get('wl-ba-dinh-1')?.value === 3.1, 5000, () => 'a sees the newer reading');
  a.applyRemote([{ source: 'wl-ba-dinh-1', type: 'water.level', zone: 'ba-dinh', unit: '', time: 2000, value: 0.5 }]);
  expect(sensors(a).get('wl-ba-dinh-1')?.value).toBe(3.1);

  // Nothing came back to its owner as someone else's: b's own sensor has the state b gave it.
  await new Promise((r) => setTimeout(r, 300));
  expect(sensors(b).get('wl-long-bien-1')).toMatchObject({ value: 2.4, time: 1000 });
});

it('gives a process that joins later every sensor the others have seen, at once', async () => {
  const c = await engineProcess('c');
  await waitUntil(() => sensors(c).has('wl-ba-dinh-1') && sensors(c).has('wl-long-bien-1'), 5000, () => 'the new process sees both sensors');
  expect(sensors(c).get('wl-ba-dinh-1')?.value).toBe(3.1);
});

it('colours a shared sensor by the alerts firing where it is shown', async () => {
  const [a, b] = [views[0]!.live, views[1]!.live];
  const alert = { fingerprint: 'fp-1', state: 'firing', severity: 'critical', source: 'wl-long-bien-1', startsAt: 1000 } as Alert;
  a.applyAlert(alert);
  b.applyEvent(reading('wl-long-bien-1', 'long-bien', 9000, 2.9));
  await waitUntil(() => sensors(a).get('wl-long-bien-1')?.value === 2.9, 5000, () => 'a sees the new reading');
  expect(sensors(a).get('wl-long-bien-1')?.severity).toBe('critical');
});

it('ignores a message it cannot read and goes on with the next', async () => {
  const nc = conns[0]!;
  const a = views[0]!.live;
  nc.publish('ioc.live.sensors.rogue', new TextEncoder().encode('{not json'));
  nc.publish('ioc.live.sensors.rogue', new TextEncoder().encode(JSON.stringify([{ source: 42 }, { source: 'wl-soc-son-1', type: 'water.level', zone: 'soc-son', unit: 'm', time: 7000, value: 1.1 }])));
  await waitUntil(() => sensors(views[1]!.live).has('wl-soc-son-1'), 5000, () => 'the readable sensor arrives');
  expect(sensors(views[1]!.live).has('42')).toBe(false);
  expect(sensors(a).has('wl-soc-son-1')).toBe(true);
});
