// Loads the rule versions a backtest compares: candidate files or
// directories from disk (each compiled against the reference tables of its own
// rules directory), or rule text sent over the API (compiled against the
// tables of the engine's rules directory). Reports every problem at once.

import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { compileRuleText, loadRulesDir, loadTables, ruleContext, type CompiledRule, type RefTable, type RuleDiagnostic } from '../rules/index.ts';

export interface LoadedRules {
  rules: CompiledRule[];
  diagnostics: RuleDiagnostic[];
  /** The files the rules came from (absolute), to match a baseline to them. */
  files: string[];
}

/** Rule text with the name it is reported under (a file name). */
export interface RuleText {
  name: string;
  text: string;
}

/**
 * Rules of files and directories (a directory: every rules file in it, like
 * the engine loads it). A rule id used twice is reported as a problem.
 *
 * @example const { rules, diagnostics } = await loadRulePaths(['rules/flood.yaml'])
 */
export async function loadRulePaths(paths: readonly string[]): Promise<LoadedRules> {
  const out: LoadedRules = { rules: [], diagnostics: [], files: [] };
  const tablesByDir = new Map<string, Promise<{ tables: Map<string, RefTable>; diagnostics: RuleDiagnostic[] }>>();
  for (const p of paths) {
    const path = resolve(p);
    const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
    if (isDir) {
      const loaded = await loadRulesDir(path);
      out.diagnostics.push(...loaded.diagnostics);
      for (const r of loaded.rules) add(out, r);
      continue;
    }
    const dir = dirname(path);
    let tables = tablesByDir.get(dir);
    if (tables === undefined) tablesByDir.set(dir, (tables = loadTables(dir)));
    const t = await tables;
    const text = await readFile(path, 'utf8').catch((err: unknown) => {
      out.diagnostics.push({ file: path, line: 1, column: 1, message: `cannot read the file: ${(err as Error).message}` });
      return undefined;
    });
    if (text === undefined) continue;
    const result = compileRuleText(text, path, { context: ruleContext({ tables: t.tables }) });
    out.diagnostics.push(...result.diagnostics);
    for (const r of result.rules) add(out, r);
    out.files.push(path);
  }
  for (const t of tablesByDir.values()) out.diagnostics.push(...(await t).diagnostics);
  return out;
}

/**
 * Rules from text (the API's request), compiled against `tables`.
 *
 * @example compileRuleTexts([{ name: 'flood.yaml', text }], tables)
 */
export function compileRuleTexts(texts: readonly RuleText[], tables: ReadonlyMap<string, RefTable>): LoadedRules {
  const out: LoadedRules = { rules: [], diagnostics: [], files: [] };
  const context = ruleContext({ tables: new Map(tables) });
  for (const { name, text } of texts) {
    const result = compileRuleText(text, name, { context });
    out.diagnostics.push(...result.diagnostics);
    for (const r of result.rules) add(out, r);
    out.files.push(name);
  }
  return out;
}

function add(out: LoadedRules, rule: CompiledRule): void {
  const first = out.rules.find((r) => r.id === rule.id);
  if (first !== undefined) {
    out.diagnostics.push({ ...rule.origin, message: `duplicate rule id \`${rule.id}\`; it is also defined in ${first.origin.file}` });
    return;
  }
  out.rules.push(rule);
  if (!out.files.includes(rule.origin.file)) out.files.push(rule.origin.file);
}
