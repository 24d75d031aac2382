// The incident policy language (`rules/policies/*.yaml`), declared once: how
// alerts group into incidents, what mutes what, who is told and when, and the
// standard operating procedures per incident type. The loader validates with
// it (diagnostics at file:line:column); it must never evaluate anything.

import { z } from 'zod';
import { severities } from '../alerts/index.ts';
import { receiverSchema } from '../notify/index.ts';
import { parseDuration } from '../rules/index.ts';

const ID = /^[a-z0-9][a-z0-9_.-]*$/;
const id = (what: string) => z.string({ error: `must be ${what}` }).regex(ID, { error: 'must be lower-case letters, digits, `.`, `_` and `-`' });

const duration = (what: string) =>
  z
    .string({ error: 'must be a duration like `30s`, `10m`, `1h`' })
    .refine((s) => (parseDuration(s) ?? 0) > 0, { error: 'must be a duration like `30s`, `10m`, `1h30m` (more than 0)' })
    .transform((s) => parseDuration(s)!)
    .meta({ description: what });

const localized = (what: string) =>
  z.strictObject({ vi: z.string().min(1), en: z.string().min(1) }, { error: `must be { vi: ..., en: ... }: ${what}` }).meta({ description: what });

const severity = z.enum(severities, { error: `must be one of ${severities.join(', ')}` });

/** Fields of an alert a policy can group by or compare. */
export const alertLabels = ['rule', 'family', 'zone', 'source', 'severity', 'key', 'eventType'] as const;
export type AlertLabel = (typeof alertLabels)[number];
const label = z.enum(alertLabels, { error: `must be one of ${alertLabels.join(', ')}` });

export const matchersSchema = z
  .strictObject({
    rules: z.array(z.string().min(1)).optional().meta({ description: 'Rule ids or globs (`flood.*`).' }),
    zones: z.array(z.string().min(1)).optional().meta({ description: 'Zone ids (`hoan-kiem`).' }),
    sources: z.array(z.string().min(1)).optional().meta({ description: 'Sources or globs (`wl-*`).' }),
    severities: z.array(severity).optional().meta({ description: 'Alert severities.' }),
    labels: z.partialRecord(label, z.string().min(1)).optional().meta({ description: 'Other alert fields, exact or glob: `{ family: flood }`.' }),
  })
  .meta({ description: 'Which alerts: every given list must match (a list matches when any of its entries does); nothing given matches every alert.' });

const escalationStep = z.strictObject({
  after: duration('Time since the incident opened.'),
  severities: z.array(severity).optional().meta({ description: 'Only incidents of these severities escalate (default: any).' }),
  raise: severity.optional().meta({ description: 'Raise the incident to at least this severity.' }),
  notify: z.array(z.string().min(1)).default([]).meta({ description: 'Receivers told of the escalation.' }),
}).meta({ description: 'One escalation step.' });

export const policySchema = z.strictObject({
  id: id('the policy id').meta({ description: 'Unique among policies; an incident keeps the id of the policy it was opened under.', examples: ['flood'] }),
  type: id('the incident type, e.g. `flood`').meta({ description: 'Incident type: picks the SOP and shows in the console.', examples: ['flood'] }),
  title: localized('Incident title; `{zone}`, `{type}` and `{rule}` are filled in from the alert that opens it (default: that alert\'s title).')
    .optional()
    .meta({ examples: [{ vi: 'Ngập lụt: {zone}', en: 'Flooding: {zone}' }] }),
  match: matchersSchema.meta({
    description: 'Which alerts this policy takes; the first policy (in file order) that matches an alert wins.',
    examples: [{ rules: ['flood.*', 'service.hotline-flood-*'] }],
  }),
  groupBy: z
    .array(label)
    .min(1)
    .default(['family', 'zone'])
    .meta({ description: 'Alerts with equal values of these fields form one incident.', examples: [['zone'], ['rule', 'source']] }),
  neighbours: z.boolean().default(false).meta({ description: 'With `zone` in groupBy: alerts in neighbouring zones join too (correlation across districts).' }),
  span: duration('An alert joins an open incident whose latest alert started within this time (event time).').default(30 * 60_000),
  groupWait: duration('Wait this long after an incident opens before the first notification, gathering its alerts.').default(30_000),
  groupInterval: duration('At most one notification about new alerts in an incident per this period.').default(5 * 60_000),
  notify: z.array(z.string().min(1)).default([]).meta({ description: 'Receivers told when an incident opens, gets new alerts, resolves or reopens.' }),
  autoResolve: z.boolean().default(false).meta({ description: 'Resolve the incident when all its alerts have resolved (otherwise an operator resolves it).' }),
  escalation: z.array(escalationStep).default([]).meta({
    description: 'Steps taken in order while the incident is not acknowledged; a step limited to other severities is passed over when its time comes.',
    examples: [[{ after: '10m', severities: ['critical'], notify: ['duty-manager'] }, { after: '30m', raise: 'critical', notify: ['duty-manager'] }]],
  }),
});

