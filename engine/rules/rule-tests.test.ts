import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileRuleText } from './compile.ts';
import { runRuleTests, runRuleTestText } from './rule-tests.ts';

const rulesYaml = `rules:
  - id: flood.high
    title: { vi: "Mực nước cao", en: "High water" }
    on: water.level
    where: e.value >= 1.5
    severity: major
    message: { vi: "Mực nước {{ e.value }} m", en: "Water {{ e.value }} m" }
  - id: flood.off
    title: { vi: t, en: t }
    on: water.level
    severity: info
    enabled: false
`;
const rules = compileRuleText(rulesYaml, 'flood.yaml').rules;

function run(testYaml: string) {
  return runRuleTestText(testYaml, 'flood.test.yaml', rules);
}

describe('runRuleTestText', () => {
  it('passes when the changes are exactly the expected ones', () => {
    const r = run(`tests:
  - name: fires and resolves
    start: 2026-07-01T08:00:00+07:00
    events:
      - { time: +0m, type: water.level, source: wl-1, value: 1.7 }
      - { time: +5m, type: water.level, source: wl-1, value: 1.8 }
      - { time: 2026-07-01T08:10:00+07:00, type: water.level, source: wl-1, value: 0.4 }
    expect:
      - { rule: flood.high, key: wl-1, state: firing, severity: major, at: +0m, message: { vi: "Mực nước 1,7 m", en: "Water 1.7 m" } }
      - { rule: flood.high, key: wl-1, state: resolved, at: 2026-07-01T01:10:00Z }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.results).toEqual([{ file: 'flood.test.yaml', line: 2, column: 5, name: 'fires and resolves', passed: true, diff: [] }]);
  });

  it('fails with a diff when a change differs, is missing, or is extra', () => {
    const r = run(`tests:
  - name: wrong
    events:
      - { time: +0m, type: water.level, value: 1.7 }
      - { time: +5m, type: water.level, value: 0.1 }
      - { time: +6m, type: water.level, source: wl-2, value: 3.0 }
    expect:
      - { rule: flood.high, key: test, state: firing, at: +1m }
      - { rule: flood.high, key: test, state: resolved, message: { en: "Water 0.1 m" } }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.results[0]!.passed).toBe(false);
    expect(r.results[0]!.diff).toEqual([
      '  1. expected: firing flood.high key="test" at=+1m',
      '     got:      firing flood.high key="test" severity=major at=+0s',
      '     differs:  at',
      '  2. ok        resolved flood.high key="test" message.en="Water 0.1 m"',
      '  3. expected: (no more changes)',
      '     got:      firing flood.high key="wl-2" severity=major at=+6m message.vi="Mực nước 3 m" message.en="Water 3 m"',
    ]);
  });

  it('expects no change with `expect: []`, and notes rule errors in the diff', () => {
    const ok = run(`tests:\n  - name: none\n    events: [{ time: +0m, type: water.level, value: 1.0 }]\n    expect: []\n`);
    expect(ok.results[0]!.passed).toBe(true);
    const failed = run(`tests:\n  - name: no value\n    events: [{ time: +0m, type: water.level }]\n    expect: [{ rule: flood.high, key: test, state: firing }]\n`);
    expect(failed.results[0]!.diff).toEqual([
      '  1. expected: firing flood.high key="test"',
      '     got:      (no more changes)',
      '  note: rule flood.high failed on e1: rule flood.high: where: No such key: value',
    ]);
  });

  it('is an error, not a failure, to expect an unknown or disabled rule', () => {
    const r = run(`tests:
  - name: unknown
    events: []
    expect:
      - { rule: flood.hihg, key: x, state: firing }
      - { rule: flood.off, key: x, state: firing }
`);
    expect(r.results).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      '5:17: unknown rule `flood.hihg` (did you mean `flood.high`?)',
      '6:17: rule `flood.off` is disabled (enabled: false), so it never fires',
    ]);
  });

  it('reports invalid events and schema problems at their place', () => {
    const bad = run(`tests:
  - name: bad event
    events:
      - { time: +0m, type: "not a type", value: 1 }
    expect: []
  - name: bad time
    events:
      - { time: soon, type: water.level }
    expect: []
    extra: 1
`);
    expect(bad.results).toEqual([]);
    expect(bad.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      '8:17: tests[1].events[0].time must be an RFC 3339 time (2026-07-01T08:00:00+07:00) or a relative time like `+5m`, `+1h30m`, `-30s`, got "soon"',
      '10:5: unknown key `extra` in tests[1]; known keys: name, start, fixture, lateness, latePolicy, events, expect',
    ]);
    const badEvent = run(`tests:\n  - name: bad event\n    events:\n      - { time: +0m, type: "not a type", value: 1 }\n    expect: []\n`);
    expect(badEvent.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      '4:9: events[0] is not a valid event: type must be dotted words like "water.level", got the string "not a type"',
    ]);
  });

  it('derives a missing zone from lat/lon, as the engine does', () => {
    const zoned = compileRuleText(rulesYaml.replace('severity: major', 'severity: major\n    groupBy: [e.zone]'), 'flood.yaml').rules;
    const r = runRuleTestText(
      `tests:\n  - name: zone\n    events: [{ time: +0m, type: water.level, value: 2.0, lat: 21.0288, lon: 105.8525 }]\n    expect: [{ rule: flood.high, key: hoan-kiem, state: firing }]\n`,
      'flood.test.yaml',
      zoned,
    );
    expect(r.results[0]!.passed).toBe(true);
  });
});

