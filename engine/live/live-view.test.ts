import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/index.ts';
import type { IocEvent } from '../events/index.ts';
import { LiveView, type LiveUpdate } from './index.ts';

const ev = (source: string, time: number, value: number): IocEvent => ({
  id: `${source}-${time}`, type: 'water.level', source, time, value, unit: 'm', lat: 21, lon: 105.8, zone: 'hoang-mai', attrs: {},
});
const alert = (source: string, state: Alert['state'], severity: Alert['severity'] = 'critical', startsAt = 1): Alert => ({
  fingerprint: `fp-${source}-${severity}`, rule: 'flood.x', key: source, state, severity, title: { vi: '', en: '' }, message: { vi: '', en: '' },
  zone: 'hoang-mai', source, eventId: 'e', eventType: 'water.level', startsAt, endsAt: 0, eventTime: startsAt, emittedAt: 0,
});

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const live = new LiveView({ flushMs: 250, scheduler });
  const seen: LiveUpdate[] = [];
  live.updates().subscribe((u) => seen.push(u));
  const advance = (ms: number) => {
    scheduler.maxFrames = scheduler.now() + ms;
    scheduler.flush();
  };
  return { live, seen, advance };
}

describe('LiveView', () => {
  it('coalesces sensor changes into one update per sensor per flush', () => {
    const { live, seen, advance } = setup();
    live.applyEvent(ev('wl-1', 1000, 1.0));
    live.applyEvent(ev('wl-1', 2000, 1.4));
    live.applyEvent(ev('wl-2', 2000, 0.3));
    expect(seen).toEqual([]);
    advance(250);
    expect(seen.map((u) => u.kind === 'sensor' && [u.sensor.source, u.sensor.value])).toEqual([['wl-1', 1.4], ['wl-2', 0.3]]);
    expect(seen.map((u) => u.seq)).toEqual([1, 2]);
  });

  it('ignores a late event for a sensor that already has newer data', () => {
    const { live } = setup();
    live.applyEvent(ev('wl-1', 5000, 2.0));
    live.applyEvent(ev('wl-1', 4000, 0.1));
    expect(live.snapshot().sensors[0]).toMatchObject({ value: 2.0, time: 5000 });
  });

  it('sends alert changes at once and colours the sensor by its worst firing alert', () => {
    const { live, seen } = setup();
    live.applyEvent(ev('wl-1', 1000, 2.4));
    live.applyAlert(alert('wl-1', 'firing', 'major'));
    live.applyAlert(alert('wl-1', 'firing', 'critical'));
    expect(seen.filter((u) => u.kind === 'alert')).toHaveLength(2);
    expect(live.snapshot().sensors[0]!.severity).toBe('critical');
    live.applyAlert(alert('wl-1', 'resolved', 'critical'));
    expect(live.snapshot().sensors[0]!.severity).toBe('major');
    expect(live.firingAlerts()).toHaveLength(1);
  });

  it('does not repeat an alert it already shows (a replayed firing)', () => {
    const { live, seen } = setup();
    live.applyAlert(alert('wl-1', 'firing'));
    live.applyAlert(alert('wl-1', 'firing'));
    live.applyAlert(alert('wl-9', 'resolved'));
    expect(seen).toHaveLength(1);
  });

  it('gives a snapshot whose seq orders it before every later update', () => {
    const { live, seen } = setup();
    live.applyEvent(ev('wl-1', 1000, 1));
    const snap = live.snapshot();
    expect(snap.sensors).toHaveLength(1);
    live.applyAlert(alert('wl-1', 'firing'));
    expect(seen.at(-1)!.seq).toBe(snap.seq + 1);
  });
});

describe('LiveView shared between engine processes', () => {
  it('shares at each flush only what its own events changed, once, and shows what peers shared', () => {
    const scheduler = new VirtualTimeScheduler();
    const shared: string[][] = [];
    const live = new LiveView({ flushMs: 250, scheduler, share: (changed) => shared.push(changed.map((s) => `${s.source}=${s.value}`)) });
    const seen: LiveUpdate[] = [];
    live.updates().subscribe((u) => seen.push(u));
    const advance = (ms: number) => {
      scheduler.maxFrames = scheduler.now() + ms;
      scheduler.flush();
    };
    live.applyEvent(ev('wl-own', 1000, 1.0));
    live.applyEvent(ev('wl-own', 2000, 1.5));
    live.applyRemote([{ source: 'wl-peer', type: 'water.level', zone: 'ba-dinh', unit: 'm', time: 1000, value: 2.2 }]);
    advance(250);
    expect(shared).toEqual([['wl-own=1.5']]);
    expect(seen.filter((u) => u.kind === 'sensor').map((u) => (u.kind === 'sensor' ? u.sensor.source : ''))).toEqual(['wl-own', 'wl-peer']);
    advance(1000);
    expect(shared).toHaveLength(1); // nothing new, nothing sent
    expect(live.ownStates().map((s) => s.source)).toEqual(['wl-own']);
  });

  it('keeps the newer state and colours a peer sensor by the alerts firing here', () => {
    const { live } = setup();
    live.applyAlert(alert('wl-peer', 'firing', 'major'));
    live.applyRemote([{ source: 'wl-peer', type: 'water.level', zone: 'ba-dinh', unit: 'm', time: 5000, value: 2.2 }]);
    live.applyRemote([{ source: 'wl-peer', type: 'water.level', zone: 'ba-dinh', unit: 'm', time: 4000, value: 0.1 }]);
    expect(live.snapshot().sensors).toEqual([expect.objectContaining({ source: 'wl-peer', value: 2.2, time: 5000, severity: 'major' })]);
  });
});
