// Labels in Vietnamese and English, and Hanoi-time formatting.
export { formatTime, initialLang, LANG_STORAGE_KEY, severityLabel, t, type MessageKey } from './messages.ts';
