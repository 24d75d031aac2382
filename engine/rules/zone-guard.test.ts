import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { compileCel } from './cel.ts';

const zones = (src: string) => {
  const r = compileCel(src);
  if (!r.ok) throw new Error(r.message);
  return r.program.zones === undefined ? undefined : [...r.program.zones].sort();
};

describe('zone guard', () => {
  it('reads the districts of a top-level zone test', () => {
    expect(zones('e.value > 2.0 && e.zone in ["hoan-kiem", "ba-dinh"]')).toEqual(['ba-dinh', 'hoan-kiem']);
    expect(zones('e.zone == "dong-da" && e.value > 1.0')).toEqual(['dong-da']);
    expect(zones('"dong-da" == e.zone')).toEqual(['dong-da']);
    expect(zones('e.zone in ["a", "b"] && e.value > 1.0 && e.zone in ["b", "c"]')).toEqual(['b']);
  });

  it('gives nothing when the condition can hold in any zone', () => {
    expect(zones('e.value > 2.0')).toBeUndefined();
    expect(zones('e.value > 2.0 || e.zone == "a"')).toBeUndefined();
    expect(zones('!(e.zone == "a")')).toBeUndefined();
    expect(zones('e.zone != "a"')).toBeUndefined();
    expect(zones('e.attrs.zone == "a"')).toBeUndefined();
  });

  it('never excludes an event the condition accepts', () => {
    const sources = [
      'e.value > 1.0 && e.zone in ["hoan-kiem", "ba-dinh"]',
      'e.zone == "ba-dinh" && (e.value > 1.0 || e.source == "s1")',
      '(e.zone in ["ba-dinh", "dong-da"] && e.value > 0.5) && e.zone == "dong-da"',
    ];
    const programs = sources.map((src) => {
      const r = compileCel(src);
      if (!r.ok) throw new Error(r.message);
      return r.program;
    });
    const event = fc.record({
      zone: fc.constantFrom('hoan-kiem', 'ba-dinh', 'dong-da', 'tay-ho', ''),
      value: fc.double({ min: 0, max: 3, noNaN: true }),
      source: fc.constantFrom('s1', 's2'),
    });
    fc.assert(
      fc.property(event, ({ zone, value, source }) => {
        const e: IocEvent = { id: 'x', type: 't', source, time: 1, value, attrs: {}, ...(zone ? { zone } : {}) };
        for (const p of programs) if (p.run(e) === true) expect(p.zones!.has(zone)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
