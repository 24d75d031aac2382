import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.ts';
import { loadConfig } from './config.ts';
import { redactUrl, secretFrom } from './secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'ioc-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = (env: Record<string, string>) => loadConfig({ env, cwd: dir });

describe('redactUrl', () => {
  it('drops user and password from each of several URLs', () => {
    expect(redactUrl('nats://ioc:s3cret@nats-1:4222, nats://tok@nats-2:4222')).toBe('nats://nats-1:4222,nats://nats-2:4222');
    expect(redactUrl('https://default:pw@ch.local:8443/?x=1')).toBe('https://ch.local:8443/?x=1');
    expect(redactUrl('ioc:s3cret@127.0.0.1:4222')).toBe('127.0.0.1:4222');
  });

  it('leaves URLs without credentials as they are', () => {
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(redactUrl('http://127.0.0.1:8123/path@x')).toBe('http://127.0.0.1:8123/path@x');
  });
});

describe('secretFrom', () => {
  it('reads the value, or the file without its trailing newline', () => {
    expect(secretFrom(config({ IOC_NATS_PASSWORD: 'from-env' }), 'nats.password', 'nats.passwordFile')).toBe('from-env');
    writeFileSync(join(dir, 'pw'), 'from-file\n');
    expect(secretFrom(config({ IOC_NATS_PASSWORD_FILE: join(dir, 'pw') }), 'nats.password', 'nats.passwordFile')).toBe('from-file');
    expect(secretFrom(config({}), 'nats.password', 'nats.passwordFile')).toBe('');
  });

  it('refuses both at once, a missing file and an empty one, naming the keys', () => {
    writeFileSync(join(dir, 'empty'), '\n');
    const both = () => secretFrom(config({ IOC_NATS_PASSWORD: 'x', IOC_NATS_PASSWORD_FILE: join(dir, 'pw') }), 'nats.password', 'nats.passwordFile');
    expect(both).toThrow(ConfigError);
    expect(both).toThrow('set nats.password (IOC_NATS_PASSWORD) or nats.passwordFile (IOC_NATS_PASSWORD_FILE), not both');
    expect(() => secretFrom(config({ IOC_CLICKHOUSE_PASSWORD_FILE: join(dir, 'nope') }), 'clickhouse.password', 'clickhouse.passwordFile')).toThrow(
      /cannot read .*nope \(clickhouse.passwordFile \(IOC_CLICKHOUSE_PASSWORD_FILE\)\): ENOENT/,
    );
    expect(() => secretFrom(config({ IOC_NATS_TOKEN_FILE: join(dir, 'empty') }), 'nats.token', 'nats.tokenFile')).toThrow(/empty/);
  });
});
