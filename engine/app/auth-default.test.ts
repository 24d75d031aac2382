// Sign-in is required by default: an engine configured with no accounts and no
// token key refuses to start, before it opens a port or connects anywhere, and
// its message tells the reader both ways out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { ConfigError } from '../errors/index.ts';
import { silentLogger } from '../log/index.ts';
import { startEngine } from './engine.ts';

const rulesDir = mkdtempSync(join(tmpdir(), 'ioc-auth-default-'));
afterAll(() => rmSync(rulesDir, { recursive: true, force: true }));

describe('auth.mode by default', () => {
  it('is required', () => {
    expect(loadConfig({ env: {}, cwd: tmpdir() })['auth.mode']).toBe('required');
  });

  it('refuses to start when nobody could sign in, naming `ioc auth hash` + an accounts file, and `ioc demo`', async () => {
    // An unused port: the check must fail before anything listens or connects.
    const config = loadConfig({ env: { IOC_RULES_DIR: rulesDir, IOC_HTTP_PORT: '1', IOC_NATS_URL: 'nats://127.0.0.1:1' }, cwd: tmpdir() });
    const started = startEngine({ config, log: silentLogger() });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/nobody could sign in/);
    await expect(started).rejects.toThrow(/`ioc auth hash`.*auth\.accountsFile/s);
    await expect(started).rejects.toThrow(/`ioc demo`/);
  });
});
