import { describe, expect, it } from 'vitest';
import { anyIncident, escalated, filterOptions, queueOf, step, visibleRange } from './queue-model.ts';
import { incident } from './test-fixtures.ts';

const incidents = [
  incident({ id: 'minor-old', severity: 'minor', openedAt: 1 }),
  incident({ id: 'crit-new', severity: 'critical', openedAt: 50, zones: ['ba-dinh'] }),
  incident({ id: 'crit-old', severity: 'critical', openedAt: 10, type: 'air', assignee: 'team:drainage' }),
  incident({ id: 'done', severity: 'critical', openedAt: 5, state: 'resolved' }),
  incident({ id: 'acked', severity: 'major', openedAt: 3, state: 'acknowledged' }),
];

describe('queueOf', () => {
  it('sorts by severity, then the oldest first, and hides resolved incidents by default', () => {
    expect(queueOf(incidents, anyIncident).map((i) => i.id)).toEqual(['crit-old', 'crit-new', 'acked', 'minor-old']);
  });

  it('filters by type, zone, state and text (district names included)', () => {
    const ids = (f: Partial<typeof anyIncident>, names = new Map()) => queueOf(incidents, { ...anyIncident, ...f }, names).map((i) => i.id);
    expect(ids({ type: 'air' })).toEqual(['crit-old']);
    expect(ids({ zone: 'ba-dinh' })).toEqual(['crit-new']);
    expect(ids({ state: 'resolved' })).toEqual(['done']);
    expect(ids({ state: 'all' })).toHaveLength(5);
    expect(ids({ text: 'DRAINAGE' })).toEqual(['crit-old']);
    expect(ids({ text: 'ba đình' }, new Map([['ba-dinh', { vi: 'Ba Đình', en: 'Ba Dinh' }]]))).toEqual(['crit-new']);
  });

  it('lists the types and zones present for the filter menus', () => {
    expect(filterOptions(incidents)).toEqual({ types: ['air', 'flood'], zones: ['ba-dinh', 'hoan-kiem'] });
  });
});

describe('visibleRange', () => {
  it('renders only the rows in view plus the overscan, however long the list', () => {
    expect(visibleRange(0, 640, 64, 5000, 4)).toEqual({ start: 0, end: 15 });
    const { start, end } = visibleRange(64 * 2000, 640, 64, 5000, 4);
    expect([start, end]).toEqual([1996, 2015]);
    expect(visibleRange(64 * 4999, 640, 64, 5000, 4).end).toBe(5000);
    expect(visibleRange(0, 640, 64, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe('step and escalated', () => {
  const queue = queueOf(incidents, anyIncident);
  it('moves the selection and stops at the ends; starts at the top when nothing is selected', () => {
    expect(step(queue, undefined, 1)).toBe('crit-old');
    expect(step(queue, 'crit-old', 1)).toBe('crit-new');
    expect(step(queue, 'crit-old', -1)).toBe('crit-old');
    expect(step(queue, 'minor-old', 1)).toBe('minor-old');
    expect(step(queue, 'vanished', 1)).toBe('crit-old');
    expect(step([], 'x', 1)).toBeUndefined();
  });

  it('raises a severity one level, not beyond critical', () => {
    expect(escalated('info')).toBe('minor');
    expect(escalated('major')).toBe('critical');
    expect(escalated('critical')).toBeUndefined();
  });
});
