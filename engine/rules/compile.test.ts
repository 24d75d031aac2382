import { describe, expect, it } from 'vitest';
import type { IocEvent } from '../events/index.ts';
import { compileRuleText, type CompiledRule } from './compile.ts';
import { formatDiagnostic } from './diagnostic.ts';
import { RuleEvaluationError } from './errors.ts';

function event(over: Partial<IocEvent> = {}): IocEvent {
  return { id: 'e1', type: 'water.level', source: 'wl-1', time: 1_782_867_600_000, attrs: {}, ...over };
}

/** The diagnostics of a source as `line:column: message` strings. */
function problems(text: string): string[] {
  return compileRuleText(text, 'x.yaml').diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`);
}

function onlyRule(text: string): CompiledRule {
  const r = compileRuleText(text, 'x.yaml');
  expect(r.diagnostics).toEqual([]);
  expect(r.rules).toHaveLength(1);
  return r.rules[0]!;
}

const base = `id: flood.high
title: { vi: "Mực nước cao", en: "High water" }
on: water.level
severity: major
`;

describe('compileRuleText: file shapes', () => {
  it('accepts `rules: [...]`, a single rule, and a list', () => {
    const rule = base.replace('id: flood.high', 'id: flood.a');
    const indented = rule.trimEnd().split('\n').map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)).join('\n');
    expect(compileRuleText(`rules:\n${indented}\n`, 'x.yaml').rules.map((r) => r.id)).toEqual(['flood.a']);
    expect(compileRuleText(rule, 'x.yaml').rules.map((r) => r.id)).toEqual(['flood.a']);
    expect(compileRuleText(indented + '\n', 'x.yaml').rules.map((r) => r.id)).toEqual(['flood.a']);
  });

  it('treats an empty file as no rules', () => {
    expect(compileRuleText('', 'x.yaml')).toEqual({ rules: [], diagnostics: [] });
    expect(compileRuleText('# only a comment\n', 'x.yaml')).toEqual({ rules: [], diagnostics: [] });
  });

  it('rejects a scalar file and a non-map rule', () => {
    expect(problems('just text\n')).toEqual(['1:1: a rules file holds `rules: [...]`, one rule (a map), or a list of rules']);
    expect(problems('rules:\n  - 42\n')).toEqual(['2:5: a rule must be a map with at least id, title, on and severity']);
  });

  it('reports unknown keys beside `rules`', () => {
    expect(problems('rules: []\nrulez: []\n')).toEqual(['2:1: unknown key `rulez` (did you mean `rules`?)']);
  });
});

describe('compileRuleText: diagnostics point at the problem', () => {
  it('reports broken YAML at the parser position', () => {
    expect(problems('id: flood.x\ntitle: { vi: a, en: b\non: water.level\n')).toEqual([
      expect.stringMatching(/^3:1: YAML: /),
    ]);
    expect(problems(base + 'severity: minor\n')).toEqual(['5:1: YAML: Map keys must be unique']);
  });

  it('reports an unknown key at the key, with a suggestion', () => {
    expect(problems(base + 'groupby: [e.zone]\n')).toEqual(['5:1: unknown key `groupby` (did you mean `groupBy`?)']);
    expect(problems(base + 'colour: red\n')).toEqual([
      '5:1: unknown key `colour`; known keys: id, title, on, where, groupBy, window, aggregate, when, for, clear, keepFiringFor, absent, registry, sequence, sameKey, maxPartials, severity, message, dedupKey, throttle, maxKeys, description, labels, mode, enabled',
    ]);
  });

  it('reports a wrong type at the value', () => {
    expect(problems(base.replace('severity: major', 'severity: severe'))).toEqual(['4:11: severity must be one of info, minor, major, critical, got "severe"']);
    expect(problems(base.replace('severity: major', 'severity: majr'))).toEqual([
      '4:11: severity must be one of info, minor, major, critical, got "majr" (did you mean `major`?)',
    ]);
    expect(problems(base + 'enabled: yes\n')).toEqual(['5:10: enabled must be true or false, got "yes"']);
    expect(problems(base + 'labels: { team: 1 }\n')).toEqual(['5:17: labels.team must be a string (quote numbers and booleans), got 1']);
    expect(problems(base.replace('on: water.level', 'on: 5'))).toEqual(['3:5: on must be an event type, a glob like `aq.*`, or a list of them, got 5']);
  });

  it('reports a missing key at the map that lacks it', () => {
    expect(problems('id: flood.x\ntitle: { vi: a }\non: water.level\nseverity: info\n')).toEqual(['2:8: title.en is required']);
    expect(problems('rules:\n  - id: flood.x\n    on: water.level\n')).toEqual(['2:5: title is required', '2:5: severity is required']);
  });

  it('checks ids, event types and field paths', () => {
    expect(problems(base.replace('flood.high', 'Flood.High'))).toEqual(['1:5: id must be lower-case dotted words like `flood.water-level-critical`, got "Flood.High"']);
    expect(problems(base.replace('flood.high', 'flood'))).toEqual(['1:5: id must be lower-case dotted words like `flood.water-level-critical`, got "flood"']);
    expect(problems(base.replace('on: water.level', 'on: [water.level, "bad type"]'))).toEqual([
      '3:19: on[1] must be an event type like `water.level` or a glob like `aq.*` (letters, digits, `_`, `-`, `*`, dots), got "bad type"',
    ]);
    expect(problems(base + 'groupBy: [e.zone, e.zonee]\n')).toEqual([
      '5:19: groupBy[1] must be a field path: e.id, e.type, e.source, e.time, e.value, e.unit, e.lat, e.lon, e.zone, e.attrs.<name> or e.attrs["<name>"], got "e.zonee" (did you mean `e.zone`?)',
    ]);
    expect(problems(base + 'groupBy: []\n')).toEqual(['5:10: groupBy must not be empty; leave the key out to group by e.source, got a list']);
  });

  it('checks that the keys of a rule kind come together', () => {
    expect(problems(base + 'window: { size: 15m }\nfor: 10m\n')).toEqual(['5:1: a windowed rule needs `aggregate`']);
  });

  it('points a CEL error at the offending token in a plain scalar', () => {
    expect(problems(base + 'where: e.value >= 2.0 && e.valu > 1\n')).toEqual([
      '5:28: where: the event has no field `valu` (did you mean `value`?); its fields are id, type, source, time, value, unit, lat, lon, zone, attrs',
    ]);
  });

  it('points a CEL error into a folded plain scalar on its second line', () => {
    expect(problems(base + 'where: e.value >= 2.0 &&\n  e.zone == 3\n')).toEqual(['6:3: where: no such overload: string == int']);
  });

  it('points a CEL error into a block scalar', () => {
    expect(problems(base + 'where: |\n  e.value >= 2.0\n    && e.valeu > 1\n')).toEqual([
      '7:10: where: the event has no field `valeu` (did you mean `value`?); its fields are id, type, source, time, value, unit, lat, lon, zone, attrs',
    ]);
  });

  it('points a CEL error into a double-quoted scalar with escapes', () => {
    expect(problems(base + 'where: "e.zone == \\"x\\" && e.valu > 1"\n')).toEqual([
      '5:30: where: the event has no field `valu` (did you mean `value`?); its fields are id, type, source, time, value, unit, lat, lon, zone, attrs',
    ]);
  });

  it('reports CEL syntax errors and non-bool conditions', () => {
    expect(problems(base + 'where: e.value >\n')).toEqual(['5:17: where: Unexpected token: EOF']);
    expect(problems(base + 'where: e.value * 2.0\n')).toEqual(['5:8: where must be a condition (bool), but this expression gives double']);
    expect(problems(base + 'where: e.value + 1 > 2.0\n')).toEqual([
      '5:8: where: no such overload: double + int: CEL does not mix int and double here; write 1.0 instead of 1, or convert with double(...)',
    ]);
    expect(problems(base + 'where: value > 2.0\n')).toEqual(['5:8: where: unknown name `value`; the event is `e` (e.g. e.value)']);
  });

  it('points a template error at the placeholder', () => {
    const text = base + 'message:\n  vi: "Mực nước {{ e.valu }} m"\n  en: "Water {{ e.value m"\n';
    expect(problems(text)).toEqual([
      '6:22: message.vi: the event has no field `valu` (did you mean `value`?); its fields are id, type, source, time, value, unit, lat, lon, zone, attrs',
      '7:14: message.en: unclosed `{{` in message; close the placeholder with `}}`',
    ]);
  });

  it('reports every problem of a file, CEL included, and yields no rules', () => {
    const text = `rules:
  - id: flood.a
    title: { vi: a, en: b }
    on: water.level
    severity: severe
    where: e.valu > 1
  - id: flood.b
    title: { vi: a, en: b }
    on: water.level
    severity: info
    where: e.value > 1.0
`;
    const r = compileRuleText(text, 'x.yaml');
    expect(r.rules).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.column}`)).toEqual(['5:15', '6:14']);
  });

  it('names both places of a duplicate id', () => {
    const text = `- id: flood.a\n  title: { vi: a, en: b }\n  on: x.y\n  severity: info\n- id: flood.a\n  title: { vi: a, en: b }\n  on: x.y\n  severity: info\n`;
    expect(compileRuleText(text, '/nowhere/x.yaml').diagnostics.map((d) => formatDiagnostic(d, '/elsewhere'))).toEqual([
      '/nowhere/x.yaml:5:7: duplicate rule id `flood.a`; it is already used at /nowhere/x.yaml:1:7',
    ]);
  });
});

