// Validation of the stateful keys: every problem pinned to file:line:column.
import { describe, expect, it } from 'vitest';
import { compileRuleText } from './compile.ts';
import { ruleContext } from './context.ts';
import { parseYamlTable } from './tables.ts';

const base = `id: aq.x
title: { vi: t, en: t }
on: aq.pm25
severity: major
`;

function problems(text: string, context = ruleContext()): string[] {
  return compileRuleText(text, 'x.yaml', { context }).diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`);
}

const windowed = base + 'window: { size: 15m, slide: 1m }\naggregate: { avg: avg(e.value), n: count() }\n';

describe('windows and aggregates', () => {
  it('accepts a windowed rule and infers its kind', () => {
    const r = compileRuleText(windowed + 'when: avg > 150.0 && n >= 5\n', 'x.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.rules[0]).toMatchObject({ kind: 'window', window: { type: 'sliding', sizeMs: 900_000, slideMs: 60_000 } });
  });

  it('rejects a size that is not a multiple of the slide, at the slide', () => {
    expect(problems(base + 'window: { size: 15m, slide: 4m }\naggregate: { n: count() }\nwhen: n > 1\n')).toEqual(['5:29: window.slide must divide `size` (15m) exactly, e.g. 1m for 15m, got "4m"']);
  });

  it('rejects a session with a size, and a window with neither', () => {
    expect(problems(base + 'window: { size: 5m, session: 10m }\naggregate: { n: count() }\nwhen: n > 1\n')).toEqual(['5:30: window.session is a window of its own: give `session` alone, or `size` (and `slide`), got "10m"']);
    expect(problems(base + 'window: { slide: 1m }\naggregate: { n: count() }\nwhen: n > 1\n')).toEqual(['5:9: window needs `size` (tumbling, or sliding with `slide`) or `session`, got a map']);
  });

  it('type-checks `when` against the aggregates: an unknown name is an error at the name', () => {
    expect(problems(windowed + 'when: avgg > 150.0\n')).toEqual(['7:7: when: unknown name `avgg` (did you mean `avg`?); the names here are avg, n, key']);
    expect(problems(windowed + 'when: avg > 150\n')).toEqual([]);
    expect(problems(windowed + 'when: key.zone == "x"\n')).toEqual(['7:11: when: no field `zone`; key has source (from groupBy or sameKey)']);
    expect(problems(windowed.replace('aq.pm25\n', 'aq.pm25\ngroupBy: [e.zone]\n') + 'when: key.zone == "x"\n')).toEqual([]);
  });

  it('reports a bad aggregate call at its place, with a suggestion', () => {
    expect(problems(base + 'window: { size: 5m }\naggregate: { a: avrg(e.value) }\nwhen: a > 1.0\n')).toEqual([
      '6:17: unknown aggregate function `avrg` (did you mean `avg`?); the functions are count, sum, avg, min, max, first, last, distinct, p50, p90, p95, p99, rate, stddev',
    ]);
    expect(problems(base + 'window: { size: 5m }\naggregate: { a: avg(e.valu) }\nwhen: a > 1.0\n')).toEqual([
      '6:23: aggregate.a: the event has no field `valu` (did you mean `value`?); its fields are id, type, source, time, value, unit, lat, lon, zone, attrs',
    ]);
    expect(problems(base + 'window: { size: 5m }\naggregate: { a: avg(e.source) }\nwhen: a > 1.0\n')).toEqual(['6:21: avg(x) needs a number, but this argument gives string']);
    expect(problems(base + 'window: { size: 5m }\naggregate: { a: count(e.value) }\nwhen: a > 1\n')).toEqual(['6:23: count() takes no argument']);
  });

  it('requires the keys of a windowed rule together', () => {
    expect(problems(base + 'aggregate: { n: count() }\nwhen: n > 1\n')).toEqual(['5:1: a windowed rule needs `window`, `aggregate` and `when`; `window` is missing']);
    expect(problems(windowed)).toEqual(['5:1: a windowed rule needs `when`: the condition over the aggregates']);
  });
});

describe('unbounded state', () => {
  it('is an error to group by a per-event field or a free attribute without maxKeys', () => {
    expect(problems(base + 'groupBy: [e.zone, e.id]\n')).toEqual([
      "5:19: groupBy on `e.id` can make a new group for every event, so the rule's state would grow without bound: add `maxKeys` (e.g. maxKeys: 10000), or group by a bounded field such as e.source, e.zone or cell(e, 500)",
    ]);
    expect(problems(base + 'groupBy: [e.attrs.ward]\n')).toHaveLength(1);
    expect(problems(base + 'groupBy: [e.attrs.ward]\nmaxKeys: 600\n')).toEqual([]);
    expect(problems(base + 'groupBy:\n  - { road: e.attrs.road + "/" + e.zone }\n')).toHaveLength(1);
  });

  it('counts a grid cell as bounded, and catches a half call in a flow list', () => {
    expect(problems(base + 'groupBy:\n  - cell(e, 500)\n')).toEqual([]);
    expect(problems(base + 'groupBy: [cell(e, 500)]\n')).toEqual([
      '5:11: groupBy[0] is half a call: in a flow list `[ ... ]` a comma separates YAML items, so quote the call (`["cell(e, 500)"]`) or write the list as `- cell(e, 500)` lines, got "cell(e"',
      '5:19: groupBy[1] is half a call: in a flow list `[ ... ]` a comma separates YAML items, so quote the call (`["cell(e, 500)"]`) or write the list as `- cell(e, 500)` lines, got "500)"',
    ]);
    expect(problems(base + 'groupBy:\n  - cell(e, 5)\n')).toEqual(['6:13: groupBy[0]: cell size must be at least 10 meters']);
  });
});

describe('absence', () => {
  const table = parseYamlTable('table: gauges\nrows:\n  - { id: wl-1, zone: hk }\n', 'gauges.yaml', 'id').table!;
  const context = ruleContext({ tables: new Map([['gauges', table]]) });

  it('checks the registry name and its columns', () => {
    expect(problems(base + 'absent: 10m\nregistry: gauge\n', context)).toEqual(['6:11: unknown registry `gauge` (did you mean `gauges`?)']);
    expect(problems(base + 'groupBy: [e.zone, e.unit]\nabsent: 10m\nregistry: gauges\n', context)).toEqual(['7:11: registry `gauges` has no column for the group value(s) unit; its columns are id, zone']);
    expect(problems(base + 'absent: 10m\nregistry: gauges\n', context)).toEqual([]);
  });

  it('rejects keys that do not apply', () => {
    expect(problems(base + 'absent: 10m\nfor: 5m\n')).toEqual(['6:1: `for` does not apply to an absence rule']);
    expect(problems(base + 'registry: gauges\n', context)).toEqual(['5:1: `registry` belongs to absence rules (`absent:`)']);
  });
});

describe('sequences', () => {
  const seq = `id: flood.x
title: { vi: t, en: t }
severity: major
sequence:
  - { as: rain, on: weather.rain, where: e.value > 50.0 }
  - { as: rise, on: water.level, where: e.value > 1.5, within: 30m }
sameKey: [e.zone]
`;

  it('accepts steps with their own on and where, and gives the rule the union of their types', () => {
    const r = compileRuleText(seq, 'x.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.rules[0]).toMatchObject({ kind: 'sequence', on: ['weather.rain', 'water.level'], groupBy: ['e.zone'] });
  });

  it('allows `not` on the last step only, with `within`', () => {
    expect(problems(seq.replace('within: 30m }', 'within: 30m, not: true }'))).toEqual([]);
    expect(problems(seq.replace('where: e.value > 50.0 }', 'where: e.value > 50.0, not: true }'))).toEqual([
      '5:5: a `not` step needs `within`: how long to wait for the event that must not come',
      '5:63: only the last step can be a `not` step (A then no B within T)',
    ]);
    expect(problems(seq.replace(', within: 30m }', ', not: true }'))).toEqual(['6:5: a `not` step needs `within`: how long to wait for the event that must not come']);
  });

  it('type-checks messages over the step names', () => {
    expect(problems(seq + 'message: { vi: "{{ rain.value }}", en: "{{ rian.value }}" }\n')).toEqual(['8:44: message.en: unknown name `rian` (did you mean `rain`?); the names here are rain, rise, key']);
  });

  it('rejects top-level on, where and groupBy', () => {
    expect(problems(seq + 'on: water.level\n')).toEqual([
      '8:1: `on` is not used in a sequence rule: each step has its own `on` and `where`, and `sameKey` correlates them',
    ]);
  });
});

describe('reference tables in CEL', () => {
  const table = parseYamlTable('table: limits\nkey: [zone, season]\nrows:\n  - { zone: "*", season: dry, pm25: 150.5 }\n', 'limits.yaml').table!;
  const context = ruleContext({ tables: new Map([['limits', table]]) });

  it('checks the table, the number of key values and the column', () => {
    expect(problems(base + 'where: e.value > ref("limits", e.zone, season(e)).pm25\n', context)).toEqual([]);
    expect(problems(base + 'where: e.value > ref("limit", e.zone, season(e)).pm25\n', context)).toEqual(['5:22: where: unknown reference table `limit` (did you mean `limits`?)']);
    expect(problems(base + 'where: e.value > ref("limits", e.zone).pm25\n', context)).toEqual(['5:18: where: table `limits` is keyed by zone, season: give 2 key value(s), not 1']);
    expect(problems(base + 'where: e.value > ref("limits", e.zone, season(e)).pm10\n', context)).toEqual(['5:51: where: table `limits` has no column `pm10`; its columns are zone, season, pm25']);
  });

  it('checks literal zones and points of interest', () => {
    expect(problems(base + 'where: within(e, "hoan-kiem") && near(e, "hospital-bach-mai", 500)\n')).toEqual([]);
    expect(problems(base + 'where: within(e, "hoan-kim")\n')).toEqual(['5:18: where: unknown zone `hoan-kim`']);
    expect(problems(base + 'where: near(e, "hospital-nowhere", 500)\n')).toEqual(['5:16: where: unknown point of interest `hospital-nowhere`']);
  });
});

describe('definition hash', () => {
  it('changes with the evaluation keys, not with title, message, severity or labels', () => {
    const hash = (text: string) => compileRuleText(text, 'x.yaml').rules[0]!.hash;
    const h = hash(windowed + 'when: avg > 1.0\n');
    expect(hash(windowed.replace('title: { vi: t, en: t }', 'title: { vi: khác, en: other }').replace('severity: major', 'severity: minor') + 'when: avg > 1.0\nlabels: { team: x }\n')).toBe(h);
    expect(hash(windowed + 'when: avg > 2.0\n')).not.toBe(h);
  });
});
