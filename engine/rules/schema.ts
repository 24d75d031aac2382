// The rule language's schema, declared once: the loader validates rule files
// and rule test files with it, its messages become the diagnostics, and the
// reference in docs/rules.md is generated from it. It must never compile or
// evaluate an expression; that happens in compile.ts once a rule is valid.

import { z } from 'zod';
import { severities } from '../alerts/index.ts';
import { parseEventTime } from '../events/index.ts';
import { parseOffset } from './duration.ts';

/** Rule ids: lower-case, at least two dotted segments (`family.name`). */
const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;

/** Event types and type globs (`*` matches any run of characters, dots included). */
const TYPE_PATTERN = /^[A-Za-z0-9_*][A-Za-z0-9_*-]*(\.[A-Za-z0-9_*][A-Za-z0-9_*-]*)*$/;

/** The event fields a rule reads as `e.<field>`, with their CEL types. */
export const eventFields = {
  id: { type: 'string', description: 'Event id, unique per source.' },
  type: { type: 'string', description: 'Dotted event type, e.g. `water.level`.' },
  source: { type: 'string', description: 'Sensor or system id.' },
  time: { type: 'int', description: 'Event time, epoch milliseconds.' },
  value: { type: 'double', description: 'The measured value. May be absent: test with `has(e.value)`; reading it when absent is an evaluation error.' },
  unit: { type: 'string', description: 'Unit of the value; `""` when not given.' },
  lat: { type: 'double', description: 'Latitude. May be absent, like `value`.' },
  lon: { type: 'double', description: 'Longitude. May be absent, like `value`.' },
  zone: { type: 'string', description: 'District id such as `hoan-kiem` (derived from lat/lon when the sender gave none); `""` when unknown.' },
  attrs: { type: 'map<string, string>', description: 'Attributes, e.g. `e.attrs.category`. A missing key is an evaluation error; test with `"category" in e.attrs`.' },
} as const;

export type EventField = keyof typeof eventFields;

/** `e.<field>`, `e.attrs.<name>` or `e.attrs["any name"]`. */
const FIELD_PATH_PATTERN = new RegExp(
  `^e\\.(${Object.keys(eventFields).filter((f) => f !== 'attrs').join('|')}|attrs\\.[A-Za-z_][A-Za-z0-9_]*|attrs\\["[^"\\\\]+"\\])$`,
);

const LABEL_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

// No .trim(): CEL error offsets are counted in the text as written.
const text = (what: string) => z.string({ error: `must be ${what}` }).refine((s) => s.trim() !== '', { error: 'must not be empty' });

const localized = (what: string) =>
  z.strictObject(
    {
      vi: text('a string').meta({ description: `${what} in Vietnamese.` }),
      en: text('a string').meta({ description: `${what} in English.` }),
    },
    { error: 'must be a map with `vi` and `en` texts' },
  );

const typePattern = z
  .string({ error: 'must be an event type like `water.level` or a glob like `aq.*`' })
  .regex(TYPE_PATTERN, { error: 'must be an event type like `water.level` or a glob like `aq.*` (letters, digits, `_`, `-`, `*`, dots)' });

