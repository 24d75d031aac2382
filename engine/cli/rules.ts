// `ioc rules validate|test`: for rule authors, with file:line:column errors.
import { isAbsolute, relative } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { formatDiagnostic, loadRulesDir, runRuleTests } from '../rules/index.ts';

function rulesDir(dir: string | undefined): string {
  return dir ?? loadConfig()['rules.dir'];
}

/** A path as the user would type it: relative when under the current directory. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** Prints every problem; returns the exit code (0 = all rules valid). */
export async function runRulesValidate(dir: string | undefined): Promise<number> {
  const d = rulesDir(dir);
  const { rules, diagnostics } = await loadRulesDir(d);
  for (const diag of diagnostics) console.error(formatDiagnostic(diag));
  if (diagnostics.length > 0) {
    console.error(`${diagnostics.length} error(s) in ${shown(d)}`);
    return 1;
  }
  console.log(`${rules.length} rules in ${shown(d)}: OK`);
  return 0;
}

/** Runs the *.test.yaml files; returns the exit code (0 = all passed). */
export async function runRulesTest(dir: string | undefined): Promise<number> {
  const d = rulesDir(dir);
  const report = await runRuleTests(d);
  for (const line of report.lines) console.log(line);
  return report.ok ? 0 : 1;
}
