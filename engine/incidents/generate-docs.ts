// Generates docs/incidents.md whole: the guide to incident management written
// here, and the reference of every policy-file key produced from
// policy-schema.ts (receivers from engine/notify), so the documented keys,
// types and defaults are the ones the loader enforces. Run
// `npx tsx engine/incidents/generate-docs.ts`; a unit test fails when the file
// is out of date. The Markdown file must never be edited by hand.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  DEFAULT_BACKOFF,
  DEFAULT_DELIVERED_RETENTION_MS,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  DEFAULT_TITLES,
  NOTIFICATION_VARS,
  payloadFor,
  receiverSchema,
  type NotificationVar,
} from '../notify/index.ts';
import { table, typeLabel, yamlBlock, type JsonSchema } from '../rules/generate-docs.ts';
import { MAX_TEXT, MAX_TIMELINE } from './manager.ts';
import type { NotificationReason, OperatorAction, TimelineKind } from './model.ts';
import { DEFAULT_FLAPPING, defaultPolicy } from './policy-loader.ts';
import { alertLabels, matchersSchema, policyFileSchema, type AlertLabel } from './policy-schema.ts';

/** docs/incidents.md, resolved from this file so the script works from any cwd. */
export const INCIDENTS_DOC_PATH = fileURLToPath(new URL('../../docs/incidents.md', import.meta.url));

/** The complete policy file shown at the end of the document; the unit test checks that it loads without diagnostics. */
export const EXAMPLE_POLICY_FILE = `# rules/policies/example.yaml
policies:
  - id: flood
    type: flood
    title: { vi: "Ngập lụt: {zone}", en: "Flooding: {zone}" }
    match: { rules: ["flood.*", "service.hotline-flood-*"] }
    groupBy: [zone]
    neighbours: true
    span: 30m
    groupWait: 30s
    groupInterval: 5m
    notify: [drainage-company, ops-bus]
    escalation:
      - { after: 10m, severities: [critical], notify: [duty-manager] }
      - { after: 30m, raise: critical, notify: [duty-manager] }

  - id: air-quality
    type: air-quality
    title: { vi: "Ô nhiễm không khí: {zone}", en: "Air pollution: {zone}" }
    match: { rules: ["aq.*"], severities: [major, critical] }
    groupBy: [zone]
    span: 2h
    groupWait: 1m
    groupInterval: 30m
    notify: [ops-bus]
    autoResolve: true

inhibit:
  # A flood explains the traffic jams in its districts.
  - id: flood-mutes-traffic
    source: { incidentTypes: [flood] }
    target: { rules: ["traffic.*"] }
  # A ward without power explains its sensors going quiet.
  - id: outage-mutes-offline
    source: { alerts: { rules: ["power.ward-outage"] } }
    target: { rules: ["sensor.*-offline"] }
    equal: [zone]

sops:
  - type: flood
    escalate: [duty-manager]
    steps:
      - { id: notify-drainage, title: { vi: "Báo Công ty Thoát nước", en: "Notify the drainage company" }, owner: duty-officer, due: 10m }
      - { id: dispatch-pumps, title: { vi: "Điều xe bơm", en: "Dispatch pump trucks" }, owner: drainage-company, due: 30m }

receivers:
  - name: drainage-company
    webhook: { url: "https://dispatch.example.vn/ioc", secretEnv: IOC_DRAINAGE_WEBHOOK_SECRET, timeoutMs: 5000 }
    locale: vi
    title: { vi: "[{{severity}}] {{title_vi}}" }
    body:
      vi: |-
        Sự cố {{incidentId}} ({{reason}}), khu vực {{zones}}
        Phụ trách: {{assignee}}
        {{link}}
  - name: ops-bus
    nats: { subject: ioc.notifications.ops }
  - name: duty-manager
    nats: { subject: ioc.notifications.duty-manager }
    locale: both

maintenance:
  # Pump stations are serviced every night 01:00–03:00, Hanoi time.
  - id: nightly-pump-maintenance
    matchers: { rules: ["sensor.gauge-offline"], sources: ["wl-pump-*"] }
    schedule: { cron: "0 1 * * *", duration: 2h, timezone: Asia/Ho_Chi_Minh }
    reason: nightly pump station maintenance
    createdBy: drainage-company
  # The Long Biên air monitors are replaced in the first week of December.
  - id: long-bien-aq-replacement
    matchers: { rules: ["aq.*"], zones: [long-bien] }
    startsAt: "2026-12-01T00:00:00+07:00"
    endsAt: "2026-12-08T00:00:00+07:00"
    reason: air monitors being replaced

flapping: { window: 1h, starts: 4 }
`;

// --- the reference, from the schema ------------------------------------------

interface Schema extends JsonSchema {
  format?: string;
  propertyNames?: JsonSchema;
  properties?: Record<string, Schema>;
  items?: Schema;
}