/** One rule, as written in a rules file. */
export const ruleSchema = z.strictObject({
  id: z
    .string({ error: 'must be a string' })
    .max(128, { error: 'must be at most 128 characters' })
    .regex(RULE_ID_PATTERN, { error: 'must be lower-case dotted words like `flood.water-level-critical`' })
    .meta({
      description:
        'Unique identity of the rule across all files. Lower-case, at least two dotted segments; the first segment is the rule family (`flood`, `aq`, ...). Alerts are identified by rule id and group key, so renaming a rule ends its alerts and starts new ones.',
      examples: ['flood.water-level-critical'],
    }),
  title: localized('Short name of the rule').meta({
    description: 'Short name of the rule in Vietnamese and English, shown in the alert list and used as the message when `message` is absent.',
    examples: [{ vi: 'Mực nước nguy hiểm', en: 'Critical water level' }],
  }),
  on: z
    .union([typePattern, z.array(typePattern, { error: 'must be a list of event types' }).min(1, { error: 'must not be empty' })], {
      error: 'must be an event type, a glob like `aq.*`, or a list of them',
    })
    .meta({
      description:
        'The event types the rule watches: one type, a glob (`aq.*` matches `aq.pm25` and `aq.pm10`; `*` matches any run of characters, dots included), or a list of them. An event is evaluated only by the rules that watch its type.',
      examples: ['water.level', ['aq.pm25', 'aq.pm10']],
    }),
  where: z
    .string({ error: 'must be a CEL expression (a string)' })
    .refine((s) => s.trim() !== '', { error: 'must not be empty; leave the key out to match every event' })
    .optional()
    .meta({
      description:
        'Condition in CEL over the event `e`; the rule matches an event when it is true. Type-checked when the rule loads. Leave it out to match every event of the watched types.',
      examples: ['e.value >= 2.0 && e.zone in ["hoan-kiem", "hoang-mai"]'],
    }),
  groupBy: z
    .array(
      z
        .string({ error: 'must be a field path like `e.source`' })
        .regex(FIELD_PATH_PATTERN, { error: `must be a field path: e.${Object.keys(eventFields).filter((f) => f !== 'attrs').join(', e.')}, e.attrs.<name> or e.attrs["<name>"]` })
        .meta({ suggestions: Object.keys(eventFields).map((f) => `e.${f}`) }),
      { error: 'must be a list of field paths like [e.source]' },
    )
    .min(1, { error: 'must not be empty; leave the key out to group by e.source' })
    .default(['e.source'])
    .meta({
      description:
        'Field paths whose values form the alert key: one alert per distinct key and rule. Values are joined with `|`; a missing field counts as the empty string.',
      examples: [['e.zone', 'e.attrs.category']],
    }),
  severity: z.enum(severities, { error: `must be one of ${severities.join(', ')}` }).meta({
    description: 'How bad it is when the rule fires: `info`, `minor`, `major` or `critical` (alerts are published on `ioc.alerts.<severity>.<rule>`).',
    examples: ['critical'],
  }),
  message: localized('Message template')
    .optional()
    .meta({
      description:
        'The alert message in Vietnamese and English. `{{ expr }}` placeholders are CEL expressions over the event `e`, type-checked at load. Numbers print readably (`2.35`, not `2.3500000001`; integers without `.0`), with a decimal comma in Vietnamese (`2,35`). Defaults to the title.',
      examples: [{ vi: 'Mực nước {{ e.value }} m tại {{ e.source }}', en: 'Water level {{ e.value }} m at {{ e.source }}' }],
    }),
  description: text('a string')
    .optional()
    .meta({ description: 'What the rule detects, why, and what an operator should do; shown to operators with the alert.', examples: ['Water is 2 m or more above the warning level: flooding of low streets is likely within the hour.'] }),
  labels: z
    .record(
      z.string().regex(LABEL_KEY_PATTERN, { error: 'label names must be letters, digits and `_`, not starting with a digit' }),
      z.string({ error: 'must be a string (quote numbers and booleans)' }),
      { error: 'must be a map of label names to strings' },
    )
    .optional()
    .meta({ description: 'Free-form string labels copied to the rule for routing and filtering (team, runbook, ...).', examples: [{ team: 'flood-response', runbook: 'https://wiki.example/flood' }] }),
  enabled: z.boolean({ error: 'must be true or false' }).default(true).meta({
    description: 'Set to `false` to keep a rule in the file (still validated) without evaluating it.',
    examples: [false],
  }),
});

/** A rule after validation, defaults filled in. */
export type RuleSpec = z.output<typeof ruleSchema>;

/**
 * Keys of the full rule format that later releases implement. They are
 * rejected with a clear message rather than silently ignored, and listed in
 * the reference so authors know they are coming.
 */
export const plannedKeys: Readonly<Record<string, string>> = {
  window: 'event-time window per group, e.g. `{ size: 15m, slide: 1m }`',
  aggregate: 'aggregates over the window, e.g. `{ avg: avg(e.value), n: count() }`',
  when: 'CEL condition over the aggregates',
  for: 'how long the condition must hold before the alert fires, e.g. `10m`',
  clear: 'hysteresis: the condition under which a firing alert resolves',
  absent: 'fire when nothing arrives for a group for this long, e.g. `10m`',
  sequence: 'events that must follow each other (A then B within T)',
  sameKey: 'the fields that must be equal across the steps of a sequence',
};

