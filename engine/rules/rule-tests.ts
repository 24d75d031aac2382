// Rule unit tests, like `promtool test rules`: a `x.test.yaml` beside `x.yaml`
// feeds events (and watermark steps) through the real rule runtime, in
// virtual time, and compares the alert state changes with the ones the case
// expects. It never touches a wall clock, and a test that names a rule its
// rules file lacks is an error.

import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isMap, isSeq, type Node } from 'yaml';
import type { Alert } from '../alerts/index.ts';
import { parseEventTime, validateEvent, type IocEvent } from '../events/index.ts';
import { hanoiDistricts, ZoneLocator } from '../geo/index.ts';
import { createRuleRuntime } from '../runtime/index.ts';
import type { CompileOptions } from './cel.ts';
import { compileRuleText, type CompiledRule } from './compile.ts';
import { ruleContext } from './context.ts';
import { formatDiagnostic, formatPlace, type RuleDiagnostic, type SourceText } from './diagnostic.ts';
import { formatOffset, parseDuration, parseOffset } from './duration.ts';
import { RuleSet } from './rule-set.ts';
import { ruleTestFileSchema, type ExpectedChangeSpec, type RuleTestCaseSpec } from './schema.ts';
import { didYouMean } from './suggest.ts';
import { loadTables } from './tables.ts';
import { nodeAt, parseYaml, startOf, validateNode } from './yaml-source.ts';

/** The outcome of one test case. */
export interface RuleTestResult {
  /** Test file, and the position of the case in it. */
  file: string;
  line: number;
  column: number;
  name: string;
  passed: boolean;
  /** Expected against got, one line per alert change, when the case failed. */
  diff: string[];
}

export interface RuleTestReport {
  /** True when every case passed and no file had a problem. */
  ok: boolean;
  results: RuleTestResult[];
  /** Problems in test files or their rules files; the cases concerned did not run. */
  diagnostics: RuleDiagnostic[];
  /** The report for a terminal: failures with their diffs, problems, and a summary. */
  lines: string[];
}

/** True for rule test file names. */
export function isRuleTestFile(name: string): boolean {
  return /\.test\.ya?ml$/.test(name);
}

/**
 * Runs the rule tests of a directory (every `*.test.yaml` in it) or of one test file.
 *
 * @example
 * const report = await runRuleTests('rules');
 * for (const line of report.lines) console.log(line);
 * process.exitCode = report.ok ? 0 : 1;
 */
export async function runRuleTests(path: string): Promise<RuleTestReport> {
  const target = resolve(path);
  const results: RuleTestResult[] = [];
  const diagnostics: RuleDiagnostic[] = [];
  let files: string[];
  try {
    if ((await stat(target)).isFile()) files = [target];
    else files = (await readdir(target, { withFileTypes: true })).filter((d) => d.isFile() && isRuleTestFile(d.name)).map((d) => join(target, d.name)).sort();
  } catch (err) {
    diagnostics.push({ file: target, line: 1, column: 1, message: `cannot read the rule tests: ${(err as Error).message}` });
    files = [];
  }
  for (const file of files) {
    const r = await runTestFile(file);
    results.push(...r.results);
    diagnostics.push(...r.diagnostics);
  }
  return report(results, diagnostics);
}

async function runTestFile(file: string): Promise<{ results: RuleTestResult[]; diagnostics: RuleDiagnostic[] }> {
  const rulesFile = await siblingRulesFile(file);
  if (rulesFile === undefined) {
    const expected = basename(file).replace(/\.test\.ya?ml$/, '.yaml');
    return { results: [], diagnostics: [{ file, line: 1, column: 1, message: `no rules file ${expected} beside this test file` }] };
  }
  // The tables of the rules directory, as the engine loads them with the rules.
  const tables = await loadTables(dirname(rulesFile));
  if (tables.diagnostics.length > 0) return { results: [], diagnostics: tables.diagnostics };
  const opts: CompileOptions = { context: ruleContext({ tables: tables.tables }) };
  const compiled = compileRuleText(await readFile(rulesFile, 'utf8'), rulesFile, opts);
  if (compiled.diagnostics.length > 0) return { results: [], diagnostics: compiled.diagnostics };
  return runRuleTestText(await readFile(file, 'utf8'), file, compiled.rules);
}

async function siblingRulesFile(testFile: string): Promise<string | undefined> {
  const stem = basename(testFile).replace(/\.test\.ya?ml$/, '');
  for (const ext of ['.yaml', '.yml']) {
    const candidate = join(dirname(testFile), stem + ext);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not there: try the other extension.
    }
  }
  return undefined;
}

/**
 * Runs the cases of one test source against the given rules.
 *
 * @example
 * runRuleTestText(testYaml, 'flood.test.yaml', compileRuleText(rulesYaml, 'flood.yaml').rules)
 */
