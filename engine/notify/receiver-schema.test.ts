import { describe, expect, it } from 'vitest';
import { receiverSchema, receiversSchema } from './receiver-schema.ts';

const messages = (r: { success: boolean; error?: { issues: { message: string }[] } }) => r.error?.issues.map((i) => i.message) ?? [];

describe('receiverSchema', () => {
  it('applies defaults to a webhook receiver', () => {
    const r = receiverSchema.parse({ name: 'drainage-webhook', webhook: { url: 'http://127.0.0.1:9000/hook', secretEnv: 'IOC_WEBHOOK_SECRET' } });
    expect(r).toEqual({ name: 'drainage-webhook', webhook: { url: 'http://127.0.0.1:9000/hook', secretEnv: 'IOC_WEBHOOK_SECRET', timeoutMs: 5000 }, locale: 'both' });
  });
  it('accepts a NATS receiver with templates', () => {
    const r = receiverSchema.safeParse({ name: 'ops-nats', nats: { subject: 'ioc.notifications.ops' }, locale: 'vi', title: { vi: 'Sự cố {{type}} tại {{zone}}' } });
    expect(r.success).toBe(true);
  });
  it('wants exactly one of webhook and nats', () => {
    expect(messages(receiverSchema.safeParse({ name: 'x' }))).toEqual(['must have exactly one of `webhook` or `nats`']);
    expect(messages(receiverSchema.safeParse({ name: 'x', webhook: { url: 'http://a/' }, nats: { subject: 'a' } }))).toEqual(['must have exactly one of `webhook` or `nats`']);
  });
  it('names unknown placeholders at load time', () => {
    const r = receiverSchema.safeParse({ name: 'x', nats: { subject: 'a.b' }, title: { en: '{{type}} in {{zonee}}' } });
    expect(r.error?.issues[0]?.path).toEqual(['title', 'en']);
    expect(messages(r)[0]).toMatch(/^unknown placeholder \{\{zonee\}\}; known: id, incidentId/);
  });
  it('refuses bad names, URLs, subjects and unknown keys', () => {
    expect(receiverSchema.safeParse({ name: 'Drainage', nats: { subject: 'a' } }).success).toBe(false);
    expect(receiverSchema.safeParse({ name: 'x', webhook: { url: 'ftp://a/' } }).success).toBe(false);
    expect(receiverSchema.safeParse({ name: 'x', nats: { subject: 'ioc.>' } }).success).toBe(false);
    expect(receiverSchema.safeParse({ name: 'x', nats: { subject: 'a' }, locales: 'vi' }).success).toBe(false);
  });
  it('refuses a name used twice in the list', () => {
    const r = receiversSchema.safeParse([{ name: 'a', nats: { subject: 'a' } }, { name: 'a', nats: { subject: 'b' } }]);
    expect(messages(r)).toEqual(['receiver name `a` is used twice']);
  });
});
