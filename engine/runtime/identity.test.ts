import { describe, expect, it } from 'vitest';
import { parseYamlTable } from '../rules/tables.ts';
import { ruleContext } from '../rules/index.ts';
import { ev, run, runtimeFor } from './test-kit.ts';

const head = (id: string) => `id: ${id}\ntitle: { vi: "Cảnh báo", en: Alert }\nseverity: major\non: water.level\n`;
const level = (min: number, value: number, source = 'wl-1', zone = 'hm') => ev(min, { source, zone, value });

describe('throttle', () => {
  const rule = head('flood.flap') + 'where: e.value >= 2.0\nthrottle: 30m\n';

  it('holds back a re-fire within the period and emits it when the period ends if still firing', () => {
    const rt = runtimeFor(rule);
    expect(run(rt, [level(0, 2.1), level(1, 1.0), level(5, 2.2), 29.99, 30, level(40, 1.0)])).toEqual([
      'firing flood.flap wl-1 @0',
      'resolved flood.flap wl-1 @1',
      'firing flood.flap wl-1 @30',
      'resolved flood.flap wl-1 @40',
    ]);
  });

  it('drops a re-fire and its resolution that both fall within the period', () => {
    const rt = runtimeFor(rule);
    expect(run(rt, [level(0, 2.1), level(1, 1.0), level(5, 2.2), level(6, 1.0), 60, level(61, 2.5)])).toEqual([
      'firing flood.flap wl-1 @0',
      'resolved flood.flap wl-1 @1',
      'firing flood.flap wl-1 @61',
    ]);
  });

  it('keeps the true start on a held-back firing', () => {
    const rt = runtimeFor(rule);
    run(rt, [level(0, 2.1), level(1, 1.0), level(5, 2.2), 30]);
    expect(rt.firing().map((a) => [a.startsAt, a.eventTime])).toEqual([[level(5, 0).time, level(30, 0).time]]);
  });
});

describe('dedupKey', () => {
  it('makes groups with the same value one alert, firing while any fires', () => {
    const rt = runtimeFor(head('flood.zone') + 'where: e.value >= 2.0\ndedupKey: e.zone\n');
    expect(run(rt, [level(0, 2.1, 'a'), level(1, 2.2, 'b'), level(2, 1.0, 'a'), level(3, 2.3, 'c', 'other'), level(4, 1.0, 'b')])).toEqual([
      'firing flood.zone hm @0',
      'firing flood.zone other @3',
      'resolved flood.zone hm @4',
    ]);
    expect(rt.firing().map((a) => a.key)).toEqual(['other']);
  });
});

describe('maxKeys', () => {
  it('drops new groups past the bound and counts them', () => {
    const rt = runtimeFor(head('flood.any') + 'where: e.value >= 2.0\nmaxKeys: 2\n');
    expect(run(rt, [level(0, 2.1, 'a'), level(0, 2.1, 'b'), level(0, 2.1, 'c'), level(1, 1.0, 'a'), level(2, 2.1, 'c')])).toEqual([
      'firing flood.any a @0',
      'firing flood.any b @0',
      'resolved flood.any a @1',
      'firing flood.any c @2',
    ]);
    expect(rt.counters().droppedKeys).toEqual({ 'flood.any': 1 });
  });

  it('bounds window groups too', () => {
    const rt = runtimeFor(head('flood.win') + 'window: { size: 5m }\naggregate: { n: count() }\nwhen: n >= 1\nmaxKeys: 1\n');
    expect(run(rt, [level(0, 1, 'a'), level(1, 1, 'b'), 5])).toEqual(['firing flood.win a @5']);
    expect(rt.counters().droppedKeys).toEqual({ 'flood.win': 1 });
  });
});

describe('absence with a registry', () => {
  const table = parseYamlTable('table: gauges\nkey: id\nrows:\n  - { id: wl-1, type: water.level, zone: hm }\n  - { id: wl-2, type: water.level, zone: hk }\n  - { id: rain-1, type: weather.rain, zone: hk }\n', 'gauges.yaml');
  const context = ruleContext({ tables: new Map([['gauges', table.table!]]) });

  it('catches a registered sensor that never reported, counting from the first watermark', () => {
    const rt = runtimeFor(head('sensor.offline') + 'absent: 10m\nregistry: gauges\n', {}, { context });
    expect(run(rt, [level(5, 1, 'wl-1'), level(12, 1, 'wl-1'), 14.99, 15, 30])).toEqual(['firing sensor.offline wl-2 @15', 'firing sensor.offline wl-1 @22']);
    expect(rt.firing().find((a) => a.key === 'wl-2')?.zone).toBe('');
  });

  it('keeps the start of the clock in the snapshot', () => {
    const rt = runtimeFor(head('sensor.offline') + 'absent: 10m\nregistry: gauges\n', {}, { context });
    run(rt, [level(5, 1, 'wl-1')]);
    const copy = runtimeFor(head('sensor.offline') + 'absent: 10m\nregistry: gauges\n', {}, { context });
    copy.restore(JSON.parse(JSON.stringify(rt.snapshot())));
    expect(run(copy, [15])).toEqual(['firing sensor.offline wl-1 @15', 'firing sensor.offline wl-2 @15']);
  });
});