const UNITS: readonly [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

/** Milliseconds as a policy file writes them: 1_800_000 → `30m`, 5_400_000 → `1h30m`. */
function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0';
}

/** A duration field: text like `10m` that the schema turns into milliseconds. */
function isDuration(s: z.core.$ZodType): boolean {
  return s instanceof z.ZodPipe && s.in instanceof z.ZodString && s.out instanceof z.ZodTransform && s.safeParse('1m').data === 60_000;
}

/**
 * The input JSON Schema, with durations marked (`format: duration`). For
 * input, zod drops the examples and defaults of every schema that holds a
 * transform (all that hold a duration); ours are written as a file writes
 * them, so they are put back, and duration defaults, which the schema holds
 * in milliseconds, are written as durations again.
 */
function schemaOf(schema: z.ZodType): Schema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const examples = z.globalRegistry.get(zodSchema)?.examples;
      if (Array.isArray(examples) && jsonSchema.examples === undefined) jsonSchema.examples = examples;
      const inner = zodSchema instanceof z.ZodDefault || zodSchema instanceof z.ZodOptional ? zodSchema.unwrap() : zodSchema;
      const duration = isDuration(inner);
      if (duration) jsonSchema.format = 'duration';
      if (zodSchema instanceof z.ZodDefault && jsonSchema.default === undefined) {
        const value: unknown = zodSchema.def.defaultValue;
        jsonSchema.default = duration && typeof value === 'number' ? formatDuration(value) : value;
      }
    },
  });
  return json as Schema;
}

/** The schema without its documentation, for recognising a shared shape. */
function shape(s: Schema): string {
  return JSON.stringify(s, (k, v: unknown) => (k === 'description' || k === 'examples' ? undefined : v));
}

const MATCHERS_SHAPE = shape(schemaOf(matchersSchema));
const isMatchers = (s: Schema) => s.type === 'object' && shape(s) === MATCHERS_SHAPE;
const isLocalized = (s: Schema) => s.type === 'object' && s.properties !== undefined && Object.keys(s.properties).every((k) => k === 'vi' || k === 'en');
/** An object that gets its own section (matchers have one shared section; `{ vi, en }` texts need none). */
const isSection = (s: Schema | undefined): boolean => s?.type === 'object' && s.properties !== undefined && !isLocalized(s) && !isMatchers(s);

/** The map a key's own section documents (the key's, or its list items'), with the key's description when it has none. */
function sectionOf(p: Schema): { suffix: string; schema: Schema } | undefined {
  if (isSection(p)) return { suffix: '', schema: p };
  if (p.type === 'array' && p.items && isSection(p.items)) return { suffix: '[]', schema: { ...p.items, description: p.items.description ?? p.description } };
  return undefined;
}

function keyType(s: Schema, path: string): string {
  if (s.format === 'duration') return 'duration';
  if (isMatchers(s)) return 'matchers (see [Matchers](#matchers))';
  if (isLocalized(s)) return (s.required ?? []).length === 2 ? '`{ vi, en }`' : '`{ vi, en }`, each optional';
  const section = sectionOf(s);
  if (section) return `${section.suffix ? 'list of maps' : 'map'} (see \`${path}${section.suffix}\`)`;
  if (s.type === 'object' && s.propertyNames?.enum && typeof s.additionalProperties === 'object') {
    return `map from ${typeLabel(s.propertyNames).replace(/^one of /, '')} to ${typeLabel(s.additionalProperties)}`;
  }
  return typeLabel(s);
}

function defaultText(v: unknown): string {
  return `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;
}

/** One section per map of the file, depth first in declaration order: a key table, then the examples. */
function sections(path: string, s: Schema, out: string[]): void {
  const required = new Set(s.required ?? []);
  const props = Object.entries(s.properties ?? {});
  out.push(`### \`${path}\``, '');
  if (s.description) out.push(s.description, '');
  out.push(
    ...table(
      ['key', 'type', 'default', 'meaning'],
      props.map(([k, p]) => [
        `\`${k}\``,
        keyType(p, `${path}.${k}`),
        required.has(k) ? 'required' : p.default !== undefined ? defaultText(p.default) : '—',
        (p.description ?? '').replaceAll('\n', ' '),
      ]),
    ),
    '',
  );
  const examples = props.flatMap(([k, p]) => (p.examples ?? []).map((e) => yamlBlock({ [k]: e })));
  if (examples.length > 0) out.push(examples.length === 1 ? 'Example:' : 'Examples:', '', ...examples.flatMap((e) => [e, '']));
  for (const [k, p] of props) {
    const section = sectionOf(p);
    if (section) sections(`${path}.${k}${section.suffix}`, section.schema, out);
  }
}

