import { describe, expect, it } from 'vitest';
import { ConsoleState } from './console-state.ts';
import type { AlertView, SensorView } from './types.ts';

const sensor = (source: string, extra: Partial<SensorView> = {}): SensorView => ({
  source, type: 'water.level', lat: 21.03, lon: 105.85, zone: 'hoan-kiem', unit: 'm', time: 1000, ...extra,
});
const alert = (fingerprint: string, extra: Partial<AlertView> = {}): AlertView => ({
  fingerprint, rule: 'flood.level', state: 'firing', severity: 'major', title: { vi: 'Ngập', en: 'Flood' },
  message: { vi: 'Mực nước cao', en: 'High water' }, zone: 'hoan-kiem', source: 'wl-1', startsAt: 1000, ...extra,
});

function withSnapshot(): ConsoleState {
  const state = new ConsoleState();
  state.apply({ kind: 'snapshot', seq: 10, mode: 'embedded', sensors: [sensor('wl-1'), sensor('wl-2')], alerts: [alert('a1')] });
  return state;
}

describe('ConsoleState', () => {
  it('replaces everything with a snapshot', () => {
    const state = withSnapshot();
    const applied = state.apply({ kind: 'snapshot', seq: 3, mode: 'nats+clickhouse', sensors: [sensor('wl-9')], alerts: [] });
    expect(applied).toMatchObject({ resync: false, snapshot: true, alerts: true });
    expect(applied.sensors.map((s) => s.source)).toEqual(['wl-9']);
    expect(state.mode).toBe('nats+clickhouse');
    expect(state.alerts()).toEqual([]);
    expect(state.seq).toBe(3);
  });

  it('asks for a resync on a gap or a delta before any snapshot', () => {
    expect(new ConsoleState().apply({ kind: 'sensor', seq: 1, sensor: sensor('x') }).resync).toBe(true);
    const state = withSnapshot();
    expect(state.apply({ kind: 'sensor', seq: 12, sensor: sensor('wl-1') }).resync).toBe(true);
    expect(state.seq).toBe(10);
    expect(state.apply({ kind: 'sensor', seq: 11, sensor: sensor('wl-1', { value: 2 }) })).toMatchObject({ resync: false, alerts: false });
    expect(state.sensors.get('wl-1')?.value).toBe(2);
  });

  it('lists firing alerts worst first, then newest first, and drops resolved ones', () => {
    const state = withSnapshot();
    state.apply({ kind: 'alert', seq: 11, alert: alert('a2', { severity: 'critical', startsAt: 500, source: 'wl-2' }) });
    state.apply({ kind: 'alert', seq: 12, alert: alert('a3', { severity: 'major', startsAt: 2000 }) });
    state.apply({ kind: 'alert', seq: 13, alert: alert('a4', { severity: 'info', startsAt: 9000 }) });
    expect(state.alerts().map((a) => a.fingerprint)).toEqual(['a2', 'a3', 'a1', 'a4']);
    const resolved = state.apply({ kind: 'alert', seq: 14, alert: alert('a2', { state: 'resolved', severity: 'critical', source: 'wl-2' }) });
    expect(resolved.alerts).toBe(true);
    expect(resolved.sensors.map((s) => s.source)).toEqual(['wl-2']);
    expect(state.alerts().map((a) => a.fingerprint)).toEqual(['a3', 'a1', 'a4']);
  });

  it('colors a sensor by the worst alert firing for it, or what the engine says', () => {
    const state = withSnapshot();
    expect(state.sensorSeverity(state.sensors.get('wl-1')!)).toBe('major');
    expect(state.sensorSeverity(state.sensors.get('wl-2')!)).toBeUndefined();
    state.apply({ kind: 'alert', seq: 11, alert: alert('a1', { state: 'resolved' }) });
    expect(state.sensorSeverity(state.sensors.get('wl-1')!)).toBeUndefined();
    expect(state.sensorSeverity(sensor('wl-3', { severity: 'minor' }))).toBe('minor');
  });

  it('recolors both sensors when an alert moves to another source', () => {
    const state = withSnapshot();
    const moved = state.apply({ kind: 'alert', seq: 11, alert: alert('a1', { source: 'wl-2' }) });
    expect(moved.sensors.map((s) => s.source).sort()).toEqual(['wl-1', 'wl-2']);
    expect(state.sensorSeverity(state.sensors.get('wl-1')!)).toBeUndefined();
    expect(state.sensorSeverity(state.sensors.get('wl-2')!)).toBe('major');
  });
});