/** The keys a rule file may hold at the top level when it is a map with `rules:`. */
export const ruleFileSchema = z.strictObject({
  rules: z.array(z.unknown(), { error: 'must be a list of rules' }).meta({ description: 'The rules of the file.' }),
});

// Rule test files (`x.test.yaml` beside `x.yaml`).

const testTime = z
  .string({ error: 'must be an RFC 3339 time or a relative time like `+5m`' })
  .refine((s) => parseOffset(s) !== undefined || typeof parseEventTime(s) === 'number', {
    error: 'must be an RFC 3339 time (2026-07-01T08:00:00+07:00) or a relative time like `+5m`, `+1h30m`, `-30s`',
  });

const testEvent = z.strictObject({
  time: testTime.meta({ description: 'Event time: RFC 3339 or relative to the case `start` (`+0`, `+90s`, `+5m`, `+1h30m`).', examples: ['+5m'] }),
  type: z.string({ error: 'must be an event type' }).meta({ description: 'Event type.', examples: ['water.level'] }),
  source: z.string({ error: 'must be a string' }).optional().meta({ description: 'Sensor or system id; defaults to `test`.', examples: ['wl-to-lich-01'] }),
  id: z.string({ error: 'must be a string' }).optional().meta({ description: 'Event id; defaults to `e<n>`, its position in the case.' }),
  value: z.number({ error: 'must be a number' }).optional().meta({ description: 'Measured value.', examples: [2.35] }),
  unit: z.string({ error: 'must be a string' }).optional().meta({ description: 'Unit of the value.' }),
  lat: z.number({ error: 'must be a number' }).optional().meta({ description: 'Latitude.' }),
  lon: z.number({ error: 'must be a number' }).optional().meta({ description: 'Longitude.' }),
  zone: z.string({ error: 'must be a string' }).optional().meta({ description: 'District id.', examples: ['hoang-mai'] }),
  attrs: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, number or boolean' }), { error: 'must be a map' })
    .optional()
    .meta({ description: 'Attributes (string map).', examples: [{ category: 'flood' }] }),
});

const expectedChange = z.strictObject({
  rule: z.string({ error: 'must be a rule id' }).meta({ description: 'Rule id; must be a rule of the sibling rules file.' }),
  key: z.string({ error: 'must be a string' }).meta({ description: 'Alert key (group values joined with `|`).', examples: ['wl-to-lich-01'] }),
  state: z.enum(['firing', 'resolved'], { error: 'must be firing or resolved' }).meta({ description: 'The state the alert enters.' }),
  severity: z.enum(severities, { error: `must be one of ${severities.join(', ')}` }).optional().meta({ description: 'Checked when given.' }),
  at: testTime.optional().meta({ description: 'Event time of the change; checked when given.', examples: ['+10m'] }),
  message: z
    .strictObject(
      {
        vi: z.string({ error: 'must be a string' }).optional().meta({ description: 'Exact Vietnamese message.' }),
        en: z.string({ error: 'must be a string' }).optional().meta({ description: 'Exact English message.' }),
      },
      { error: 'must be a map with `vi` and/or `en`' },
    )
    .optional()
    .meta({ description: 'Exact rendered message; each language is checked when given.' }),
});

const testCase = z.strictObject({
  name: text('a string').meta({ description: 'What the case shows.', examples: ['level above 2 m fires, falling back resolves'] }),
  start: testTime
    .refine((s) => parseOffset(s) === undefined, { error: 'must be an absolute RFC 3339 time' })
    .default('2026-07-01T08:00:00+07:00')
    .meta({ description: 'Time that relative times count from.' }),
  events: z.array(testEvent, { error: 'must be a list of events' }).meta({ description: 'Input events, processed in the order given (not sorted by time), so late arrivals can be tested.' }),
  expect: z.array(expectedChange, { error: 'must be a list of expected alert changes' }).meta({
    description: 'Every alert state change the events cause, in order. `[]` expects none. Extra or missing changes fail the case.',
  }),
});

/** A rule test file. */
export const ruleTestFileSchema = z.strictObject({
  tests: z.array(testCase, { error: 'must be a list of test cases' }).meta({ description: 'The test cases of the file.' }),
});

export type RuleTestCaseSpec = z.output<typeof ruleTestFileSchema>['tests'][number];
export type ExpectedChangeSpec = RuleTestCaseSpec['expect'][number];
