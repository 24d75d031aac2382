// `ioc start`: the engine alone, until SIGINT or SIGTERM.
import { startEngine, type RunningEngine } from '../app/index.ts';
import { loadConfig } from '../config/index.ts';
import { createLogger, type Logger } from '../log/index.ts';

/** The pipeline failed unexpectedly: say so and exit non-zero, so the supervisor restarts the engine. */
export function exitOnFatal(log: Logger, err: Error): never {
  log.fatal({ err: err.message, stack: err.stack }, 'pipeline failed; exiting so the engine restarts from its checkpoint');
  process.stderr.write(`ioc: pipeline failed: ${err.message}\n`);
  process.exit(1);
}

/** Stops the engine on the first signal (after `beforeStop`); a second signal exits at once. */
export function stopOnSignals(engine: RunningEngine, beforeStop?: () => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nioc: ${signal} received, stopping (again to exit at once)\n`);
    beforeStop?.();
    void engine.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export async function runStart(configFile: string | undefined): Promise<void> {
  const config = loadConfig(configFile ? { file: configFile } : {});
  const log = createLogger(config['log.level']);
  const engine = await startEngine({ config, log, onFatal: (err) => exitOnFatal(log, err) });
  stopOnSignals(engine);
}
