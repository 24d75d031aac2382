import { describe, expect, it } from 'vitest';
import { checkTemplate, DEFAULT_BODIES, DEFAULT_TITLES, renderTemplate } from './templates.ts';

describe('checkTemplate', () => {
  it('lists unknown and malformed placeholders once, in order', () => {
    expect(checkTemplate('Sự cố {{type}} tại {{zonee}} ({{ severity }}) {{zonee}} {{a b}}')).toEqual(['zonee', 'a b']);
  });
  it('accepts every default title and body', () => {
    for (const texts of [DEFAULT_TITLES, DEFAULT_BODIES]) for (const t of Object.values(texts)) expect([...checkTemplate(t.vi), ...checkTemplate(t.en)]).toEqual([]);
  });
});

describe('renderTemplate', () => {
  it('fills vars and renders a missing one as empty text', () => {
    expect(renderTemplate('{{type}} tại {{ zone }}{{assignee}}', { type: 'flood', zone: 'hoan-kiem' })).toBe('flood tại hoan-kiem');
  });
  it('does not read inherited properties as vars', () => {
    expect(renderTemplate('[{{constructor}}]', {})).toBe('[]');
  });
  it('drops lines whose placeholders are all empty when asked', () => {
    expect(renderTemplate('A\nPhụ trách: {{assignee}}\nKhu vực: {{zones}}', { zones: 'hoan-kiem' }, { dropEmptyLines: true })).toBe('A\nKhu vực: hoan-kiem');
  });
  it('renders the escalation default with its level and without unassigned lines', () => {
    const vars = { title_vi: 'Ngập tại Hoàn Kiếm', title_en: 'Flooding in Hoan Kiem', severity: 'critical', escalationLevel: '2', incidentId: 'inc-1', type: 'flood' };
    expect(renderTemplate(DEFAULT_TITLES.escalated.en, vars)).toBe('Escalated to level 2 [critical]: Flooding in Hoan Kiem');
    const body = renderTemplate(DEFAULT_BODIES.escalated.vi, vars, { dropEmptyLines: true });
    expect(body).toContain('Sự cố được leo thang lên cấp 2.');
    expect(body).not.toContain('Phụ trách');
  });
});
