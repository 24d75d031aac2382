import { describe, expect, it } from 'vitest';
import { formatTime, initialLang, severityLabel, t } from './messages.ts';

describe('t', () => {
  it('speaks Vietnamese and English and fills placeholders', () => {
    expect(t('connection.reconnecting', 'vi', { s: 3 })).toBe('Mất kết nối · thử lại sau 3 giây');
    expect(t('connection.reconnecting', 'en', { s: 3 })).toBe('Disconnected · retrying in 3 s');
    expect(severityLabel('critical', 'vi')).toBe('Khẩn cấp');
    expect(severityLabel(undefined, 'en')).toBe('Normal');
  });

  it('shows times in Hanoi time', () => {
    // 2024-01-01T00:00:00Z is 07:00 in Hanoi (UTC+7).
    expect(formatTime(Date.UTC(2024, 0, 1), 'en')).toMatch(/07:00:00/);
  });
});

describe('initialLang', () => {
  it('takes the address first, then the remembered choice, then Vietnamese', () => {
    expect(initialLang('?lang=en', 'vi')).toBe('en');
    expect(initialLang('?wall=1', 'en')).toBe('en');
    expect(initialLang('?lang=fr', 'de')).toBe('vi');
  });
});