/** The generated reference, Markdown: every key of a policy file with its type, default and meaning. */
export function renderReference(): string {
  const file = schemaOf(policyFileSchema);
  const out: string[] = [
    '## Reference',
    '',
    'Generated from `engine/incidents/policy-schema.ts` and `engine/notify/receiver-schema.ts`; edit the schemas, not this section.',
    'Unknown keys are errors; durations are written like `30s`, `10m`, `1h30m`, `1d`.',
    '',
    '### The file',
    '',
    'Every key is optional; the files of the directory are read in name order and their lists joined (policies keep file order).',
    '',
    ...table(
      ['key', 'type', 'meaning'],
      Object.entries(file.properties ?? {}).map(([k, p]) => [`\`${k}\``, keyType(p, k), (p.description ?? '').replaceAll('\n', ' ')]),
    ),
    '',
  ];
  for (const [k, p] of Object.entries(file.properties ?? {})) {
    const section = sectionOf(p);
    if (section) sections(`${k}${section.suffix}`, section.schema, out);
  }
  const matchers = schemaOf(matchersSchema);
  out.push('### Matchers', '', `${matchers.description ?? ''} Values may use \`*\` as a wildcard (\`flood.*\`, \`wl-*\`).`, '');
  out.push(
    ...table(
      ['key', 'type', 'meaning'],
      Object.entries(matchers.properties ?? {}).map(([k, p]) => [`\`${k}\``, keyType(p, k), p.description ?? '']),
    ),
  );
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

// --- the guide ----------------------------------------------------------------

const LABEL_MEANINGS: Record<AlertLabel, string> = {
  rule: 'the rule id, e.g. `flood.water-level-critical`',
  family: 'the rule id up to its first dot: `flood`',
  zone: 'the district of the alert, e.g. `hoang-mai` (empty when it has none)',
  source: 'the sensor or system the alert is about, e.g. `wl-to-lich-01`',
  severity: '`info`, `minor`, `major` or `critical`',
  key: "the rule's group key (its `groupBy` values joined with `|`)",
  eventType: 'the type of the event behind the alert, e.g. `water.level`',
};

const REASONS: Record<NotificationReason, [when: string, to: string]> = {
  opened: ['`groupWait` after the incident opened (once)', 'the policy\'s `notify`'],
  updated: ['alerts joined or fired again since the last notification; at most once per `groupInterval`', 'the policy\'s `notify`'],
  escalated: ['an escalation step is taken', 'the step\'s `notify`'],
  'sop.overdue': ['an SOP step is past its due time and not done (once per step)', 'the SOP\'s `escalate`'],
  resolved: ['an operator resolves it, or `autoResolve` does, if the incident had been announced', 'the policy\'s `notify`'],
  reopened: ['an operator reopens it', 'the policy\'s `notify`'],
};

const VAR_MEANINGS: Record<NotificationVar, string> = {
  id: 'the notification id, `<incident>:<reason>:<n>:<receiver>`: the same decision always has the same id',
  incidentId: 'the incident id, e.g. `inc-3f2a9c1b7d4e`',
  reason: 'why it is sent: `opened`, `updated`, `escalated`, `sop.overdue`, `resolved`, `reopened`',
  type: 'the incident type, e.g. `flood`',
  title_vi: 'the incident title in Vietnamese',
  title_en: 'the incident title in English',
  severity: 'the incident severity when it was decided',
  state: '`open`, `acknowledged` or `resolved`',
  zone: 'the first zone of the incident',
  zones: 'all its zones, comma-separated',
  alerts: 'how many alerts it has',
  assignee: 'who it is assigned to (empty: nobody)',
  openedAt: 'when it opened, ISO 8601 in UTC',
  link: 'the console address (`console.url`) followed by `#incident/<id>`',
  escalationLevel: 'the escalation level, `0` before the first step',
  step: 'for `sop.overdue`: `<step id>: <English title>`; empty otherwise',
};

const ACTIONS: Record<OperatorAction['kind'], [rpc: string, allowed: string, effect: string]> = {
  acknowledge: ['`Acknowledge`', 'open', 'Someone has taken it: escalation stops. Acknowledging twice is refused, naming who did it first.'],
  assign: ['`Assign`', 'any', 'Sets the person or team working it (`assignee`, required).'],
  comment: ['`Comment`', 'any', `Adds a comment to the timeline (required, at most ${MAX_TEXT} bytes).`],
  'set-severity': ['`SetSeverity`', 'any', "Sets the operator's severity override; it wins over the alerts' severities from then on."],
  resolve: ['`Resolve`', 'open, acknowledged', 'Resolves it with a note of what was done; tells the policy\'s receivers if it had been announced.'],
  reopen: ['`Reopen`', 'resolved', 'Back to open (acknowledgement and resolution cleared) with a reason; tells the policy\'s receivers.'],
  merge: ['`Merge`', 'open, acknowledged (the one that stays)', "Moves the `others`' alerts and zones into this incident; the others are resolved as `merged into <id>` and leave the list."],
  split: ['`Split`', 'open, acknowledged', 'Moves some of its alerts (not all) into a new incident of the same policy, returned; the new one has its own SOP clock.'],
  'sop-step': ['`SetSopStep`', 'any', 'Marks an SOP step done (or not done again); the timeline says who.'],
};

const TIMELINE: Record<TimelineKind, string> = {
  opened: 'the incident opened (or was split off another)',
  'alert.added': 'an alert joined',
  'alert.resolved': 'one of its alerts resolved',
  'alert.refired': 'one of its alerts fired again; also when it became flapping',
  acknowledged: 'an operator acknowledged it',
  assigned: 'an operator assigned it',
  commented: 'an operator commented',
  'severity.changed': 'its severity changed (alerts, escalation or an operator)',
  resolved: 'resolved, by an operator or by `autoResolve`',
  reopened: 'an operator reopened it',
  merged: 'incidents were merged (written on both)',
  split: 'alerts were split off into a new incident',
  escalated: 'an escalation step was taken',
  'sop.step.done': 'an SOP step was marked done',
  'sop.step.reopened': 'an SOP step was marked not done again',
  'sop.step.overdue': 'an SOP step passed its due time undone',
  notified: 'a notification was decided (which reason, which receivers)',
};

/** The payload a webhook receiver gets, rendered by engine/notify from a sample decision. */
function samplePayload(): string {
  const receiver = receiverSchema.parse({ name: 'drainage-company', webhook: { url: 'https://dispatch.example.vn/ioc' }, locale: 'en' });
  const id = 'inc-3f2a9c1b7d4e:opened:0:drainage-company';
  const vars: Record<NotificationVar, string> = {
    id,
    incidentId: 'inc-3f2a9c1b7d4e',
    reason: 'opened',
    type: 'flood',
    title_vi: 'Ngập lụt: hoang-mai',
    title_en: 'Flooding: hoang-mai',
    severity: 'major',
    state: 'open',
    zone: 'hoang-mai',
    zones: 'hoang-mai, thanh-xuan',
    alerts: '3',
    assignee: '',
    openedAt: '2026-07-20T08:00:00.000Z',
    link: 'https://ioc.hanoi.gov.vn/#incident/inc-3f2a9c1b7d4e',
    escalationLevel: '0',
    step: '',
  };
  const payload = payloadFor(receiver, { id, receiver: receiver.name, reason: 'opened', incidentId: vars.incidentId, vars, createdAt: Date.parse('2026-07-20T08:00:30Z') });
  return '```json\n' + JSON.stringify(payload, null, 2) + '\n```';
}

function guide(): string {
  const d = defaultPolicy;
  return `<!-- Generated by \`npx tsx engine/incidents/generate-docs.ts\` from engine/incidents/policy-schema.ts and the text in that script. Do not edit: edit those and regenerate. -->

# Incidents

Rules raise alerts; operators work **incidents**. Incident management groups
the alerts that belong together (a storm's rain gauges, river levels and
citizens' reports in neighbouring districts) into one incident, tells the
right people, escalates what nobody takes, tracks the standard operating
procedure, and keeps an audited timeline of everything that happened.

It is configured by **policy files**, \`rules/policies/*.yaml\` (the
\`incidents.policiesDir\` setting, \`IOC_INCIDENTS_POLICIES_DIR\`), checked by
\`npx ioc rules validate\` with errors at file:line:column. The Hanoi pack
ships [rules/policies/hanoi.yaml](../rules/policies/hanoi.yaml). A file holds
up to six lists:

| key | what it declares |
| --- | --- |
| \`policies\` | which alerts form one incident, who is told, escalation |
| \`inhibit\` | alerts or incidents that mute other alerts |
| \`sops\` | the standard operating procedure of each incident type |
| \`receivers\` | where notifications go: webhooks and NATS subjects |
| \`maintenance\` | silences kept as code: one-off or recurring (cron) windows |
| \`flapping\` | when an alert that keeps starting counts as flapping |

Every key, with its type and default, is in the [Reference](#reference) at
the end, generated from the schema the loader validates with; a complete
[example file](#example-file) follows it. Policy files inside the rules
directory are reloaded with the rules (\`rules.watch\`); an error in any of
them keeps the previous policies in force, and open incidents keep the
policy they were opened under (by its id).

## Alerts as incident management sees them

The rules engine publishes each alert change on the \`IOC_ALERTS\` stream;
incident management reads that stream and keeps one **alert record** per
alert fingerprint. Of the three alert states it sees two: \`pending\` (a
condition holding but not yet for its \`for\`) stays inside the rules engine.

| change | what happens |
| --- | --- |
| **firing**, a new start (first time, or again after resolving) | Joins or opens an incident (below), unless the alert is muted. If it already belongs to an open incident it stays there: the timeline says it fired again and the receivers get an update. |
| **firing**, same start (a new value or severity) | The incident's severity follows. |
| **resolved** | Its incident's timeline says so and the incident's severity is recomputed from the alerts still firing; with \`autoResolve\`, the incident resolves when its last alert has. |

An alert change applied twice changes nothing, so replaying the stream is
harmless. Every change is also appended to ClickHouse \`alert_events\`.

Muted and unstable alerts are **recorded and visible, never hidden**: the
console and the API show each record with these marks, and \`alert_events\`
has a column for each.

| mark | set when | effect |
| --- | --- | --- |
| \`silencedBy\` | a [silence](#silences-and-maintenance-windows) matches it | ids of the silences; a muted alert that starts firing opens or joins no incident, so nobody is notified |
| \`inhibitedBy\` | an [inhibition](#inhibition) source is active | fingerprints or incident ids that mute it; effect as for silences |
| \`flapping\` | it started firing \`flapping.starts\` times within \`flapping.window\` (default ${DEFAULT_FLAPPING.starts} within ${formatDuration(DEFAULT_FLAPPING.window)}) | see [Flapping](#flapping) |

A mute keeps an alert out of incidents; it does not take an alert out of an
incident it has already joined. When the mute ends (the silence ends, the
inhibiting alert resolves, the inhibiting incident is resolved) and the alert
is still firing, it goes to its incident at that moment and is notified as
usual.

### Flapping

Each alert record keeps the wall-clock times of its recent starts. When an
alert starts for the \`starts\`-th time within \`window\`, the incident's
timeline says it is flapping, and from then on its further starts are still
recorded but no longer notified as updates. An incident opened by a flapping
alert is not announced (the alert was, when it first fired), and an incident
that \`autoResolve\` closes while one of its alerts is flapping is resolved
without a notification. An alert stops flapping at its next start with fewer
than \`starts\` starts inside the window.

## How an alert finds its incident

1. **The policy.** Policies are tried in order (files in name order, then
   file order); the first whose \`match\` takes the alert decides. Alerts that
   no policy takes fall to the **default policy**: type \`${d.type}\`, grouped by
   ${d.groupBy.map((l) => `\`${l}\``).join(' and ')}, span ${formatDuration(d.span)}, groupWait ${formatDuration(d.groupWait)},
   groupInterval ${formatDuration(d.groupInterval)}, no receivers, no escalation, resolved by operators.
   A last policy with an empty \`match: {}\` replaces it.
2. **The group.** \`groupBy\` names the alert fields whose equal values make
   one incident:

${table(['field', 'value'], alertLabels.map((l) => [`\`${l}\``, LABEL_MEANINGS[l]])).map((line) => `   ${line}`).join('\n')}

