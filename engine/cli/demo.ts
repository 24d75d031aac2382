// `ioc demo` (`npm start`): the engine, the console and a simulated Hanoi feed
// in one process. Uses NATS and ClickHouse when they answer, an embedded bus
// and store otherwise, and says which, loudly.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEngine } from '../app/index.ts';
import { loadConfig } from '../config/index.ts';
import { errorMessage } from '../errors/index.ts';
import { createLogger } from '../log/index.ts';
import { simulateHanoi } from '../sim/index.ts';
import { exitOnFatal, stopOnSignals } from './start.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const MAX_IN_FLIGHT = 2000;

/** Builds the console with Vite when it has not been built yet. */
async function ensureConsoleBuilt(dir: string): Promise<void> {
  if (existsSync(join(dir, 'index.html'))) return;
  console.error('ioc demo: building the console (first run only)...');
  const { build } = await import('vite');
  await build({ root: join(repoRoot, 'console'), configFile: join(repoRoot, 'console', 'vite.config.ts'), logLevel: 'warn' });
}

export async function runDemo(o: { config?: string; rate: number; firstStorm: number }): Promise<void> {
  // The demo's terminal shows the banner and warnings; IOC_LOG_LEVEL=info brings the JSON log back.
  // It is the one mode that runs without sign-in (auth.mode defaults to required
  // everywhere else), so a fresh machine needs no accounts. Only the environment
  // overrides this (it outranks the config file): IOC_AUTH_MODE=required, with
  // accounts, tries the console's sign-in on the demo.
  const env = {
    ...process.env,
    IOC_MODE: process.env.IOC_MODE || 'auto',
    IOC_LOG_LEVEL: process.env.IOC_LOG_LEVEL || 'warn',
    IOC_AUTH_MODE: process.env.IOC_AUTH_MODE || 'off',
  };
  const config = loadConfig({ env, ...(o.config ? { file: o.config } : {}) });
  const consoleDir = resolve(config['console.dir']);
  await ensureConsoleBuilt(consoleDir);
  const log = createLogger(config['log.level']);
  const engine = await startEngine({ config, log, onFatal: (err) => exitOnFatal(log, err) });

  let inFlight = 0;
  let dropped = 0;
  const feed = simulateHanoi({ rate: o.rate, firstStormAfter: o.firstStorm * 1000 }).subscribe((e) => {
    if (inFlight >= MAX_IN_FLIGHT) {
      dropped++;
      return;
    }
    inFlight++;
    engine.bus.publishEvent(e).then(
      () => inFlight--,
      (err: unknown) => {
        inFlight--;
        log.warn({ err: errorMessage(err) }, 'simulator could not publish');
      },
    );
  });
  const host = config['http.host'] === '0.0.0.0' ? 'localhost' : config['http.host'];
  const url = `http://${host}:${engine.httpPort}/`;
  const embedded = engine.mode !== 'nats+clickhouse';
  const banner = [
    '',
    '  Thang Long IOC is running',
    `  console:  ${url}`,
    `  gRPC:     127.0.0.1:${engine.grpcPort} (ioc.v1.Ingest, ioc.v1.Alerts)`,
    `  mode:     ${engine.mode}${embedded ? '   <-- EMBEDDED: not the real stack, nothing here is durable' : ''}`,
    `  feed:     simulated Hanoi, ~${o.rate} events/s; the first storm arrives in about ${o.firstStorm} s`,
    config['auth.mode'] === 'off'
      ? '  auth:     OFF   <-- NO SIGN-IN: anyone who reaches these ports may read and act (demo only; `ioc start` requires sign-in)'
      : '  auth:     required (sign in with an account from auth.accountsFile)',
    '  stop:     Ctrl-C',
    '',
  ];
  console.log(banner.join('\n'));
  stopOnSignals(engine, () => {
    feed.unsubscribe();
    if (dropped > 0) console.error(`ioc demo: the simulator dropped ${dropped} events the bus could not take in time`);
  });
}
