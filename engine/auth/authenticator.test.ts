import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { UnauthenticatedError } from '../errors/index.ts';
import { hashSecret } from './accounts.ts';
import { createAuthenticator } from './authenticator.ts';

const basic = (name: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}` });
const KEY = 'a-test-signing-key-of-enough-length!!';
const token = (claims: Record<string, unknown>, exp = '1h') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(KEY));

describe('createAuthenticator', () => {
  it('knows accounts by hashed secret, and refuses a wrong secret or an unknown name the same way', async () => {
    const auth = createAuthenticator({ required: true, accounts: [{ name: 'lan', role: 'operator', secret: await hashSecret('s3cret') }, { name: 'gw', role: 'integrator', secret: await hashSecret('k'), types: ['service.*'] }] });
    expect(await auth(basic('lan', 's3cret'))).toEqual({ name: 'lan', role: 'operator', via: 'password' });
    expect(await auth(basic('gw', 'k'))).toMatchObject({ name: 'gw', role: 'integrator', types: ['service.*'] });
    await expect(auth(basic('lan', 'wrong'))).rejects.toThrow('unknown account or wrong secret');
    await expect(auth(basic('nobody', 's3cret'))).rejects.toThrow('unknown account or wrong secret');
    await expect(auth({})).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(auth({ authorization: 'Digest x' })).rejects.toThrow(/unsupported authorization scheme/);
  });

  it('accepts bearer tokens signed with the configured key, with a known role, not expired', async () => {
    const auth = createAuthenticator({ required: true, accounts: [], jwt: { secret: KEY } });
    expect(await auth({ authorization: `Bearer ${await token({ sub: 'minh', role: 'viewer' })}` })).toEqual({ name: 'minh', role: 'viewer', via: 'jwt' });
    await expect(auth({ authorization: `Bearer ${await token({ sub: 'minh', role: 'king' })}` })).rejects.toThrow(/role must be one of/);
    await expect(auth({ authorization: `Bearer ${await token({ sub: 'minh', role: 'viewer' }, '-1m')}` })).rejects.toThrow(/bearer token refused/);
    const forged = await new SignJWT({ sub: 'x', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another key entirely, also long'));
    await expect(auth({ authorization: `Bearer ${forged}` })).rejects.toThrow(/bearer token refused/);
  });

  it('refuses a token once it expires, even one verified (and cached) a moment before', async () => {
    let clock = Date.now();
    const auth = createAuthenticator({ required: true, accounts: [], jwt: { secret: KEY }, now: () => clock });
    const header = { authorization: `Bearer ${await token({ sub: 'minh', role: 'viewer' }, '2m')}` };
    expect(await auth(header)).toMatchObject({ name: 'minh' });
    clock += 3 * 60_000; // past the token's exp, well within the 5-minute cache
    await expect(auth(header)).rejects.toThrow(/bearer token refused/);
  });

  it('with auth off, everyone is an admin named by x-ioc-user', async () => {
    const auth = createAuthenticator({ required: false, accounts: [] });
    expect(await auth({ 'x-ioc-user': 'lan' })).toEqual({ name: 'lan', role: 'admin', via: 'none' });
  });
});
