// `ioc rules backtest <files...> --from --to`: what the given rules would have
// done over stored history, and how they differ from the rules in force.
// Progress goes to stderr (on a terminal), the report to stdout. Read-only.

import { formatDiagnostic } from '../rules/index.ts';
import { loadConfig } from '../config/index.ts';
import { InvalidArgumentError } from '../errors/index.ts';
import { clickHouseAccess } from '../store/index.ts';
import { ClickHouseEventSource, formatProgress, formatReport, loadRulePaths, parseTimeRange, runBacktest, selectBaseline } from '../backtest/index.ts';

export interface BacktestCliOptions {
  from: string;
  to: string;
  /** Rule files or directories of the previous version; default the configured rules directory. */
  baseline?: string[];
  /** false with --no-baseline: no comparison. */
  compare: boolean;
  json: boolean;
  config?: string;
}

/** Runs the backtest; returns the exit code (0 done, 1 rule problems). */
export async function runRulesBacktest(files: string[], o: BacktestCliOptions): Promise<number> {
  const config = loadConfig(o.config ? { file: o.config } : {});
  const range = parseTimeRange(o.from, o.to, Date.now());
  const candidate = await loadRulePaths(files);
  const baselinePaths = o.baseline ?? [config['rules.dir']];
  const baseline = o.compare ? await loadRulePaths(baselinePaths) : undefined;
  const problems = [...candidate.diagnostics, ...(baseline?.diagnostics ?? [])];
  for (const d of problems) console.error(formatDiagnostic(d));
  if (problems.length > 0) {
    console.error(`${problems.length} problem(s) in the rules; nothing was run`);
    return 1;
  }
  if (candidate.rules.length === 0) throw new InvalidArgumentError(`no rules in ${files.join(', ')}`);

  const source = new ClickHouseEventSource({ ...clickHouseAccess(config), database: config['clickhouse.db'] });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  const tty = process.stderr.isTTY === true;
  try {
    await source.check();
    const report = await runBacktest({
      source,
      range,
      candidate: candidate.rules,
      ...(baseline ? { baseline: selectBaseline(candidate.rules, baseline.rules) } : {}),
      allowedLatenessMs: config['rules.allowedLatenessMs'],
      latePolicy: config['rules.latePolicy'],
      signal: abort.signal,
      ...(tty ? { onProgress: (p) => process.stderr.write(`\r${formatProgress(p)}\u001b[K`) } : {}),
    });
    if (tty) process.stderr.write('\n');
    process.stdout.write(o.json ? JSON.stringify(report) + '\n' : formatReport(report));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    await source.close();
  }
}
