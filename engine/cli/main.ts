// The `ioc` command line: start the engine, run the demo, feed it simulated
// Hanoi data, validate and test rules, benchmark. Each command's work lives in
// its own module; this file only parses arguments and sets exit codes.

import { Command, InvalidArgumentError as CommanderArgError } from 'commander';
import { IocError, errorMessage } from '../errors/index.ts';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new CommanderArgError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

const program = new Command()
  .name('ioc')
  .description('Thang Long IOC: event-processing engine for a city operations center')
  .showHelpAfterError();

program
  .command('start')
  .description('run the engine (NATS + ClickHouse, configured by ioc.yaml and IOC_* variables)')
  .option('-c, --config <file>', 'configuration file (default ./ioc.yaml when present)')
  .action(async (o: { config?: string }) => {
    const { runStart } = await import('./start.ts');
    await runStart(o.config);
  });

program
  .command('demo')
  .description('engine + console + simulated Hanoi feed; falls back to an embedded bus and store when NATS or ClickHouse are not reachable')
  .option('-c, --config <file>', 'configuration file')
  .option('-r, --rate <n>', 'simulated events per second', int('rate', 1), 200)
  .option('--first-storm <seconds>', 'when the first simulated storm starts', int('first-storm', 0), 20)
  .action(async (o: { config?: string; rate: number; firstStorm: number }) => {
    const { runDemo } = await import('./demo.ts');
    await runDemo(o);
  });

program
  .command('simulate')
  .description('publish a simulated Hanoi feed (water level, rain, PM2.5, traffic, hotline; storms that flood) to NATS')
  .option('-r, --rate <n>', 'events per second', int('rate', 1), 200)
  .option('--nats <url>', 'NATS URL (default IOC_NATS_URL or nats://127.0.0.1:4222)')
  .option('--seed <n>', 'random seed, for a repeatable feed', int('seed', 0), 1)
  .option('--sensors <n>', 'number of sensors (default: a few hundred)', int('sensors', 1))
  .option('--duration <seconds>', 'stop after this many seconds (default: run until interrupted)', int('duration', 1))
  .action(async (o: { rate: number; nats?: string; seed: number; sensors?: number; duration?: number }) => {
    const { runSimulate } = await import('./simulate.ts');
    await runSimulate(o);
  });

const rules = program.command('rules').description('work with rule files');
rules
  .command('validate [dir]')
  .description('check every rule file in dir (default IOC_RULES_DIR or rules/); prints file:line:column for each error')
  .action(async (dir: string | undefined) => {
    const { runRulesValidate } = await import('./rules.ts');
    process.exitCode = await runRulesValidate(dir);
  });
rules
  .command('test [dir]')
  .description('run the rule unit tests (*.test.yaml) in dir')
  .action(async (dir: string | undefined) => {
    const { runRulesTest } = await import('./rules.ts');
    process.exitCode = await runRulesTest(dir);
  });
rules
  .command('shadow-report')
  .description('compare the alerts of rules in mode: shadow with the live rules of the same ids, from ClickHouse')
  .option('--from <time>', 'start: ISO time, epoch ms, or relative like -24h', '-24h')
  .option('--to <time>', 'end: ISO time, epoch ms, now, or relative', 'now')
  .option('--json', 'machine-readable output')
  .option('-c, --config <file>', 'configuration file')
  .action(async (o: { from: string; to: string; json?: boolean; config?: string }) => {
    const { runShadowReport } = await import('./shadow-report.ts');
    process.exitCode = await runShadowReport(o);
  });
rules
  .command('backtest <files...>')
  .description('run rule files (or directories) over events stored in ClickHouse and report the alerts they would have fired, and the difference from the rules in force')
  .requiredOption('--from <time>', 'start of the range: ISO time (2026-03-01T06:00+07:00), epoch ms, or an offset like -24h')
  .option('--to <time>', 'end of the range (exclusive), same forms', 'now')
  .option('--baseline <paths...>', 'the previous version to compare with (default: the rules directory in force)')
  .option('--no-baseline', 'report the candidate alone')
  .option('--json', 'print the report as JSON')
  .option('-c, --config <file>', 'configuration file (ClickHouse, allowed lateness)')
  .action(async (files: string[], o: { from: string; to: string; baseline?: string[] | boolean; json?: boolean; config?: string }) => {
    const { runRulesBacktest } = await import('./backtest.ts');
    process.exitCode = await runRulesBacktest(files, {
      from: o.from,
      to: o.to,
      ...(Array.isArray(o.baseline) ? { baseline: o.baseline } : {}),
      compare: o.baseline !== false,
      json: o.json === true,
      ...(o.config ? { config: o.config } : {}),
    });
  });

const auth = program.command('auth').description('accounts and roles');
auth
  .command('hash')
  .description('print the `secret:` field of an accounts file entry for a password read from stdin (never pass it as an argument)')
  .action(async () => {
    const { hashSecret } = await import('../auth/index.ts');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (secret.length < 8) {
      console.error('ioc auth hash: the secret must be at least 8 characters (read from stdin)');
      process.exitCode = 1;
      return;
    }
    console.log(await hashSecret(secret));
  });

const db = program.command('db').description('the ClickHouse schema: migrations, status, rollups');
db.command('migrate')
  .description('apply pending schema migrations to the configured ClickHouse; prints each one applied')
  .option('-c, --config <file>', 'configuration file')
  .action(async (o: { config?: string }) => {
    const { runDbMigrate } = await import('./db.ts');
    await runDbMigrate(o);
  });
db.command('status')
  .description('applied and pending migrations; tables with rows, bytes and partitions')
  .option('-c, --config <file>', 'configuration file')
  .action(async (o: { config?: string }) => {
    const { runDbStatus } = await import('./db.ts');
    await runDbStatus(o);
  });
db.command('rebuild-rollups')
  .description('recompute one UTC day of the minute and hour rollups from events (after a redelivery counted twice, or to backfill)')
  .requiredOption('--day <YYYY-MM-DD>', 'the UTC day to rebuild')
  .option('-c, --config <file>', 'configuration file')
  .action(async (o: { config?: string; day: string }) => {
    const { runDbRebuildRollups } = await import('./db.ts');
    await runDbRebuildRollups(o);
  });

const cluster = program.command('cluster').description('scale-out: partitions and the engine processes that own them');
cluster
  .command('status')
  .description('which engine process owns which partition, and how many events each partition has not yet delivered')
  .option('-c, --config <file>', 'configuration file')
  .option('--json', 'print JSON')
  .action(async (o: { config?: string; json?: boolean }) => {
    const { runClusterStatus } = await import('./cluster.ts');
    await runClusterStatus(o);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`ioc: ${errorMessage(err)}`);
  process.exitCode = err instanceof IocError && err.code === 'failed_precondition' ? 2 : 1;
}