describe('CompiledRule', () => {
  it('exposes the rule as written, defaults filled in', () => {
    const r = onlyRule(base + 'labels: { team: flood }\n');
    expect(r).toMatchObject({
      id: 'flood.high',
      severity: 'major',
      title: { vi: 'Mực nước cao', en: 'High water' },
      on: ['water.level'],
      where: undefined,
      groupBy: ['e.source'],
      enabled: true,
      labels: { team: 'flood' },
      description: undefined,
      origin: { file: 'x.yaml', line: 1, column: 5 },
    });
  });

  it('matches every event without `where`', () => {
    expect(onlyRule(base).matches(event())).toBe(true);
  });

  it('evaluates `where`, comparing a double with an int literal', () => {
    const r = onlyRule(base + 'where: e.value > 2\n');
    expect(r.matches(event({ value: 2.5 }))).toBe(true);
    expect(r.matches(event({ value: 2 }))).toBe(false);
    expect(r.matches(event({ value: 1.9 }))).toBe(false);
  });

  it('throws a RuleEvaluationError when `e.value` is absent, and `has(e.value)` guards it', () => {
    const r = onlyRule(base + 'where: e.value > 2.0\n');
    const err = (() => {
      try {
        r.matches(event());
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(RuleEvaluationError);
    expect(err).toMatchObject({ ruleId: 'flood.high', celCode: 'no_such_key', code: 'failed_precondition', message: 'rule flood.high: where: No such key: value' });
    expect(onlyRule(base + 'where: has(e.value) && e.value > 2.0\n').matches(event())).toBe(false);
  });

  it('reads zone and unit as "" when absent, attrs by name, time as an int', () => {
    expect(onlyRule(base + 'where: e.zone == "" && e.unit == ""\n').matches(event())).toBe(true);
    expect(onlyRule(base + 'where: e.attrs.category == "flood"\n').matches(event({ attrs: { category: 'flood' } }))).toBe(true);
    expect(onlyRule(base + 'where: e.time > 1782867599999 && e.time < 1782867600001\n').matches(event())).toBe(true);
  });

  it('builds the key from groupBy, absent fields as ""', () => {
    const r = onlyRule(base + 'groupBy: [e.zone, e.attrs.category, \'e.attrs["road name"]\', e.value]\nmaxKeys: 1000\n');
    expect(r.keyOf(event({ zone: 'hoan-kiem', attrs: { category: 'flood', 'road name': 'Hàng Bài' }, value: 2.5 }))).toBe('hoan-kiem|flood|Hàng Bài|2.5');
    expect(r.keyOf(event())).toBe('|||');
    expect(onlyRule(base).keyOf(event())).toBe('wl-1');
  });

  it('renders messages per language, and the title without a message', () => {
    const r = onlyRule(base + 'message:\n  vi: "Mực nước {{ e.value }} m tại {{ e.source }}"\n  en: "Water {{ e.value }} m at {{ e.source }}"\n');
    expect(r.render(event({ value: 2.3500000001 }))).toEqual({ vi: 'Mực nước 2,35 m tại wl-1', en: 'Water 2.35 m at wl-1' });
    expect(onlyRule(base).render(event())).toEqual({ vi: 'Mực nước cao', en: 'High water' });
    expect(() => r.render(event())).toThrow(RuleEvaluationError);
  });

  it('keeps a disabled rule compiled, with enabled false', () => {
    expect(onlyRule(base + 'enabled: false\n').enabled).toBe(false);
  });
});