3. **The span, in event time.** The alert joins an incident of the same
   policy and group that is not resolved and whose latest alert started
   within \`span\` of this alert's start (event time, either side, so alerts
   arriving slightly out of order still join). Otherwise it opens a new
   incident. A resolved incident is never joined: a later alert opens a new
   one (operators can [merge](#operator-actions) them).
4. **Neighbours.** With \`neighbours: true\` (which needs \`zone\` in
   \`groupBy\`), an alert also joins an incident that has a zone bordering the
   alert's zone (adjacency from the district polygons), the other \`groupBy\`
   fields being equal. Each zone joined widens the incident, so a flood
   spreading from Hoàng Mai into Thanh Xuân and on into Đống Đa stays one
   incident. When several incidents qualify, the oldest wins.

A new incident takes the policy's \`type\` and \`title\` (\`{zone}\`, \`{type}\`
and \`{rule}\` filled in from the first alert; the alert's title when the
policy has none), a copy of the SOP of its type, and an id derived from the
policy, the group and the first alert, so a replay after a crash opens the
same incident (an alert whose incident an operator resolved while it still
fired opens a new one with an id of its own). Its **severity** is the worst
of its firing alerts, unless an operator set one or an escalation step
raised it; that override then stays. An alert belongs to one incident at a
time, the last it opened or joined (or was merged or split into): an
incident reopened after one of its alerts moved on keeps listing it, but
that alert no longer counts for its severity or its \`autoResolve\`.

## Incident states

An incident is **open** (nobody has taken it), **acknowledged** (an operator
has: escalation stops) or **resolved** (by an operator, or by \`autoResolve\`
when all its alerts have resolved). A resolved incident can be reopened.
It stays in the live state (console, Incidents API, KV) for
\`incidents.keepResolvedDays\` (7) after it resolved, then it is deleted
from KV with the resolved alerts no remaining incident lists; its history
stays in ClickHouse (\`incident_events\`, \`alert_events\`), where the
Query API's counts and MTTA/MTTR read it. An alert of it that fires again
afterwards opens a new incident.
Timers run on the engine's clock (wall-clock time since the incident
opened), not on event time: \`groupWait\`, \`groupInterval\`, escalation
\`after\` and SOP \`due\`.

Everything that happens to an incident is a **timeline** entry with time,
actor (an operator, or \`system\`) and detail. The incident keeps its first
entry and its latest ${MAX_TIMELINE}; all of them are in ClickHouse \`incident_events\`.

${table(['kind', 'written when'], Object.entries(TIMELINE).map(([k, v]) => [`\`${k}\``, v])).join('\n')}

