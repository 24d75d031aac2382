// The list of alerts firing now.
export { AlertList } from './alert-list.ts';
