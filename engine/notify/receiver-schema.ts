// The receivers' configuration, declared once with descriptions and examples:
// where notifications go (a webhook or a NATS subject), in which language, and
// with which templates. It must never read secrets or open connections; the
// dispatcher does that when it starts.

import { z } from 'zod';
import { checkTemplate, NOTIFICATION_VARS } from './templates.ts';

const NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const ENV_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A plain NATS subject: dotted tokens, no wildcards. */
const SUBJECT_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Default webhook timeout, ms. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;

const template = (what: string) =>
  z
    .string({ error: 'must be a template string' })
    .superRefine((text, ctx) => {
      const unknown = checkTemplate(text);
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `{{${u}}}`).join(', ')}; known: ${NOTIFICATION_VARS.join(', ')}`,
        });
      }
    })
    .meta({ description: what });

const localizedTemplate = (what: string) =>
  z.strictObject(
    {
      vi: template(`${what} in Vietnamese.`).optional(),
      en: template(`${what} in English.`).optional(),
    },
    { error: 'must be a map with `vi` and/or `en` templates' },
  );

const webhookSchema = z
  .strictObject(
    {
      url: z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .meta({ description: 'Where each notification is POSTed as JSON.', examples: ['https://ops.example.vn/ioc/hook'] }),
      secretEnv: z
        .string()
        .regex(ENV_PATTERN, { error: 'must be an environment variable name like `IOC_WEBHOOK_SECRET`' })
        .optional()
        .meta({
          description:
            'Name of the environment variable holding the HMAC key, read once when the dispatcher starts. When set, each request carries `x-ioc-signature: sha256=<hex HMAC-SHA256 of "<x-ioc-timestamp>.<body>">`.',
          examples: ['IOC_WEBHOOK_SECRET'],
        }),
      timeoutMs: z
        .int({ error: 'must be a whole number of milliseconds' })
        .min(100, { error: 'must be at least 100 ms' })
        .max(120_000, { error: 'must be at most 120000 ms' })
        .default(DEFAULT_WEBHOOK_TIMEOUT_MS)
        .meta({ description: 'How long one attempt may take before it counts as failed and is retried.', examples: [5000] }),
    },
    { error: 'must be a map with `url` (and optionally `secretEnv`, `timeoutMs`)' },
  )
  .meta({ description: 'Deliver by HTTP POST. 2xx is delivered; 408, 429, 5xx, network errors and timeouts are retried; other 4xx drop the notification.' });

const natsSchema = z
  .strictObject(
    {
      subject: z
        .string({ error: 'must be a NATS subject' })
        .regex(SUBJECT_PATTERN, { error: 'must be a NATS subject like `ioc.notifications.ops` (no wildcards)' })
        .meta({ description: 'Subject the notification is published on, with `Nats-Msg-Id` = the notification id.', examples: ['ioc.notifications.ops'] }),
    },
    { error: 'must be a map with `subject`' },
  )
  .meta({ description: 'Deliver by publishing on NATS (JetStream de-duplicates by the notification id).' });

/** One notification receiver, as written in the configuration. */
export const receiverSchema = z
  .strictObject({
    name: z
      .string({ error: 'must be a string' })
      .max(64, { error: 'must be at most 64 characters' })
      .regex(NAME_PATTERN, { error: 'must be lower-case words joined by `-`, like `drainage-webhook`' })
      .meta({ description: 'Unique name; incident policies route notifications to it.', examples: ['drainage-webhook'] }),
    webhook: webhookSchema.optional(),
    nats: natsSchema.optional(),
    locale: z
      .enum(['vi', 'en', 'both'], { error: 'must be `vi`, `en` or `both`' })
      .default('both')
      .meta({ description: 'Language of title and body: a string in one language, or `{vi, en}` objects with `both`.', examples: ['vi'] }),
    title: localizedTemplate('Title template').optional().meta({
      description: `Title template with \`{{var}}\` placeholders (${NOTIFICATION_VARS.join(', ')}); a missing var is empty. Defaults to a title per reason.`,
      examples: [{ vi: 'Sự cố {{type}} tại {{zone}}', en: '{{type}} incident in {{zone}}' }],
    }),
    body: localizedTemplate('Body template').optional().meta({
      description: 'Body template, like `title`. A line whose placeholders are all empty is left out. Defaults to a body per reason.',
      examples: [{ vi: 'Mức độ {{severity}}, khu vực {{zones}}\n{{link}}', en: 'Severity {{severity}}, zones {{zones}}\n{{link}}' }],
    }),
  })
  .superRefine((r, ctx) => {
    if ((r.webhook === undefined) === (r.nats === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'must have exactly one of `webhook` or `nats`', path: r.webhook ? ['nats'] : [] });
    }
  })
  .meta({ description: 'A notification receiver: a webhook or a NATS subject.' });

/** The list of receivers; names must be unique. */
export const receiversSchema = z.array(receiverSchema, { error: 'must be a list of receivers' }).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', message: `receiver name \`${r.name}\` is used twice`, path: [i, 'name'] });
    seen.add(r.name);
  });
});

/** A validated receiver (defaults applied). */
export type ReceiverConfig = z.output<typeof receiverSchema>;
/** A receiver as written, before defaults. */
export type ReceiverInput = z.input<typeof receiverSchema>;