## Notifications

Notifications are decided by incident management and delivered by
\`engine/notify\` to the receivers a policy, escalation step or SOP names.

${table(['reason', 'sent when', 'to'], Object.entries(REASONS).map(([r, [when, to]]) => [`\`${r}\``, when, to])).join('\n')}

- **groupWait**: the first notification waits this long after the incident
  opens, so that the alerts arriving together go out together. An incident
  resolved within its groupWait is never announced, neither opened nor
  resolved.
- **groupInterval**: after that, alerts joining (or firing again) are
  gathered and sent as one \`updated\` notification at most once per period.
- Merge and split notify nobody by themselves: a split-off incident counts
  as announced, and its receivers hear of it with its next change.
- Each notification decided is also a \`notified\` timeline entry; a policy
  with no receivers decides none.

### Receivers

A receiver has a \`name\` and exactly one of \`webhook\` or \`nats\`, a
\`locale\` (\`vi\`, \`en\` or \`both\`) and optional \`title\` and \`body\`
templates. Naming a receiver that no file declares is an error when the
files load; a webhook whose \`secretEnv\` variable is not set stops the engine
at start, saying which.

**Webhook.** Each notification is one \`POST\` of JSON to \`url\`, with these
headers:

| header | value |
| --- | --- |
| \`content-type\` | \`application/json\` |
| \`idempotency-key\`, \`x-ioc-delivery\` | the notification id (percent-encoded when it holds characters other than printable ASCII) |
| \`x-ioc-timestamp\` | when the attempt was made, epoch milliseconds |
| \`x-ioc-signature\` | with \`secretEnv\`: \`sha256=\` and the hex HMAC-SHA256, keyed with the secret, of \`<x-ioc-timestamp>.<raw body>\` |

A 2xx answer is delivered. 408, 429, 5xx, network errors and timeouts
(\`timeoutMs\`) are retried. Any other status, redirects included (they are
not followed), means the receiver refuses the notification: it is dropped and
logged as an error. The body, here for a receiver with \`locale: en\` (with
\`both\`, \`title\` and \`body\` are \`{ vi, en }\` objects):

${samplePayload()}

**Verifying a webhook**, on the receiving side:

1. Read the raw body, before any JSON parsing.
2. Compute \`sha256=\` + hex(HMAC-SHA256(secret, \`<x-ioc-timestamp>.<raw body>\`)).
3. Compare with \`x-ioc-signature\` in constant time; refuse if they differ.
4. Refuse a timestamp more than ${DEFAULT_SIGNATURE_TOLERANCE_MS / 60_000} minutes from your clock (a replayed request).
5. De-duplicate on \`idempotency-key\`: the same notification can arrive twice.

\`\`\`js
import { createHmac, timingSafeEqual } from 'node:crypto';

function verify(rawBody, headers, secret) {
  const ts = headers['x-ioc-timestamp'] ?? '';
  const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(\`\${ts}.\${rawBody}\`).digest('hex'));
  const given = Buffer.from(headers['x-ioc-signature'] ?? '');
  const fresh = /^\\d+$/.test(ts) && Math.abs(Date.now() - Number(ts)) <= ${DEFAULT_SIGNATURE_TOLERANCE_MS};
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}
\`\`\`

TypeScript code in this repository can call \`verifySignature\` from
\`engine/notify\`. By hand: \`printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"\`.

**NATS.** The same JSON is published on \`subject\` with \`Nats-Msg-Id\` set
to the notification id. When a JetStream stream captures the subject,
JetStream stores it and drops a repeat within its duplicate window; without
one it is a plain publish, which only subscribers connected at that moment
receive.

### Templates

\`title\` and \`body\` are text with \`{{var}}\` placeholders; a placeholder that
is not one of these is an error when the file loads. A var without a value
renders empty, and in a body a line whose placeholders are all empty is left
out (so \`Phụ trách: {{assignee}}\` disappears while nobody is assigned).

${table(['var', 'value'], NOTIFICATION_VARS.map((v) => [`\`{{${v}}}\``, VAR_MEANINGS[v]])).join('\n')}

