// Loads a rules directory: the reference tables and registries of
// `reference/` and `registry/` first, then every `*.yaml`/`*.yml` directly
// inside it, except rule tests (`*.test.yaml`), compiled against those tables.
// Reports every problem of every file, and never returns a rule whose id
// another file also uses.

import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compileRuleText, type CompiledRule, type RuleOrigin } from './compile.ts';
import { ruleContext, type RuleContext } from './context.ts';
import { formatPlace, type RuleDiagnostic } from './diagnostic.ts';
import { loadTables, type RefTable } from './tables.ts';

export interface LoadResult {
  /** Rules of the files without problems, in file-name then source order. */
  rules: CompiledRule[];
  diagnostics: RuleDiagnostic[];
  /** The reference tables and registries the rules were compiled against. */
  tables: ReadonlyMap<string, RefTable>;
}

export interface LoadOptions {
  /** Geography and local time; Hanoi when absent. The tables always come from the directory. */
  context?: Omit<Partial<RuleContext>, 'tables'>;
}

/** True for the file names `loadRulesDir` reads. */
export function isRulesFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name);
}

/**
 * Reads and compiles every rules file of `dir`. A missing or unreadable
 * directory is a diagnostic, like any other problem.
 *
 * @example
 * const { rules, diagnostics } = await loadRulesDir('rules');
 * for (const d of diagnostics) console.error(formatDiagnostic(d));
 */
export async function loadRulesDir(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const root = resolve(dir);
  let names: string[];
  try {
    const entries = await readdir(root, { withFileTypes: true });
    names = entries.filter((d) => d.isFile() && isRulesFile(d.name)).map((d) => d.name);
  } catch (err) {
    return { rules: [], diagnostics: [{ file: root, line: 1, column: 1, message: `cannot read the rules directory: ${(err as Error).message}` }], tables: new Map() };
  }
  names.sort();
  const rules: CompiledRule[] = [];
  const { tables, diagnostics } = await loadTables(root);
  const context = ruleContext({ ...opts.context, tables });
  const owners = new Map<string, RuleOrigin>();
  for (const name of names) {
    const file = join(root, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      diagnostics.push({ file, line: 1, column: 1, message: `cannot read the file: ${(err as Error).message}` });
      continue;
    }
    const result = compileRuleText(text, file, { context });
    diagnostics.push(...result.diagnostics);
    for (const rule of result.rules) {
      const first = owners.get(rule.id);
      if (first === undefined) {
        owners.set(rule.id, rule.origin);
        rules.push(rule);
      } else {
        diagnostics.push({
          ...rule.origin,
          message: `duplicate ${rule.shadow ? 'shadow ' : ''}rule id \`${rule.alertId}\`; it is already used at ${formatPlace(first)}${rule.shadow ? ' (one live and one shadow rule may share an id)' : ''}`,
        });
      }
    }
  }
  return { rules, diagnostics, tables };
}
