import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { ConfigError, UnavailableError } from '../errors/index.ts';
import { natsConnectError, natsSecurity } from './nats-connection.ts';

const dir = mkdtempSync(join(tmpdir(), 'ioc-nats-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const security = (env: Record<string, string>) => natsSecurity(loadConfig({ env, cwd: dir }));

describe('natsSecurity', () => {
  it('is empty by default', () => {
    expect(security({})).toEqual({});
  });

  it('takes a user and password, a token, and TLS files', () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    writeFileSync(join(dir, 'c.pem'), 'CERT PEM');
    writeFileSync(join(dir, 'c.key'), 'KEY PEM');
    expect(security({ IOC_NATS_USER: 'ioc', IOC_NATS_PASSWORD: 'pw' })).toEqual({ user: 'ioc', pass: 'pw' });
    expect(security({ IOC_NATS_TOKEN: 't' })).toEqual({ token: 't' });
    expect(security({ IOC_NATS_TLS_CA_FILE: join(dir, 'ca.pem'), IOC_NATS_TLS_CERT_FILE: join(dir, 'c.pem'), IOC_NATS_TLS_KEY_FILE: join(dir, 'c.key') })).toEqual({
      tls: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
    });
  });

  it('refuses mixed or half-given credentials with the keys to fix', () => {
    expect(() => security({ IOC_NATS_USER: 'ioc', IOC_NATS_PASSWORD: 'pw', IOC_NATS_TOKEN: 't' })).toThrow('set one of nats.user, nats.token and nats.credsFile, not nats.user and nats.token');
    expect(() => security({ IOC_NATS_USER: 'ioc' })).toThrow('user ioc has no password');
    expect(() => security({ IOC_NATS_PASSWORD: 'pw' })).toThrow('a password is set but no user');
    expect(() => security({ IOC_NATS_TLS_CERT_FILE: join(dir, 'c.pem') })).toThrow(/needs both nats.tls.certFile .* and nats.tls.keyFile/);
  });

  it('refuses a creds file that is not one', () => {
    writeFileSync(join(dir, 'bad.creds'), 'not a creds file\n');
    expect(() => security({ IOC_NATS_CREDS_FILE: join(dir, 'bad.creds') })).toThrow(ConfigError);
    expect(() => security({ IOC_NATS_CREDS_FILE: join(dir, 'bad.creds') })).toThrow(/is not a NATS creds file/);
  });
});

describe('natsConnectError', () => {
  const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('makes refused logins and TLS failures ConfigErrors, naming the server without credentials', () => {
    const login = natsConnectError(coded('AUTHORIZATION_VIOLATION', "'Authorization Violation'"), 'nats://ioc:pw@n1:4222', { user: 'ioc', pass: 'pw' });
    expect(login).toBeInstanceOf(ConfigError);
    expect(login.message).toBe("NATS at nats://n1:4222 refused the login with user ioc (nats.user, nats.password): 'Authorization Violation'");
    const tls = natsConnectError(coded('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'nats://n1:4222', {});
    expect(tls).toBeInstanceOf(ConfigError);
    expect(tls.message).toContain('TLS with NATS at nats://n1:4222 failed: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN); set nats.tls.caFile');
    expect(natsConnectError(coded('SERVER_OPT_NA', 'tls'), 'nats://n1:4222', { tls: { ca: 'x' } }).message).toContain('does not offer TLS');
  });

  it('leaves a server that does not answer retryable', () => {
    const down = natsConnectError(coded('CONNECTION_REFUSED', 'CONNECTION_REFUSED'), 'nats://n1:4222', {});
    expect(down).toBeInstanceOf(UnavailableError);
    expect(down.message).toBe('cannot connect to NATS at nats://n1:4222: CONNECTION_REFUSED');
  });
});
