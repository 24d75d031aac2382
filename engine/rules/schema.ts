// The rule language's schema, declared once: the loader validates rule files
// and rule test files with it, its messages become the diagnostics, and the
// reference in docs/rules.md is generated from it. It must never compile or
// evaluate an expression; that happens in compile.ts once a rule is valid.

import { z } from 'zod';
import { severities } from '../alerts/index.ts';
import { parseEventTime } from '../events/index.ts';
import { parseDuration, parseOffset } from './duration.ts';

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

/** Names of aggregates, group key values and sequence steps: CEL identifiers. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Strings that are meant as field paths (`e.zonee`), told apart from CEL calls such as `cell(e, 500)`. */
const PATH_LIKE = /^e(\.[A-Za-z_][A-Za-z0-9_]*)*$|^e\.attrs\[/;

const duration = (what: string, opts: { zero?: boolean } = {}) =>
  z
    .string({ error: `must be a duration like \`30s\`, \`10m\`, \`1h\`, \`1d\`` })
    .refine((s) => {
      const ms = parseDuration(s);
      return ms !== undefined && (opts.zero === true || ms > 0);
    }, { error: `must be a duration like \`30s\`, \`10m\`, \`1h30m\`, \`1d\`${opts.zero ? '' : ' (more than 0)'}` })
    .meta({ description: what });

const fieldPaths = `e.${Object.keys(eventFields).filter((f) => f !== 'attrs').join(', e.')}, e.attrs.<name> or e.attrs["<name>"]`;

/** One value of a group key: a field path, a call such as `cell(e, 500)`, or `{ name: <CEL over e> }`. */
const keyPart = z.union(
  [
    z
      .string()
      .refine((s) => !PATH_LIKE.test(s) || FIELD_PATH_PATTERN.test(s), { error: `must be a field path: ${fieldPaths}` })
      .refine((s) => PATH_LIKE.test(s) || /^[a-z]+\(.*\)$/s.test(s) || /^[a-z]+\([^)]*$|^[^(]*\)$/.test(s), { error: 'must be a field path like `e.source` or a call like `cell(e, 500)`; name any other expression: `{ name: <CEL> }`' })
      .refine((s) => !/^[a-z]+\([^)]*$|^[^(]*\)$/.test(s), { error: 'is half a call: in a flow list `[ ... ]` a comma separates YAML items, so quote the call (`["cell(e, 500)"]`) or write the list as `- cell(e, 500)` lines' })
      .meta({ suggestions: Object.keys(eventFields).map((f) => `e.${f}`) }),
    z
      .record(z.string().regex(NAME_PATTERN, { error: 'names are letters, digits and `_`' }), z.string({ error: 'must be a CEL expression (a string)' }), { error: 'must be a map' })
      .refine((m) => Object.keys(m).length === 1, { error: 'must name exactly one expression, e.g. `{ road: e.attrs.road }`' }),
  ],
  { error: 'must be a field path like `e.source`, a call like `cell(e, 500)`, or `{ name: <CEL> }`' },
).meta({ suggestions: Object.keys(eventFields).map((f) => `e.${f}`) });

const keyParts = (what: string) => z.array(keyPart, { error: `must be a list like [e.source]` }).min(1, { error: `must not be empty; ${what}` });

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
    .optional()
    .meta({
      description:
        'The event types the rule watches: one type, a glob (`aq.*` matches `aq.pm25` and `aq.pm10`; `*` matches any run of characters, dots included), or a list of them. An event is evaluated only by the rules that watch its type. Required, except in sequence rules, whose steps each have their own `on`.',
      examples: ['water.level', ['aq.pm25', 'aq.pm10']],
    }),
  where: z
    .string({ error: 'must be a CEL expression (a string)' })
    .refine((s) => s.trim() !== '', { error: 'must not be empty; leave the key out to match every event' })
    .optional()
    .meta({
      description:
        'Condition in CEL over the event `e`; the rule matches an event when it is true. Type-checked when the rule loads. Leave it out to match every event of the watched types. In windowed and absence rules it filters the events that count.',
      examples: ['e.value >= 2.0 && e.zone in ["hoan-kiem", "hoang-mai"]'],
    }),
  groupBy: keyParts('leave the key out to group by e.source')
    .default(['e.source'])
    .meta({
      description:
        'What forms the group key: one alert (and one window, one absence clock) per distinct key and rule. Each entry is a field path (`e.source`, `e.zone`, `e.attrs.category`), a call such as `cell(e, 500)` (the grid cell of the event position), or `{ name: <CEL over e> }`. Values are joined with `|`; a missing field counts as the empty string. In `when`, `clear` and messages of windowed and absence rules the values are `key.<name>`: the last segment of a path (`key.zone`, `key.category`), the function of a call (`key.cell`), or the given name. Grouping by a field with a value per event (e.id, e.time, e.value, e.lat, e.lon) or by a free attribute or expression needs `maxKeys`.',
      examples: [['e.zone', 'e.attrs.category'], ['cell(e, 500)']],
    }),
  window: z
    .strictObject(
      {
        size: duration('Length of each window.').optional(),
        slide: duration('How often a sliding window starts; `size` must be a multiple of it.').optional(),
        session: duration('A session window per key closes after this long without events.').optional(),
      },
      { error: 'must be a map like `{ size: 15m, slide: 1m }` or `{ session: 10m }`' },
    )
    .superRefine((w, ctx) => {
      if (w.session !== undefined && (w.size !== undefined || w.slide !== undefined)) ctx.addIssue({ code: 'custom', path: ['session'], message: 'is a window of its own: give `session` alone, or `size` (and `slide`)' });
      else if (w.session === undefined && w.size === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'needs `size` (tumbling, or sliding with `slide`) or `session`' });
      else if (w.slide !== undefined && w.size !== undefined) {
        const size = parseDuration(w.size);
        const slide = parseDuration(w.slide);
        if (size !== undefined && slide !== undefined && slide > 0 && size % slide !== 0) ctx.addIssue({ code: 'custom', path: ['slide'], message: `must divide \`size\` (${w.size}) exactly, e.g. 1m for 15m` });
      }
    })
    .optional()
    .meta({
      description:
        'An event-time window per group: `{ size }` is tumbling (back-to-back windows, aligned to the epoch), `{ size, slide }` sliding (a window of `size` ending every `slide`), `{ session }` one window per burst of events, closed after `session` of silence. A window is evaluated when the watermark passes its end: `when` is tested at the window end, which is the time of the alert change. A window without events is not evaluated, but a firing or pending alert whose group has no events in a window resolves (no data), as in Prometheus. Needs `aggregate` and `when`.',
      examples: [{ size: '15m', slide: '1m' }, { size: '5m' }, { session: '10m' }],
    }),
  aggregate: z
    .record(z.string().regex(NAME_PATTERN, { error: 'aggregate names are letters, digits and `_`, not starting with a digit' }), z.string({ error: 'must be a call like `avg(e.value)`' }), {
      error: 'must be a map of names to calls like `{ avg: avg(e.value), n: count() }`',
    })
    .optional()
    .meta({
      description:
        'Aggregates over each window, by name: `count()`, `sum(x)`, `avg(x)`, `min(x)`, `max(x)`, `first(x)` and `last(x)` (by event time), `stddev(x)` (population), `p50(x)`, `p90(x)`, `p95(x)`, `p99(x)` (a mergeable sketch with 1% relative accuracy), `distinct(x)` (how many different values), `rate()` (events per minute over the window). `x` is CEL over the event `e` (usually a field such as `e.value`); a number for all but `distinct`. `count` and `distinct` are CEL ints, the others doubles. An event whose `x` cannot be evaluated is skipped by the rule and counted as a rule error.',
      examples: [{ avg: 'avg(e.value)', n: 'count()', worst: 'p95(e.value)' }],
    }),
  when: z
    .string({ error: 'must be a CEL expression (a string)' })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' })
    .optional()
    .meta({
      description: 'The condition of a windowed rule: CEL over the aggregate names and `key` (the group values by name, e.g. `key.zone`), tested when each window closes. Type-checked at load; a name that is not an aggregate is an error.',
      examples: ['avg > 150.0 && n >= 5'],
    }),
  for: duration('How long the condition must hold before the alert fires; the alert is `pending` meanwhile. A stateless rule fires when the watermark passes the first matching event + `for` with no non-matching event of the group in between; a windowed rule fires at the first window end at least `for` after the first true window, all windows true in between.')
    .optional()
    .meta({ examples: ['10m'] }),
  clear: z
    .string({ error: 'must be a CEL expression (a string)' })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' })
    .optional()
    .meta({
      description:
        'Hysteresis: a firing alert resolves only when this condition is true (not merely when the firing condition stops holding). CEL over `e` in stateless rules, over the aggregates and `key` in windowed rules.',
      examples: ['e.value < 1.8', 'avg < 100.0'],
    }),
  keepFiringFor: duration('Keep a firing alert firing this long after its condition stops holding (or `clear` becomes true); it resolves then unless the condition holds again. In sequence rules: how long an alert stays firing after the match (default 30m).', { zero: true })
    .optional()
    .meta({ examples: ['5m'] }),
  absent: duration('Fire when a group (a key seen before, or listed in `registry`) sends no matching event for this long, in event time; resolves when it sends one again.')
    .optional()
    .meta({ examples: ['10m'] }),
  registry: z
    .string({ error: 'must be the name of a table in rules/registry or rules/reference' })
    .optional()
    .meta({
      description:
        'For absence rules: a table whose rows are the keys expected to report, so a sensor that never reported is caught too. Each `groupBy` value is read from the column of the same name (`source` from `source` or `id`); rows with a `type` column count only when it matches `on`. Their silence is counted from the first watermark the engine sees.',
      examples: ['sensors'],
    }),
  sequence: z
    .array(
      z.strictObject(
        {
          as: z.string({ error: 'must be a name' }).regex(NAME_PATTERN, { error: 'must be letters, digits and `_`, not starting with a digit' }).meta({ description: 'Name of the step: its event is `<as>` in the message (`{{ rain.value }}`).' }),
          on: z
            .union([typePattern, z.array(typePattern).min(1, { error: 'must not be empty' })], { error: 'must be an event type, a glob, or a list of them' })
            .meta({ description: 'Event types of the step.' }),
          where: z.string({ error: 'must be a CEL expression (a string)' }).refine((s) => s.trim() !== '', { error: 'must not be empty' }).optional().meta({ description: 'Condition over `e` for the step.' }),
          within: duration('The step must come less than this long after the previous one (event time). Required on a `not` step.').optional(),
          not: z.boolean({ error: 'must be true or false' }).optional().meta({ description: 'The last step only: the sequence matches when NO such event comes `within` after the previous step; it fires when that time has passed.' }),
        },
        { error: 'must be a map with `as`, `on` and optionally `where`, `within`, `not`' },
      ),
      { error: 'must be a list of steps' },
    )
    .min(2, { error: 'needs at least two steps' })
    .optional()
    .meta({
      description:
        'Ordered steps, correlated by `sameKey`: the rule fires when events match the steps in order, each `within` of the previous one. Events are matched in event-time order once the watermark passes them, so out-of-order arrivals within the allowed lateness do not matter. A sequence rule has no top-level `on`, `where` or `groupBy`.',
      examples: [
        [
          { as: 'rain', on: 'weather.rain', where: 'e.value > 50.0' },
          { as: 'rise', on: 'water.level', where: 'e.value > 1.5', within: '30m' },
        ],
      ],
    }),
  sameKey: keyParts('leave the key out to correlate all events')
    .optional()
    .meta({ description: 'The key that the steps of a sequence must share (same entries as `groupBy`); without it, all events are one group.', examples: [['e.zone']] }),
  maxPartials: z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .optional()
    .meta({ description: 'Sequence rules: at most this many partial matches per key (default 100); past it the oldest is dropped and counted.', examples: [20] }),
  severity: z.enum(severities, { error: `must be one of ${severities.join(', ')}` }).meta({
    description: 'How bad it is when the rule fires: `info`, `minor`, `major` or `critical` (alerts are published on `ioc.alerts.<severity>.<rule>`).',
    examples: ['critical'],
  }),
  message: localized('Message template')
    .optional()
    .meta({
      description:
        'The alert message in Vietnamese and English. `{{ expr }}` placeholders are CEL expressions, type-checked at load: over the event `e` in stateless rules, over the aggregates and `key` in windowed rules, over `key` in absence rules, over the steps (`{{ rise.value }}`) and `key` in sequence rules. Numbers print readably (`2.35`, not `2.3500000001`; integers without `.0`), with a decimal comma in Vietnamese (`2,35`). Defaults to the title.',
      examples: [{ vi: 'Mực nước {{ e.value }} m tại {{ e.source }}', en: 'Water level {{ e.value }} m at {{ e.source }}' }],
    }),
  dedupKey: z
    .string({ error: 'must be a CEL expression (a string)' })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' })
    .optional()
    .meta({
      description:
        'The alert identity, as a CEL string over what the message sees, instead of the group key: groups with the same value share one alert, firing while any of them fires and resolved when the last one resolves. The alert `key` is this value.',
      examples: ['e.zone', 'key.zone'],
    }),
  throttle: duration('At most one `firing` notification per alert identity per period. A re-fire within the period of the last firing notification is held back: emitted when the period ends if the alert is still firing (with its true start), dropped together with its resolution if it resolved meanwhile. The state machine itself is not throttled: pending, firing and resolving are tracked as usual.')
    .optional()
    .meta({ examples: ['30m'] }),
  maxKeys: z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .optional()
    .meta({
      description: 'At most this many groups held by the rule (windows, absence clocks, partial matches, alerts); past it new groups are dropped and counted. Required when `groupBy` or `sameKey` can have a value per event. Default 100000.',
      examples: [5000],
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
  mode: z.enum(['live', 'shadow'], { error: 'must be `live` or `shadow`' }).default('live').meta({
    description:
      '`shadow` runs the rule on real events and records its alerts (flagged shadow, in ClickHouse `shadow_alerts`) without telling anyone: no `ioc.alerts` message, no incident, nothing on the console. A shadow rule may share its id with a live rule; `ioc rules shadow-report` compares the two.',
    examples: ['shadow'],
  }),
  enabled: z.boolean({ error: 'must be true or false' }).default(true).meta({
    description: 'Set to `false` to keep a rule in the file (still validated) without evaluating it.',
    examples: [false],
  }),
});

