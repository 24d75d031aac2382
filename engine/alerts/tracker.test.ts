import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { AlertTracker, fingerprintOf, type AlertRule, type RuleIndex } from './index.ts';

const T0 = Date.parse('2026-07-01T08:00:00Z');

function rule(id: string, test: (e: IocEvent) => boolean, key: (e: IocEvent) => string = (e) => e.source): AlertRule {
  return {
    id,
    severity: 'critical',
    title: { vi: 'Mực nước nguy hiểm', en: 'Critical water level' },
    matches: test,
    keyOf: key,
    render: (e) => ({ vi: `Mực nước ${e.value} m`, en: `Water level ${e.value} m` }),
  };
}

function index(...rules: AlertRule[]): RuleIndex {
  return { rulesFor: (type) => (type === 'water.level' ? rules : []) };
}

let n = 0;
function ev(source: string, value: number, dt = n * 1000): IocEvent {
  n++;
  return { id: `e${n}`, type: 'water.level', source, time: T0 + dt, value, zone: 'hoang-mai', attrs: {} };
}

describe('AlertTracker', () => {
  const high = rule('flood.high', (e) => (e.value ?? 0) >= 2);

  it('fires once per fingerprint while the condition holds, then resolves', () => {
    const t = new AlertTracker({ now: () => 42 });
    const idx = index(high);
    const fired = t.process(ev('wl-1', 2.1), idx);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      rule: 'flood.high', key: 'wl-1', state: 'firing', severity: 'critical', zone: 'hoang-mai', value: 2.1,
      fingerprint: fingerprintOf('flood.high', 'wl-1'), message: { en: 'Water level 2.1 m' }, endsAt: 0, emittedAt: 42,
    });
    expect(t.process(ev('wl-1', 2.5), idx)).toEqual([]);
    expect(t.process(ev('wl-2', 0.5), idx)).toEqual([]);
    const resolved = t.process(ev('wl-1', 1.0), idx);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ state: 'resolved', fingerprint: fired[0]!.fingerprint, startsAt: fired[0]!.startsAt, value: 1 });
    expect(resolved[0]!.endsAt).toBeGreaterThan(resolved[0]!.startsAt);
    expect(t.firing()).toEqual([]);
  });

  it('keeps separate alerts per group key', () => {
    const t = new AlertTracker({ now: () => 0 });
    const idx = index(high);
    expect(t.process(ev('wl-1', 3), idx)).toHaveLength(1);
    expect(t.process(ev('wl-2', 3), idx)).toHaveLength(1);
    expect(t.firing().map((a) => a.key).sort()).toEqual(['wl-1', 'wl-2']);
  });

  it('does not resolve on an event older than the alert start', () => {
    const t = new AlertTracker({ now: () => 0 });
    const idx = index(high);
    t.process(ev('wl-1', 3, 60_000), idx);
    expect(t.process(ev('wl-1', 0.1, 0), idx)).toEqual([]);
    expect(t.firing()).toHaveLength(1);
  });

  it('isolates a rule that throws and reports it', () => {
    const errors: string[] = [];
    const broken = rule('broken.rule', () => {
      throw new Error('No such key: value');
    });
    const t = new AlertTracker({ now: () => 0, onRuleError: (r, _e, err) => errors.push(`${r.id}: ${(err as Error).message}`) });
    const changes = t.process(ev('wl-1', 3), index(broken, high));
    expect(changes.map((a) => a.rule)).toEqual(['flood.high']);
    expect(errors).toEqual(['broken.rule: No such key: value']);
  });

  it('restores firing alerts so a replayed matching event does not fire again', () => {
    const first = new AlertTracker({ now: () => 0 });
    const [alert] = first.process(ev('wl-1', 3), index(high));
    const second = new AlertTracker({ now: () => 0 });
    second.restore([alert!]);
    expect(second.process(ev('wl-1', 3.2), index(high))).toEqual([]);
    expect(second.process(ev('wl-1', 0.2), index(high))[0]?.state).toBe('resolved');
  });

  it('resolves the alerts of removed rules', () => {
    const t = new AlertTracker({ now: () => T0 + 10 * 60_000 });
    t.process(ev('wl-1', 3), index(high));
    const resolved = t.retain(new Set(['other.rule']));
    expect(resolved).toMatchObject([{ rule: 'flood.high', state: 'resolved', endsAt: T0 + 10 * 60_000 }]);
    expect(t.firing()).toEqual([]);
  });

  it('still raises the alert when the message template fails', () => {
    const badTemplate: AlertRule = { ...high, render: () => { throw new Error('boom'); } };
    const [a] = new AlertTracker({ now: () => 0 }).process(ev('wl-1', 3), index(badTemplate));
    expect(a?.message).toEqual(high.title);
  });
});
