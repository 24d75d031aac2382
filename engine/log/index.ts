// Logging: structured JSON lines through pino, one child logger per subsystem
// (`log.child({ sub: 'pipeline' })`). Never log event payloads at info level:
// a city feed is large and may carry citizens' words.
import { pino, type Logger } from 'pino';

export type { Logger };

/** A JSON logger on stderr (stdout stays free for command output). */
export function createLogger(level: string, name = 'ioc'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that discards everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
