import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { compileCel, type CelProgram } from './cel.ts';

function event(over: Partial<IocEvent> = {}): IocEvent {
  return { id: 'e1', type: 'water.level', source: 'wl-1', time: 1_782_867_600_000, attrs: {}, ...over };
}

function program(source: string): CelProgram {
  const r = compileCel(source);
  if (!r.ok) throw new Error(r.message);
  return r.program;
}

describe('compileCel', () => {
  it('types the event: misspelt fields and wrong operand types fail at compile time', () => {
    expect(compileCel('e.valu > 2.0')).toMatchObject({ ok: false, offset: 2 });
    expect(compileCel('e.value + "x"')).toMatchObject({ ok: false, message: 'no such overload: double + string', offset: 0 });
    expect(compileCel('e.source > 2')).toMatchObject({ ok: false });
    expect(compileCel('e.time + 1.5')).toMatchObject({ ok: false });
    expect(compileCel('e.attrs.x + 1')).toMatchObject({ ok: false });
  });

  it('reports syntax errors with their offset', () => {
    expect(compileCel('e.value >= ')).toMatchObject({ ok: false, message: 'Unexpected token: EOF', offset: 11 });
  });

  it('gives the expression type', () => {
    expect(program('e.value >= 2.0').type).toBe('bool');
    expect(program('e.value * 2.0').type).toBe('double');
    expect(program('e.source').type).toBe('string');
    expect(program('e.time').type).toBe('int');
  });

  it('compares a double with an int literal', () => {
    const p = program('e.value > 2');
    expect(p.run(event({ value: 2.01 }))).toBe(true);
    expect(p.run(event({ value: 2 }))).toBe(false);
    expect(program('e.value <= 10').run(event({ value: 10 }))).toBe(true);
  });

  it('makes a missing value a runtime error that has() avoids', () => {
    expect(() => program('e.value > 2.0').run(event())).toThrow(/No such key: value/);
    expect(program('has(e.value)').run(event())).toBe(false);
    expect(program('has(e.value)').run(event({ value: 0 }))).toBe(true);
    expect(program('has(e.value) && e.value > 2.0').run(event())).toBe(false);
    expect(program('e.?value.orValue(0.0)').run(event())).toBe(0);
    expect(program('has(e.lat)').run(event({ lat: 21.03, lon: 105.85 }))).toBe(true);
  });

  it('lets && and || absorb an error when the other side decides', () => {
    expect(program('e.zone == "x" && e.value > 2.0').run(event({ zone: 'y' }))).toBe(false);
    expect(program('e.zone == "y" || e.value > 2.0').run(event({ zone: 'y' }))).toBe(true);
  });

  it('reads strings that proto3 leaves empty as "", time as int, attrs as a map', () => {
    expect(program('e.zone == "" && e.unit == ""').run(event())).toBe(true);
    expect(program('e.time').run(event())).toBe(1_782_867_600_000n);
    expect(program('e.attrs.category == "flood" && "category" in e.attrs && size(e.attrs) == 1').run(event({ attrs: { category: 'flood' } }))).toBe(true);
    expect(program('e.attrs[?"category"].orValue("none")').run(event())).toBe('none');
  });

  it('builds a new activation whenever the event object changes', () => {
    const p = program('e.value');
    const a = event({ value: 1.5 });
    const b = event({ value: 2.5 });
    expect([p.run(a), p.run(b), p.run(a), p.run(a)]).toEqual([1.5, 2.5, 1.5, 1.5]);
  });
});
