import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { ConfigError, UnavailableError } from '../errors/index.ts';
import { clickHouseAccess } from './clickhouse-connection.ts';
import { accessError, toStoreError } from './clickhouse-errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'ioc-ch-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const access = (env: Record<string, string>) => clickHouseAccess(loadConfig({ env, cwd: dir }));

describe('clickHouseAccess', () => {
  it('gives url, user and password, the password from a file if asked', () => {
    expect(access({})).toEqual({ url: 'http://127.0.0.1:8123', username: 'default', password: '' });
    writeFileSync(join(dir, 'pw'), 'file-pw\n');
    expect(access({ IOC_CLICKHOUSE_USER: 'ioc', IOC_CLICKHOUSE_PASSWORD_FILE: join(dir, 'pw') })).toMatchObject({ username: 'ioc', password: 'file-pw' });
  });

  it('reads the CA and the client certificate for an https URL', () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA');
    writeFileSync(join(dir, 'c.pem'), 'CERT');
    writeFileSync(join(dir, 'c.key'), 'KEY');
    const basic = access({ IOC_CLICKHOUSE_URL: 'https://ch:8443', IOC_CLICKHOUSE_TLS_CA_FILE: join(dir, 'ca.pem') });
    expect(basic.tls).toEqual({ ca_cert: Buffer.from('CA') });
    const mutual = access({ IOC_CLICKHOUSE_URL: 'https://ch:8443', IOC_CLICKHOUSE_TLS_CA_FILE: join(dir, 'ca.pem'), IOC_CLICKHOUSE_TLS_CERT_FILE: join(dir, 'c.pem'), IOC_CLICKHOUSE_TLS_KEY_FILE: join(dir, 'c.key') });
    expect(mutual.tls).toEqual({ ca_cert: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  });

  it('refuses TLS settings with a plain URL, half a client certificate, or one without a CA', () => {
    expect(() => access({ IOC_CLICKHOUSE_URL: 'http://u:secret@ch:8123', IOC_CLICKHOUSE_TLS_CA_FILE: join(dir, 'ca.pem') })).toThrow('is http://ch:8123: TLS needs an https:// URL');
    expect(() => access({ IOC_CLICKHOUSE_URL: 'https://ch', IOC_CLICKHOUSE_TLS_CERT_FILE: join(dir, 'c.pem') })).toThrow(/needs both/);
    expect(() => access({ IOC_CLICKHOUSE_URL: 'https://ch', IOC_CLICKHOUSE_TLS_CERT_FILE: join(dir, 'c.pem'), IOC_CLICKHOUSE_TLS_KEY_FILE: join(dir, 'c.key') })).toThrow(/needs clickhouse.tls.caFile/);
  });
});

describe('accessError', () => {
  // As 18.16 and current servers send them.
  const old193 = 'Code: 193, e.displayText() = DB::Exception: Wrong password for user ioc, e.what() = DB::Exception\n';
  const new516 = Object.assign(new Error('ioc: Authentication failed: password is incorrect, or there is no user with such name. '), { code: '516' });

  it('makes a refused login a ConfigError that names the server and the keys', () => {
    const err = toStoreError(new Error(old193), 'query', 'ClickHouse at https://ch:8443');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('ClickHouse at https://ch:8443 refused the login (code 193): Wrong password for user ioc; check clickhouse.user and clickhouse.password (or clickhouse.passwordFile)');
    expect(accessError(new516)?.message).toMatch(/^ClickHouse refused the login \(code 516\): ioc: Authentication failed/);
  });

  it('makes an untrusted certificate or TLS to a plain port a ConfigError', () => {
    const untrusted = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(toStoreError(untrusted, 'query', 'ClickHouse at https://ch:8443').message).toBe(
      'TLS with ClickHouse at https://ch:8443 failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); check clickhouse.tls.caFile (the CA that signed the server certificate) and clickhouse.url',
    );
    expect(accessError(Object.assign(new Error('write EPROTO ... wrong version number'), { code: 'EPROTO' }))).toBeInstanceOf(ConfigError);
  });

  it('leaves network failures and other statements alone', () => {
    expect(accessError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(toStoreError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'query')).toBeInstanceOf(UnavailableError);
    expect(accessError(new Error("Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = DB::Exception"))).toBeUndefined();
  });
});