export function runRuleTestText(text: string, file: string, rules: readonly CompiledRule[]): { results: RuleTestResult[]; diagnostics: RuleDiagnostic[] } {
  const parsed = parseYaml(text, file);
  if (parsed.doc === undefined) return { results: [], diagnostics: parsed.diagnostics };
  const { doc, src } = parsed;
  const root = doc.contents;
  if (!isMap(root)) {
    return { results: [], diagnostics: [src.diagnostic(startOf(root ?? undefined), 'a rule test file is a map with `tests: [...]`')] };
  }
  const validated = validateNode(ruleTestFileSchema, root, doc, src);
  if (!validated.ok) return { results: [], diagnostics: validated.diagnostics };
  const casesNode = nodeAt(root, ['tests']);
  const set = new RuleSet(rules);
  const results: RuleTestResult[] = [];
  const diagnostics: RuleDiagnostic[] = [];
  validated.value.tests.forEach((spec, i) => {
    const caseNode = isSeq(casesNode) ? (casesNode.items[i] as Node | undefined) : undefined;
    const r = runCase(spec, caseNode, src, set);
    if (r.ok) results.push(r.result);
    else diagnostics.push(...r.diagnostics);
  });
  return { results, diagnostics };
}

type CaseOutcome = { ok: true; result: RuleTestResult } | { ok: false; diagnostics: RuleDiagnostic[] };

const zones = new ZoneLocator(hanoiDistricts());

/** One entry of a case's timeline. */
type Step = { event: IocEvent } | { watermark: number } | { advance: number };

function runCase(spec: RuleTestCaseSpec, node: Node | undefined, src: SourceText, set: RuleSet): CaseOutcome {
  const diagnostics: RuleDiagnostic[] = [];
  const start = parseEventTime(spec.start) as number;
  const timeOf = (s: string): number => {
    const offset = parseOffset(s);
    return offset === undefined ? (parseEventTime(s) as number) : start + offset;
  };

  spec.expect.forEach((x, j) => {
    const rule = set.get(x.rule);
    const at = nodeAt(node, ['expect', j, 'rule']);
    if (rule === undefined) {
      const known = set.rules.map((r) => r.id);
      diagnostics.push(src.diagnostic(startOf(at), `unknown rule \`${x.rule}\`${didYouMean(x.rule, known) || `; the rules file has ${known.join(', ')}`}`));
    } else if (!rule.enabled) {
      diagnostics.push(src.diagnostic(startOf(at), `rule \`${x.rule}\` is disabled (enabled: false), so it never fires`));
    }
  });

  const steps: Step[] = [];
  const toEvent = (raw: Record<string, unknown>, time: number, report: (detail: string) => void): void => {
    const r = validateEvent({ ...raw, time }, { now: () => time, maxFutureMs: 0 });
    if (!r.ok) {
      report(r.rejection.detail);
      return;
    }
    // As the engine does: a missing zone comes from lat/lon.
    if (r.event.zone === undefined && r.event.lat !== undefined && r.event.lon !== undefined) {
      const zone = zones.zoneOf(r.event.lat, r.event.lon);
      if (zone !== undefined) r.event.zone = zone;
    }
    steps.push({ event: r.event });
  };
  if (spec.fixture !== undefined) {
    const file = join(dirname(src.file), spec.fixture);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      diagnostics.push(src.diagnostic(startOf(nodeAt(node, ['fixture'])), `cannot read the fixture: ${(err as Error).message}`));
      text = '';
    }
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      const report = (detail: string) => diagnostics.push({ file, line: i + 1, column: 1, message: `not a valid event: ${detail}` });
      let raw: Record<string, unknown>;
      try {
        raw = JSON.parse(line) as Record<string, unknown>;
      } catch (err) {
        report((err as Error).message);
        return;
      }
      const time = typeof raw.time === 'string' ? timeOf(raw.time) : raw.time;
      toEvent({ id: `f${i + 1}`, source: 'test', ...raw }, time as number, report);
    });
  }
  spec.events.forEach((ev, j) => {
    if (ev.watermark !== undefined) steps.push({ watermark: timeOf(ev.watermark) });
    else if (ev.advance !== undefined) steps.push({ advance: parseDuration(ev.advance)! });
    else {
      const { watermark: _w, advance: _a, ...fields } = ev;
      toEvent({ ...fields, id: ev.id ?? `e${j + 1}`, source: ev.source ?? 'test' }, timeOf(ev.time!), (detail) =>
        diagnostics.push(src.diagnostic(startOf(nodeAt(node, ['events', j])), `events[${j}] is not a valid event: ${detail}`)),
      );
    }
  });
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  let clock = start;
  const ruleErrors: string[] = [];
  const runtime = createRuleRuntime(set, {
    now: () => clock,
    allowedLatenessMs: parseDuration(spec.lateness)!,
    latePolicy: spec.latePolicy,
    onRuleError: (rule, e, err) => ruleErrors.push(`rule ${rule} failed${e !== undefined ? ` on ${e.id}` : ''}: ${(err as Error).message}`),
  });
  const got: Alert[] = [];
  for (const step of steps) {
    if ('event' in step) {
      clock = step.event.time;
      runtime.process(step.event);
    } else {
      const w = runtime.watermark();
      const to = 'watermark' in step ? step.watermark : (Number.isFinite(w) ? w : start) + step.advance;
      clock = Math.max(clock, to);
      runtime.advanceWatermark(to);
    }
    got.push(...runtime.takeChanges());
  }

  const place = src.place(startOf(node));
  const expected = spec.expect;
  const passed = expected.length === got.length && expected.every((x, i) => matches(x, got[i]!, timeOf));
  const diff = passed ? [] : renderDiff(expected, got, start, timeOf, ruleErrors);
  return { ok: true, result: { file: place.file, line: place.line, column: place.column, name: spec.name, passed, diff } };
}

