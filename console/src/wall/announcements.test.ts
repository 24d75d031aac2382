import { describe, expect, it } from 'vitest';
import { newCriticals } from './announcements.ts';
import { wallOptions, withWall } from './wall-options.ts';

describe('newCriticals', () => {
  it('says nothing about what was there on opening, then names each new critical once', () => {
    const fresh = newCriticals();
    expect(fresh([{ id: 'a', severity: 'critical' }, { id: 'b', severity: 'major' }])).toEqual([]);
    expect(fresh([{ id: 'a', severity: 'critical' }, { id: 'c', severity: 'critical' }, { id: 'd', severity: 'minor' }]).map((x) => x.id)).toEqual(['c']);
    expect(fresh([{ id: 'c', severity: 'critical' }])).toEqual([]);
    // 'a' left and fired again: a new critical.
    expect(fresh([{ id: 'a', severity: 'critical' }, { id: 'c', severity: 'critical' }]).map((x) => x.id)).toEqual(['a']);
  });
});

describe('wallOptions', () => {
  it('reads wall mode and the rotation interval from the address', () => {
    expect(wallOptions('')).toEqual({ wall: false, rotateMs: 20_000 });
    expect(wallOptions('?wall=1&rotate=5')).toEqual({ wall: true, rotateMs: 5_000 });
    expect(wallOptions('?wall=1&rotate=0')).toEqual({ wall: true, rotateMs: 0 });
    expect(wallOptions('?rotate=abc').rotateMs).toBe(20_000);
    expect(withWall('http://h/?lang=en', true)).toBe('http://h/?lang=en&wall=1');
    expect(withWall('http://h/?wall=1&lang=en', false)).toBe('http://h/?lang=en');
  });
});