export const inhibitSchema = z
  .strictObject({
    id: id('the inhibition id').meta({ description: 'Unique among inhibitions; shown in logs.' }),
    source: z
      .strictObject({
        alerts: matchersSchema.optional().meta({ description: 'Firing alerts that mute.' }),
        incidentTypes: z.array(id('an incident type')).optional().meta({ description: 'Open incidents of these types mute alerts in their zones.' }),
      })
      .refine((s) => s.alerts !== undefined || (s.incidentTypes?.length ?? 0) > 0, { error: 'needs `alerts` or `incidentTypes`' })
      .meta({ description: 'What mutes: firing alerts, open incidents of some types, or both.', examples: [{ incidentTypes: ['flood'] }, { alerts: { rules: ['power.ward-outage'] } }] }),
    target: matchersSchema.meta({ description: 'The alerts muted.', examples: [{ rules: ['traffic.*'] }] }),
    equal: z.array(label).default(['zone']).meta({ description: 'Source and target must agree on these fields (for incidents: zone only; `[]`: anywhere).' }),
  })
  .meta({ description: 'A firing alert or open incident mutes other alerts (recorded and visible as inhibited).' });

const sopStep = z.strictObject({
  id: id('the step id').meta({ description: 'Unique within the procedure; operators mark steps done by it.' }),
  title: localized('What to do.'),
  owner: z.string().min(1).meta({ description: 'Who does it: a person or team.' }),
  due: duration('Due this long after the incident opens.'),
}).meta({ description: 'One step of the procedure.' });

export const sopSchema = z.strictObject({
  type: id('the incident type this procedure is for').meta({ description: 'The incident type this procedure is for (one procedure per type).', examples: ['flood'] }),
  escalate: z.array(z.string().min(1)).default([]).meta({ description: 'Receivers told when a step is overdue.' }),
  steps: z.array(sopStep).min(1).meta({
    description: 'What to do, each step with an owner and a due time; copied into every incident of the type when it opens.',
    examples: [[{ id: 'dispatch-pumps', title: { vi: 'Điều xe bơm', en: 'Dispatch pump trucks' }, owner: 'drainage-company', due: '30m' }]],
  }),
}).meta({ description: 'A standard operating procedure for one incident type.' });

export const maintenanceSchema = z
  .strictObject({
    id: id('the silence id').meta({ description: 'Unique among maintenance windows; the silence is listed as `policy:<id>`.' }),
    matchers: matchersSchema.meta({ description: 'The alerts silenced; at least one key should be given.', examples: [{ rules: ['sensor.gauge-offline'], sources: ['wl-pump-*'] }] }),
    schedule: z
      .strictObject({
        cron: z.string().min(1).meta({ description: 'When each window opens, e.g. `0 1 * * *` (01:00 daily).' }),
        duration: duration('How long each window lasts.'),
        timezone: z.string().default('Asia/Ho_Chi_Minh').meta({ description: 'IANA time zone the cron expression is read in.' }),
      })
      .optional()
      .meta({
        description: 'Recurring: the silence is active only in these windows (within `startsAt`..`endsAt`). Without it, active the whole time.',
        examples: [{ cron: '0 1 * * *', duration: '2h' }],
      }),
    startsAt: z.string().optional().meta({ description: 'ISO time the silence starts (default: always).' }),
    endsAt: z.string().optional().meta({ description: 'ISO time it ends (default: never).' }),
    reason: z.string().min(1).meta({ description: 'Why, shown to operators with every alert it silences.' }),
    createdBy: z.string().min(1).default('policy').meta({ description: 'Who owns the window (shown with the silence).' }),
  })
  .meta({ description: 'A silence kept as code, e.g. a nightly maintenance window.' });

export const flappingSchema = z.strictObject({
  window: duration('The period in which starts are counted.').default(60 * 60_000),
  starts: z.number().int().min(2).default(4).meta({ description: 'An alert that starts firing this often within the window is flapping.' }),
}).meta({ description: 'When an alert counts as flapping (one setting for all policy files).' });

export const policyFileSchema = z.strictObject({
  policies: z.array(policySchema).default([]).meta({ description: 'How alerts group into incidents and who is told; the first that matches an alert takes it.' }),
  inhibit: z.array(inhibitSchema).default([]).meta({ description: 'Alerts or incidents that mute other alerts.' }),
  sops: z.array(sopSchema).default([]).meta({ description: 'Standard operating procedures, one per incident type.' }),
  receivers: z.array(receiverSchema).default([]).meta({ description: 'Where notifications go; policies, escalation steps and SOPs name them.' }),
  maintenance: z.array(maintenanceSchema).default([]).meta({ description: 'Silences kept as code: one-off or recurring maintenance windows.' }),
  flapping: flappingSchema.optional().meta({ description: 'When an alert counts as flapping (default: 4 starts within 1h).' }),
});

export type PolicyConfig = z.output<typeof policySchema>;
export type InhibitConfig = z.output<typeof inhibitSchema>;
export type SopConfig = z.output<typeof sopSchema>;
export type MaintenanceConfig = z.output<typeof maintenanceSchema>;
export type FlappingConfig = z.output<typeof flappingSchema>;
export type PolicyFile = z.output<typeof policyFileSchema>;