Without templates, a receiver gets these titles (and a body with the
incident's id, severity, state, zones, alert count, assignee, opening time
and link):

${table(['reason', 'vi', 'en'], Object.entries(DEFAULT_TITLES).map(([r, t]) => [`\`${r}\``, t.vi, t.en])).join('\n')}

### Delivery guarantees

- **Nothing decided is lost.** A notification is stored in the outbox, a
  NATS KV bucket (\`nats.outboxBucket\`, default \`ioc_notify_outbox\`), before
  the incident change that decided it counts as done; a restarted engine
  delivers what the outbox holds.
- **Retries.** A failed attempt is retried with exponential backoff, from
  ${DEFAULT_BACKOFF.initialMs / 1000} s doubling to ${DEFAULT_BACKOFF.maxMs / 60_000} minutes (with jitter), for as long as it takes. Every
  attempt is a row in ClickHouse \`notification_deliveries\`.
- **Stable ids, at least once.** A decision always gets the same id
  (\`<incident>:<reason>:<n>:<receiver>\`), so a decision replayed after a crash
  is recognised and not queued again (ids are remembered for
  ${DEFAULT_DELIVERED_RETENTION_MS / 86_400_000} days). A crash after a receiver answered but before that was
  recorded sends it once more: receivers de-duplicate on the id. (Rarely, a
  change retried after another engine wrote first decides it under a new id:
  a duplicate is preferred to a loss; decision 0502.)
- **Receivers are independent.** Each has its own queue, delivered in the
  order decided; a receiver that is down or slow holds up only its own.
- **Several engine processes share one outbox** (scale-out): each attempt
  is made under a claim in the bucket (compare-and-set, held for the
  receiver's timeout plus 30 s), so two processes never attempt one
  notification at once, and none attempts one another already delivered.
  Every 15 s each process takes over notifications older than that which
  another process left undelivered (it died, or is stuck), so a dead
  process's notifications are still sent, once. A process's claims carry its
  host and gRPC port, so a restarted engine resumes its own at once.
- **Scale-out: one process leads.** With \`cluster.partitions\` set, only
  the engine process holding the router slot applies alert changes and runs
  escalation and auto-resolve timers; the others follow the incident bucket
  through a watch (within half a second), serve it to their consoles, and
  apply operator actions with compare-and-set. The lead moves with the slot.
  A single engine process (no \`cluster.partitions\`) is the bucket's only
  writer and does not watch it; its compare-and-set writes still refuse to
  overwrite anything another process wrote (it reloads and retries).

## Escalation

While an incident is **open** (not acknowledged), its policy's \`escalation\`
steps are taken in order, each at \`after\` from the moment the incident
opened: the escalation level goes up, the timeline records it, the step's
\`notify\` receivers are told (reason \`escalated\`), and \`raise\` lifts the
incident's severity to at least that. A step with \`severities\` is taken only
if the incident has one of them when its time comes; otherwise it is passed
over, and the level still counts it, so level 2 always means the second step.
Acknowledging stops escalation. Reopening does not reset the level: the steps
not yet taken follow, at their times counted from the first opening.

## Standard operating procedures

The \`sops\` entry for an incident type is copied into every incident of that
type when it opens (and into an incident split off one), each step with its
owner and a due time \`due\` after the opening. Operators mark steps done or
not done (\`SetSopStep\`). A step still undone at its due time, while the
incident is not resolved (acknowledged or not), is marked overdue once: the
timeline says so and the SOP's \`escalate\` receivers are told (reason
\`sop.overdue\`, var \`step\`).

## Silences and maintenance windows

A silence mutes the alerts its matchers take (see [Alerts as incident
management sees them](#alerts-as-incident-management-sees-them)) while it is
active, by the engine's clock:

- **One-off**, from operators over gRPC (\`CreateSilence\`): active from
  \`starts_at\` until \`ends_at\`. It needs at least one matcher (it would
  otherwise mute everything) and a reason; the creator is the caller
  (\`x-ioc-user\`). \`ExpireSilence\` ends it early and says who did.
- **Recurring**, with a \`schedule\`: a five-field cron expression (or
  \`@daily\`, \`@hourly\`, ...) read in an IANA time zone (default
  \`Asia/Ho_Chi_Minh\`) opens a window of the given length at each tick, within
  the silence's start and end. When day-of-month and day-of-week are both
  restricted, either matches, as in Vixie cron. A window lasts at most 31 days.
- **As code**, under \`maintenance:\` in a policy file: one-off
  (\`startsAt\`/\`endsAt\`) or recurring (\`schedule\`). They are listed as
  \`policy:<id>\`, replaced when the files reload, and cannot be expired over
  gRPC: remove them from the file.

\`ListSilences\` returns every silence, active, future and ended; ended and
expired ones are forgotten a week after they end.

## Inhibition

An inhibition mutes its \`target\` alerts while its \`source\` is active:

- **Alert sources** (\`source.alerts\`): a firing alert that the matchers take
  mutes the target alerts that have the same values of the \`equal\` fields
  (default \`[zone]\`). An alert never inhibits itself.
- **Incident sources** (\`source.incidentTypes\`): an incident of one of these
  types that is not resolved mutes the target alerts in any of its zones
  (\`equal\` may only be \`[zone]\`, the default, or \`[]\` for anywhere). Alerts
  that are part of that incident are not muted by it.

An inhibited alert records what mutes it (\`inhibitedBy\`). When the source
goes away (the alert resolves, the incident is resolved or merged away),
mutes are re-evaluated at once, and targets still firing go to their
incidents then.

## Operator actions

Operators and integrators work incidents over gRPC (port 50051) and gRPC-web
(the HTTP port, for the console): service \`ioc.v1.Incidents\` in
[protos/ioc/v1/incident.proto](../protos/ioc/v1/incident.proto). Every action,
and silence creation and expiry, names the acting operator in the
**\`x-ioc-user\`** request metadata (header); a call without it fails with
\`INVALID_ARGUMENT\`. Until authentication arrives the header is trusted as
sent. Each action returns the incident as it is afterwards and is recorded on
its timeline with the actor.

${table(['action', 'rpc', 'allowed in', 'effect'], Object.entries(ACTIONS).map(([k, [rpc, allowed, effect]]) => [`\`${k}\``, rpc, allowed, effect])).join('\n')}