describe('timed rules in rule tests', () => {
  const timed = compileRuleText(
    `rules:
  - id: flood.high
    title: { vi: t, en: t }
    on: water.level
    where: e.value >= 1.5
    for: 10m
    severity: major
  - id: flood.burst
    title: { vi: t, en: t }
    on: water.level
    groupBy: [e.zone]
    window: { size: 5m }
    aggregate: { n: count() }
    when: n >= 2
    severity: minor
    message: { vi: "{{ n }}", en: "{{ n }} readings in {{ key.zone }}" }
`,
    'timed.yaml',
  ).rules;

  it('checks pending changes, and moves the watermark with `advance` and `watermark` steps', () => {
    const r = runRuleTestText(
      `tests:
  - name: pending, then firing when the watermark passes +10m; windows close at their end
    events:
      - { time: +0m, type: water.level, zone: hk, value: 1.6 }
      - { time: +1m, type: water.level, zone: hk, value: 1.7 }
      - { advance: 4m }
      - { watermark: +10m }
    expect:
      - { rule: flood.high, key: test, state: pending, at: +0m }
      - { rule: flood.burst, key: hk, state: firing, at: +5m, message: { en: "2 readings in hk" } }
      # At +10m both rules change; changes at one time come in rule order.
      - { rule: flood.high, key: test, state: firing, at: +10m }
      - { rule: flood.burst, key: hk, state: resolved, at: +10m }
`,
      'timed.test.yaml',
      timed,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.results[0]!.diff).toEqual([]);
  });

  it('applies the case lateness and late policy', () => {
    const r = runRuleTestText(
      `tests:
  - name: a reading 3 min late is dropped with 1 min of lateness
    lateness: 1m
    events:
      - { time: +0m, type: water.level, zone: hk, value: 0.1 }
      - { time: +4m, type: water.level, zone: hk, value: 0.1 }
      - { time: +1m, type: water.level, zone: hk, value: 0.1 }
      - { watermark: +5m }
    expect:
      - { rule: flood.burst, key: hk, state: firing, at: +5m, message: { en: "2 readings in hk" } }
  - name: the same reading counts with the process policy
    lateness: 1m
    latePolicy: process
    events:
      - { time: +0m, type: water.level, zone: hk, value: 0.1 }
      - { time: +4m, type: water.level, zone: hk, value: 0.1 }
      - { time: +1m, type: water.level, zone: hk, value: 0.1 }
      - { watermark: +5m }
    expect:
      - { rule: flood.burst, key: hk, state: firing, at: +5m, message: { en: "3 readings in hk" } }
`,
      'timed.test.yaml',
      timed,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.results.map((x) => x.passed)).toEqual([true, true]);
  });

  it('rejects a step that is both an event and a watermark step, or neither', () => {
    const r = runRuleTestText(
      `tests:
  - name: bad
    events:
      - { time: +0m, type: water.level, advance: 5m }
      - { source: x }
    expect: []
`,
      'timed.test.yaml',
      timed,
    );
    expect(r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      '4:9: tests[0].events[0] is either an event or a `watermark`/`advance` step, not both, got a map',
      '5:9: tests[0].events[1] needs `time` (or is a `watermark`/`advance` step), got a map',
      '5:9: tests[0].events[1] needs `type`, got a map',
    ]);
  });
});

