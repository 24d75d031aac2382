// Every label the console shows, in Vietnamese (the default) and English. Text
// that comes from the engine (rule titles, messages) carries its own languages.

import type { Lang, Severity } from '../state/index.ts';

const messages = {
  title: { vi: 'Trung tâm Điều hành Thông minh Hà Nội', en: 'Hanoi Intelligent Operations Center' },
  'alerts.heading': { vi: 'Cảnh báo đang kích hoạt', en: 'Firing alerts' },
  'alerts.none': { vi: 'Không có cảnh báo nào', en: 'No alerts firing' },
  'alerts.district': { vi: 'Quận/huyện', en: 'District' },
  'severity.critical': { vi: 'Khẩn cấp', en: 'Critical' },
  'severity.major': { vi: 'Nghiêm trọng', en: 'Major' },
  'severity.minor': { vi: 'Đáng chú ý', en: 'Minor' },
  'severity.info': { vi: 'Thông tin', en: 'Info' },
  'severity.normal': { vi: 'Bình thường', en: 'Normal' },
  'connection.connecting': { vi: 'Đang kết nối…', en: 'Connecting…' },
  'connection.live': { vi: 'Trực tuyến', en: 'Live' },
  'connection.reconnecting': { vi: 'Mất kết nối · thử lại sau {s} giây', en: 'Disconnected · retrying in {s} s' },
  'mode.embedded': { vi: 'EMBEDDED DEMO · dữ liệu mô phỏng', en: 'EMBEDDED DEMO · simulated data' },
  'mode.partial': { vi: 'DEMO · {mode} · dữ liệu không được lưu bền vững', en: 'DEMO · {mode} · data is not kept durably' },
  'map.boundaries': { vi: 'Ranh giới quận/huyện là gần đúng', en: 'District boundaries are approximate' },
  'map.sensors': { vi: 'cảm biến', en: 'sensors' },
  'lang.switch': { vi: 'English', en: 'Tiếng Việt' },
} as const satisfies Record<string, Record<Lang, string>>;

export type MessageKey = keyof typeof messages;

/**
 * A label in `lang`, with `{name}` placeholders filled in.
 * @example t('connection.reconnecting', 'en', { s: 4 }) // 'Disconnected · retrying in 4 s'
 */
export function t(key: MessageKey, lang: Lang, vars: Record<string, string | number> = {}): string {
  return messages[key][lang].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

export function severityLabel(s: Severity | undefined, lang: Lang): string {
  return t(s === undefined ? 'severity.normal' : `severity.${s}`, lang);
}

/** Locale for dates and numbers; times are always Hanoi's, whatever the wall's computer says. */
export function formatTime(epochMs: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', second: '2-digit', day: '2-digit', month: '2-digit',
  }).format(epochMs);
}