/** A rule after validation, defaults filled in. */
export type RuleSpec = z.output<typeof ruleSchema>;

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
  time: testTime.optional().meta({ description: 'Event time: RFC 3339 or relative to the case `start` (`+0`, `+90s`, `+5m`, `+1h30m`).', examples: ['+5m'] }),
  type: z.string({ error: 'must be an event type' }).optional().meta({ description: 'Event type.', examples: ['water.level'] }),
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
  watermark: testTime
    .optional()
    .meta({ description: 'Instead of an event: move the watermark to this time (never back), as the engine does when a partition is idle; closes windows, completes `for`, fires absences and sequence timeouts.', examples: ['+40m'] }),
  advance: duration('Instead of an event: move the watermark this much forward from where it is (from `start` before the first event).').optional().meta({ examples: ['10m'] }),
}).superRefine((v, ctx) => {
  const steps = (v.watermark !== undefined ? 1 : 0) + (v.advance !== undefined ? 1 : 0);
  const eventKeys = Object.entries(v).filter(([k, x]) => x !== undefined && k !== 'watermark' && k !== 'advance').length;
  if (steps > 1 || (steps === 1 && eventKeys > 0)) ctx.addIssue({ code: 'custom', path: [], message: 'is either an event or a `watermark`/`advance` step, not both' });
  else if (steps === 0) {
    if (v.time === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'needs `time` (or is a `watermark`/`advance` step)' });
    if (v.type === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'needs `type`' });
  }
});