describe('runRuleTests', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ioc-rule-tests-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const passing = `tests:\n  - name: fires\n    events: [{ time: +0m, type: water.level, value: 2.0 }]\n    expect: [{ rule: flood.high, key: test, state: firing }]\n`;

  it('runs every test file of a directory against its sibling rules file', async () => {
    await writeFile(join(dir, 'flood.yaml'), rulesYaml);
    await writeFile(join(dir, 'flood.test.yaml'), passing);
    await writeFile(join(dir, 'orphan.test.yaml'), passing);
    const r = await runRuleTests(dir);
    expect(r.results.map((x) => [x.name, x.passed])).toEqual([['fires', true]]);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['no rules file orphan.yaml beside this test file']);
    expect(r.ok).toBe(false);
    expect(r.lines.at(-1)).toBe('1 passed, 0 failed, 1 error(s) in test or rules files');
  });

  it('reads events from an NDJSON fixture beside the test file, times relative or absolute', async () => {
    await writeFile(join(dir, 'flood.yaml'), rulesYaml);
    await writeFile(join(dir, 'flood.events.ndjson'), '{"time":"+0m","type":"water.level","source":"wl-1","value":1.7}\n\n{"time":1782871200000,"type":"water.level","source":"wl-1","value":0.2}\n');
    await writeFile(
      join(dir, 'flood.test.yaml'),
      `tests:\n  - name: fixture\n    fixture: flood.events.ndjson\n    expect:\n      - { rule: flood.high, key: wl-1, state: firing, at: +0m }\n      - { rule: flood.high, key: wl-1, state: resolved, at: 2026-07-01T02:00:00Z }\n`,
    );
    const r = await runRuleTests(dir);
    expect(r.lines).toEqual(['1 passed, 0 failed']);
    await writeFile(join(dir, 'flood.events.ndjson'), '{"time":"+0m","type":"water.level"}\nnot json\n');
    expect((await runRuleTests(dir)).diagnostics.map((d) => `${d.file.slice(dir.length + 1)}:${d.line}: ${d.message.slice(0, 29)}`)).toEqual(['flood.events.ndjson:2: not a valid event: Unexpected']);
  });

  it('runs a single test file, and reports a broken rules file instead of running', async () => {
    await writeFile(join(dir, 'flood.yml'), rulesYaml);
    await writeFile(join(dir, 'flood.test.yaml'), passing);
    expect((await runRuleTests(join(dir, 'flood.test.yaml'))).ok).toBe(true);
    await writeFile(join(dir, 'flood.yml'), rulesYaml.replace('e.value >= 1.5', 'e.valu >= 1.5'));
    const r = await runRuleTests(join(dir, 'flood.test.yaml'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.file.slice(dir.length + 1)}:${d.line}:${d.column}`)).toEqual(['flood.yml:5:14']);
  });
});
