import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { compileTemplate, formatValue, type Locale, type Template } from './template.ts';

function event(over: Partial<IocEvent> = {}): IocEvent {
  return { id: 'e1', type: 'water.level', source: 'wl-1', time: 1_782_867_600_000, attrs: {}, ...over };
}

function template(source: string, locale: Locale = 'en'): Template {
  const r = compileTemplate(source, locale);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.template;
}

describe('formatValue', () => {
  it('prints numbers without float noise, integers without .0', () => {
    expect(formatValue(2.3500000001, 'en')).toBe('2.35');
    expect(formatValue(0.1 + 0.2, 'en')).toBe('0.3');
    expect(formatValue(7.700000000000001, 'en')).toBe('7.7');
    expect(formatValue(2, 'en')).toBe('2');
    expect(formatValue(150.5, 'en')).toBe('150.5');
    expect(formatValue(1234567.25, 'en')).toBe('1234567');
    expect(formatValue(-3.25, 'en')).toBe('-3.25');
    expect(formatValue(0.000123456789, 'en')).toBe('0.000123457');
  });

  it('uses a decimal comma in Vietnamese', () => {
    expect(formatValue(2.3500000001, 'vi')).toBe('2,35');
    expect(formatValue(62, 'vi')).toBe('62');
  });

  it('prints other CEL values plainly', () => {
    expect(formatValue(42n, 'vi')).toBe('42');
    expect(formatValue(true, 'en')).toBe('true');
    expect(formatValue('Hoàn Kiếm', 'vi')).toBe('Hoàn Kiếm');
    expect(formatValue(null, 'en')).toBe('');
    expect(formatValue([1.5, 2n, 'a'], 'vi')).toBe('1,5, 2, a');
  });
});

describe('compileTemplate', () => {
  it('renders placeholders against the event', () => {
    const t = template('Mực nước {{ e.value }} m tại {{ e.source }}{{e.zone == "" ? "" : " (" + e.zone + ")"}}', 'vi');
    expect(t.render(event({ value: 2.35 }))).toBe('Mực nước 2,35 m tại wl-1');
    expect(t.render(event({ value: 2.35, zone: 'hoang-mai' }))).toBe('Mực nước 2,35 m tại wl-1 (hoang-mai)');
  });

  it('renders text without placeholders as is, and a literal {{ through a CEL string', () => {
    expect(template('No placeholders }} here').render(event())).toBe('No placeholders }} here');
    expect(template('{{ "{{" }}x}}').render(event())).toBe('{{x}}');
  });

  it('throws when a placeholder cannot be evaluated', () => {
    expect(() => template('{{ e.value }}').render(event())).toThrow(/No such key: value/);
  });

  it('reports every bad placeholder with its offset in the template', () => {
    const r = compileTemplate('a {{ e.valu }} b {{ }} c {{ e.value + 1 }}', 'en');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.offset)).toEqual([7, 17, 28]);
    expect(r.problems[1]!.message).toBe('empty placeholder `{{ }}`; put a CEL expression inside, e.g. {{ e.value }}');
  });

  it('reports an unclosed placeholder at its opening', () => {
    expect(compileTemplate('Water {{ e.value m', 'en')).toEqual({ ok: false, problems: [{ offset: 6, message: 'unclosed `{{` in message; close the placeholder with `}}`' }] });
  });
});
