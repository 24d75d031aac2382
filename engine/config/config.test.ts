import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference, envName, loadConfig } from './index.ts';

function dirWith(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ioc-config-'));
  writeFileSync(join(dir, 'ioc.yaml'), yaml);
  return dir;
}

describe('loadConfig', () => {
  it('uses defaults with no file and no environment', () => {
    const c = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'ioc-config-')) });
    expect(c['nats.url']).toBe('nats://127.0.0.1:4222');
    expect(c['http.port']).toBe(8080);
    expect(c['grpc.port']).toBe(50051);
    expect(c['rules.dir']).toBe('rules');
  });

  it('reads nested keys from ioc.yaml and lets IOC_* variables override them', () => {
    const cwd = dirWith('nats:\n  url: nats://nats-1:4222\nhttp:\n  port: 9000\nrules:\n  dir: /etc/ioc/rules\n');
    const c = loadConfig({ cwd, env: { IOC_HTTP_PORT: '9100', IOC_CLICKHOUSE_DB: 'city', IOC_RULES_DIR: '/srv/rules' } });
    expect(c['nats.url']).toBe('nats://nats-1:4222');
    expect(c['http.port']).toBe(9100);
    expect(c['clickhouse.db']).toBe('city');
    expect(c['rules.dir']).toBe('/srv/rules');
  });

  it('names the file, line and column of an unknown key, with a suggestion', () => {
    const cwd = dirWith('nats:\n  urll: x\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/ioc\.yaml:2:3: unknown key nats\.urll/);
  });

  it('rejects a wrong type with where it came from', () => {
    expect(() => loadConfig({ cwd: dirWith('http:\n  port: eighty\n'), env: {} })).toThrow(/ioc\.yaml:2:3: http\.port must be an integer/);
    expect(() => loadConfig({ env: { IOC_GRPC_PORT: '70000' }, cwd: tmpdir() })).toThrow(/IOC_GRPC_PORT: grpc\.port must be at most 65535/);
    expect(() => loadConfig({ env: { IOC_MODE: 'cloud' }, cwd: tmpdir() })).toThrow(/mode must be one of real, auto, embedded/);
  });

  it('reports broken YAML with its position', () => {
    expect(() => loadConfig({ cwd: dirWith('nats:\n  url: [unclosed\n'), env: {} })).toThrow(/ioc\.yaml:\d+:\d+: /);
  });

  it('derives environment names from keys', () => {
    expect(envName('nats.maxAckPending')).toBe('IOC_NATS_MAX_ACK_PENDING');
    expect(envName('clickhouse.url')).toBe('IOC_CLICKHOUSE_URL');
    expect(configReference()).toContain('| `nats.url` | `IOC_NATS_URL` |');
  });
});

describe('docs/configuration.md', () => {
  it('is generated from the key table (run npx tsx engine/config/generate-docs.ts)', async () => {
    const { readFileSync } = await import('node:fs');
    const { configurationDoc } = await import('./generate-docs.ts');
    expect(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')).toBe(configurationDoc());
  });
});