const expectedChange = z.strictObject({
  rule: z.string({ error: 'must be a rule id' }).meta({ description: 'Rule id; must be a rule of the sibling rules file.' }),
  key: z.string({ error: 'must be a string' }).meta({ description: 'Alert key (group values joined with `|`).', examples: ['wl-to-lich-01'] }),
  state: z.enum(['pending', 'firing', 'resolved'], { error: 'must be pending, firing or resolved' }).meta({ description: 'The state the alert enters.' }),
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
  fixture: z
    .string({ error: 'must be a file name' })
    .optional()
    .meta({ description: 'An NDJSON file beside the test file, one event per line (JSON as sent to the engine; `time` as epoch ms, RFC 3339 or relative like `+5m`), processed before `events`.', examples: ['flood.events.ndjson'] }),
  lateness: duration('Allowed lateness of the case: the watermark is the newest event time minus this.', { zero: true }).default('0s').meta({ examples: ['30s'] }),
  latePolicy: z
    .enum(['dlq', 'process'], { error: 'must be dlq or process' })
    .default('dlq')
    .meta({ description: 'What happens to events older than the watermark: `dlq` skips them, `process` puts them into windows still open.' }),
  events: z
    .array(testEvent, { error: 'must be a list of events' })
    .default([])
    .meta({ description: 'Input events and watermark steps, processed in the order given (not sorted by time), so late arrivals can be tested.' }),
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