Errors: \`NOT_FOUND\` (no such incident, SOP step or silence), \`INVALID_ARGUMENT\`
(a missing field, text over ${MAX_TEXT} bytes, no \`x-ioc-user\`),
\`FAILED_PRECONDITION\` (the incident is not in a state that allows it, e.g.
acknowledging a resolved incident), \`ABORTED\` (another engine changed it
first: read it again and retry).

**Merge and split.** \`Merge\` keeps the incident it is called on; the others
must exist and not be that incident. Their alerts and zones move over, they
are resolved with \`merged into <id>\`, and watchers get \`removed\` for them.
\`Split\` names the fingerprints to move (at least one, not all); the new
incident has the same type, policy and title, and opens now.

**Reading.** \`List\` filters by state, severity, zone, type, opening time and
text (title, id, assignee, comments), newest first, without timelines (at
most 1000, default 200, with \`more\` when there are more). \`Get\` returns an
incident with its timeline, its alerts and the events behind them.
\`ListSilences\` lists silences.

**Watch** streams every incident that is not resolved, then
\`snapshot_end\`, then every change as it happens: incidents (whole, replace
what you hold), \`removed\` (merged away), alert records and silences. A client
too far behind is cut off with \`RESOURCE_EXHAUSTED\` and should reconnect for
a fresh snapshot.

**Stats** gives, per incident type and zone, for the incidents opened in
\`[from, to)\`: how many, how many acknowledged and resolved, **MTTA** (mean
time from opening to the first acknowledgement) and **MTTR** (mean time from
opening to the last resolution, counting only incidents not reopened since).
An incident in several zones counts in each. It reads ClickHouse
\`incident_events\`; an engine without ClickHouse (embedded mode) answers
\`FAILED_PRECONDITION\`.

## Durability and restarts

- **State** (incidents, alert records, operator silences, and the position
  in the alerts stream) is in the NATS KV bucket \`ioc_incidents\`
  (\`nats.incidentsBucket\`), one key per incident, alert and silence. Every
  write is a compare-and-set on the key's revision, so two engines cannot
  overwrite each other: the one that loses reloads the state, and an
  operator's action that lost fails with \`ABORTED\`.
- **History** is appended to ClickHouse: \`alert_events\` (every alert change
  with its marks and incident), \`incident_events\` (every timeline entry with
  the incident's state after it) and \`notification_deliveries\` (every
  delivery attempt). Rows are idempotent (ReplacingMergeTree), so a replayed
  row does not count twice.
- **Order.** Each change is made durable in this order: history rows, then
  notifications into the outbox, then state, then the stream position. A
  crash anywhere replays alert changes already applied (no-ops) and decides
  the same notification ids again (the outbox drops them).
- **A restart keeps** every incident with its timeline, SOP progress,
  escalation level and pending notification timers (what fell due while the
  engine was down runs at once), the alert records and their marks, the
  operator silences, and the outbox with its retry state; it continues the
  alerts stream where it stopped. Maintenance windows come from the policy
  files.
- **While ClickHouse is unreachable** incidents carry on; history rows wait
  in memory (up to 100,000) and are written when it is back. Those waiting
  rows are lost if the engine crashes meanwhile.
- **Embedded mode** (no NATS) keeps all of this in memory: a restart starts
  empty.
- The KV buckets have JetStream's durability: in production use three
  replicas (\`nats.replicas\`) and a \`sync_interval\` as decided in
  [decision 0404](decisions/0404-production-durability-settings.md).
`;
}

/** The whole of docs/incidents.md. */
export function renderIncidentsDoc(): string {
  const doc = [guide(), renderReference(), '## Example file', '', 'Every section of a policy file (it loads without errors; a unit test checks it):', '', '```yaml', EXAMPLE_POLICY_FILE.trimEnd(), '```', ''].join('\n');
  return doc.replace(/\n{3,}/g, '\n\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const next = renderIncidentsDoc();
  let current = '';
  try {
    current = readFileSync(INCIDENTS_DOC_PATH, 'utf8');
  } catch {
    // First run: the file does not exist yet.
  }
  if (next === current) console.log('docs/incidents.md is up to date');
  else {
    writeFileSync(INCIDENTS_DOC_PATH, next);
    console.log('docs/incidents.md regenerated');
  }
}
