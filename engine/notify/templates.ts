// Notification templates: literal text with `{{var}}` placeholders filled from
// a NotificationRequest's vars, and the default titles and bodies per reason
// in Vietnamese and English. Rendering never throws: a missing var is empty.

import type { NotificationReason } from '../incidents/model.ts';

/** The vars incident management fills in every NotificationRequest; templates may use only these. */
export const NOTIFICATION_VARS = [
  'id',
  'incidentId',
  'reason',
  'type',
  'title_vi',
  'title_en',
  'severity',
  'state',
  'zone',
  'zones',
  'alerts',
  'assignee',
  'openedAt',
  'link',
  'escalationLevel',
  'step',
] as const;

export type NotificationVar = (typeof NOTIFICATION_VARS)[number];

export type NotifyLocale = 'vi' | 'en';

const KNOWN = new Set<string>(NOTIFICATION_VARS);
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const NAME = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/**
 * The placeholders of a template that are not notification vars (or not names
 * at all), in order of appearance, for load-time errors.
 *
 * @example
 * checkTemplate('Sự cố {{type}} tại {{zonee}}'); // → ['zonee']
 */
export function checkTemplate(text: string): string[] {
  const unknown: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = NAME.exec(m[1] ?? '')?.[1];
    const shown = name ?? (m[1] ?? '').trim();
    if ((name === undefined || !KNOWN.has(name)) && !unknown.includes(shown)) unknown.push(shown);
  }
  return unknown;
}

/**
 * Fills `{{var}}` placeholders; a var that is not in `vars` renders as empty
 * text. With `dropEmptyLines`, a line whose placeholders all rendered empty is
 * left out, so `Phụ trách: {{assignee}}` disappears while nobody is assigned.
 *
 * @example
 * renderTemplate('{{type}} tại {{zone}}', { type: 'flood', zone: 'hoan-kiem' }); // → 'flood tại hoan-kiem'
 */
export function renderTemplate(text: string, vars: Readonly<Record<string, string>>, opts: { dropEmptyLines?: boolean } = {}): string {
  const fill = (line: string): string | undefined => {
    let placeholders = 0;
    let filled = 0;
    const out = line.replace(PLACEHOLDER, (_, inner: string) => {
      placeholders++;
      const name = NAME.exec(inner)?.[1];
      const value = name !== undefined && Object.hasOwn(vars, name) ? (vars[name] ?? '') : '';
      if (value !== '') filled++;
      return value;
    });
    return opts.dropEmptyLines && placeholders > 0 && filled === 0 ? undefined : out;
  };
  if (!opts.dropEmptyLines) return fill(text) ?? '';
  return text
    .split('\n')
    .map(fill)
    .filter((l) => l !== undefined)
    .join('\n');
}

type Texts = Record<NotificationReason, Record<NotifyLocale, string>>;

/** Default titles, one per reason and language. */
export const DEFAULT_TITLES: Readonly<Texts> = {
  opened: { vi: 'Sự cố mới [{{severity}}]: {{title_vi}}', en: 'New incident [{{severity}}]: {{title_en}}' },
  updated: { vi: 'Cập nhật sự cố [{{severity}}]: {{title_vi}}', en: 'Incident updated [{{severity}}]: {{title_en}}' },
  escalated: { vi: 'Leo thang cấp {{escalationLevel}} [{{severity}}]: {{title_vi}}', en: 'Escalated to level {{escalationLevel}} [{{severity}}]: {{title_en}}' },
  'sop.overdue': { vi: 'Quá hạn bước xử lý "{{step}}": {{title_vi}}', en: 'Response step "{{step}}" overdue: {{title_en}}' },
  resolved: { vi: 'Đã xử lý xong: {{title_vi}}', en: 'Resolved: {{title_en}}' },
  reopened: { vi: 'Mở lại sự cố [{{severity}}]: {{title_vi}}', en: 'Incident reopened [{{severity}}]: {{title_en}}' },
};

const LEAD: Texts = {
  opened: { vi: 'Sự cố mới được mở.', en: 'A new incident was opened.' },
  updated: { vi: 'Sự cố có thêm cảnh báo hoặc thay đổi.', en: 'The incident has new alerts or changes.' },
  escalated: { vi: 'Sự cố được leo thang lên cấp {{escalationLevel}}.', en: 'The incident was escalated to level {{escalationLevel}}.' },
  'sop.overdue': { vi: 'Bước xử lý "{{step}}" đã quá hạn.', en: 'Response step "{{step}}" is overdue.' },
  resolved: { vi: 'Sự cố đã được xử lý xong.', en: 'The incident was resolved.' },
  reopened: { vi: 'Sự cố được mở lại.', en: 'The incident was reopened.' },
};

const DETAILS: Record<NotifyLocale, string> = {
  vi: [
    'Mã sự cố: {{incidentId}} ({{type}})',
    'Mức độ: {{severity}} · Trạng thái: {{state}}',
    'Khu vực: {{zones}}',
    'Cảnh báo: {{alerts}}',
    'Phụ trách: {{assignee}}',
    'Mở lúc: {{openedAt}}',
    'Chi tiết: {{link}}',
  ].join('\n'),
  en: [
    'Incident: {{incidentId}} ({{type}})',
    'Severity: {{severity}} · State: {{state}}',
    'Zones: {{zones}}',
    'Alerts: {{alerts}}',
    'Assignee: {{assignee}}',
    'Opened at: {{openedAt}}',
    'Details: {{link}}',
  ].join('\n'),
};

/** Default bodies, one per reason and language: a lead sentence, then the incident's details. */
export const DEFAULT_BODIES: Readonly<Texts> = Object.fromEntries(
  Object.entries(LEAD).map(([reason, lead]) => [reason, { vi: `${lead.vi}\n${DETAILS.vi}`, en: `${lead.en}\n${DETAILS.en}` }]),
) as Texts;