function matches(x: ExpectedChangeSpec, a: Alert, timeOf: (s: string) => number): boolean {
  return differences(x, a, timeOf).length === 0;
}

function renderDiff(expected: readonly ExpectedChangeSpec[], got: readonly Alert[], start: number, timeOf: (s: string) => number, ruleErrors: readonly string[]): string[] {
  const lines: string[] = [];
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    const x = expected[i];
    const a = got[i];
    if (x !== undefined && a !== undefined && matches(x, a, timeOf)) {
      lines.push(`  ${i + 1}. ok        ${describeExpected(x, start, timeOf)}`);
      continue;
    }
    lines.push(`  ${i + 1}. expected: ${x === undefined ? '(no more changes)' : describeExpected(x, start, timeOf)}`);
    lines.push(`     got:      ${a === undefined ? '(no more changes)' : describeGot(a, start, x)}`);
    if (x !== undefined && a !== undefined) lines.push(`     differs:  ${differences(x, a, timeOf).join(', ')}`);
  }
  for (const e of ruleErrors) lines.push(`  note: ${e}`);
  return lines;
}

function differences(x: ExpectedChangeSpec, a: Alert, timeOf: (s: string) => number): string[] {
  const d: string[] = [];
  if (x.rule !== a.rule) d.push('rule');
  if (x.key !== a.key) d.push('key');
  if (x.state !== a.state) d.push('state');
  if (x.severity !== undefined && x.severity !== a.severity) d.push('severity');
  if (x.at !== undefined && timeOf(x.at) !== a.eventTime) d.push('at');
  if (x.message?.vi !== undefined && x.message.vi !== a.message.vi) d.push('message.vi');
  if (x.message?.en !== undefined && x.message.en !== a.message.en) d.push('message.en');
  return d;
}

function describeExpected(x: ExpectedChangeSpec, start: number, timeOf: (s: string) => number): string {
  let s = `${x.state} ${x.rule} key=${JSON.stringify(x.key)}`;
  if (x.severity !== undefined) s += ` severity=${x.severity}`;
  if (x.at !== undefined) s += ` at=${formatOffset(timeOf(x.at) - start)}`;
  if (x.message?.vi !== undefined) s += ` message.vi=${JSON.stringify(x.message.vi)}`;
  if (x.message?.en !== undefined) s += ` message.en=${JSON.stringify(x.message.en)}`;
  return s;
}

/** The change as it happened, with the fields the expectation checks (all of them when there is none). */
function describeGot(a: Alert, start: number, x: ExpectedChangeSpec | undefined): string {
  let s = `${a.state} ${a.rule} key=${JSON.stringify(a.key)} severity=${a.severity} at=${formatOffset(a.eventTime - start)}`;
  if (x === undefined || x.message?.vi !== undefined) s += ` message.vi=${JSON.stringify(a.message.vi)}`;
  if (x === undefined || x.message?.en !== undefined) s += ` message.en=${JSON.stringify(a.message.en)}`;
  return s;
}

function report(results: RuleTestResult[], diagnostics: RuleDiagnostic[]): RuleTestReport {
  const lines: string[] = [];
  for (const r of results) {
    if (r.passed) continue;
    lines.push(`FAIL ${formatPlace(r)} ${r.name}`);
    lines.push(...r.diff);
  }
  for (const d of diagnostics) lines.push(formatDiagnostic(d));
  const failed = results.filter((r) => !r.passed).length;
  const summary = `${results.length - failed} passed, ${failed} failed` + (diagnostics.length > 0 ? `, ${diagnostics.length} error(s) in test or rules files` : '');
  lines.push(summary);
  return { ok: failed === 0 && diagnostics.length === 0, results, diagnostics, lines };
}
