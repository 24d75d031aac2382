// Labels in Vietnamese and English, and Hanoi-time formatting.
export { formatTime, severityLabel, t, type MessageKey } from './messages.ts';
