// `ioc rules validate|test`: for rule authors, with file:line:column errors.
import { isAbsolute, join, relative } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { loadPolicyDir } from '../incidents/index.ts';
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
  // Incident policies live beside the rules (`<dir>/policies`) unless configured elsewhere.
  const p = dir === undefined ? loadConfig()['incidents.policiesDir'] || join(d, 'policies') : join(d, 'policies');
  const [{ rules, diagnostics }, policies] = await Promise.all([loadRulesDir(d), loadPolicyDir(p)]);
  const all = [...diagnostics, ...policies.diagnostics];
  for (const diag of all) console.error(formatDiagnostic(diag));
  if (all.length > 0) {
    console.error(`${all.length} error(s) in ${shown(d)}`);
    return 1;
  }
  const ps = policies.policies;
  console.log(`${rules.length} rules in ${shown(d)}: OK`);
  if (ps.policies.length + ps.receivers.length > 0) console.log(`${ps.policies.length} incident policies, ${ps.receivers.length} receivers, ${ps.sops.size} SOPs in ${shown(p)}: OK`);
  return 0;
}

/** Runs the *.test.yaml files; returns the exit code (0 = all passed). */
export async function runRulesTest(dir: string | undefined): Promise<number> {
  const d = rulesDir(dir);
  const report = await runRuleTests(d);
  for (const line of report.lines) console.log(line);
  return report.ok ? 0 : 1;
}
