// Session.WhoAmI through the same guard the engine serves it behind, with the
// real authenticator over accounts made here. Responses go through protobuf
// encode/decode, as on the wire.

import { describe, expect, it } from 'vitest';
import { ioc } from '../../protos/gen/ioc.js';
import { SessionService } from '../../protos/gen/services.ts';
import { createAuthenticator, hashSecret, methodRoles } from '../auth/index.ts';
import { UnauthenticatedError } from '../errors/index.ts';
import { guardHandlers } from './authorize.ts';
import type { CallContext } from './handlers.ts';
import { sessionHandlers } from './session.ts';

const basic = (name: string, secret: string) => `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`;
const ctx = (metadata: Record<string, string> = {}): CallContext => ({ signal: new AbortController().signal, metadata, peer: 'test' });

async function whoAmI(required: boolean, metadata: Record<string, string> = {}) {
  const accounts = [
    { name: 'minh', role: 'viewer' as const, secret: await hashSecret('viewer-pass') },
    { name: 'lan', role: 'operator' as const, secret: await hashSecret('operator-pass') },
    { name: 'gw', role: 'integrator' as const, secret: await hashSecret('gateway-pass'), types: ['service.*'], zones: ['hoan-kiem'] },
  ];
  const guarded = guardHandlers(new Map(sessionHandlers({ requiresSignIn: required })), createAuthenticator({ required, accounts }));
  const h = guarded.get(SessionService.whoAmI.path);
  if (h?.kind !== 'unary') throw new Error('WhoAmI is not served as a unary method');
  const res = (await h.handle(ioc.v1.WhoAmIRequest.create(), ctx(metadata))) as ioc.v1.WhoAmIResponse;
  return ioc.v1.WhoAmIResponse.decode(ioc.v1.WhoAmIResponse.encode(res).finish());
}

describe('Session.WhoAmI', () => {
  it('with sign-in required, refuses a caller without credentials or with a wrong secret (UNAUTHENTICATED)', async () => {
    await expect(whoAmI(true)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(whoAmI(true, { authorization: basic('lan', 'nope') })).rejects.toThrow('unknown account or wrong secret');
  });

  it('names the caller and role, and lists exactly the methods the role table allows it', async () => {
    const viewer = await whoAmI(true, { authorization: basic('minh', 'viewer-pass') });
    expect(viewer).toMatchObject({ name: 'minh', role: 'viewer', via: 'password', requiresSignIn: true });
    expect(viewer.allowedMethods).toContain('/ioc.v1.Incidents/List');
    expect(viewer.allowedMethods).not.toContain('/ioc.v1.Incidents/Acknowledge');
    const expected = Object.entries(methodRoles).filter(([, r]) => r.includes('viewer')).map(([p]) => p).sort();
    expect(viewer.allowedMethods).toEqual(expected);

    const operator = await whoAmI(true, { authorization: basic('lan', 'operator-pass') });
    expect(operator.allowedMethods).toContain('/ioc.v1.Incidents/Acknowledge');
    expect(operator.allowedMethods).toContain('/ioc.v1.Session/WhoAmI');
  });

  it("tells an integrator the event types and zones it may publish", async () => {
    const gw = await whoAmI(true, { authorization: basic('gw', 'gateway-pass') });
    expect(gw).toMatchObject({ name: 'gw', role: 'integrator', types: ['service.*'], zones: ['hoan-kiem'] });
    expect(gw.allowedMethods).toEqual(['/ioc.v1.Alerts/Subscribe', '/ioc.v1.Ingest/Publish', '/ioc.v1.Session/WhoAmI']);
  });

  it('with auth off (the demo), answers everyone and says no sign-in is required', async () => {
    const anyone = await whoAmI(false);
    expect(anyone).toMatchObject({ name: 'anonymous', role: 'admin', via: 'none', requiresSignIn: false });
  });

  it('refuses to answer when called without the guard (a wiring mistake), rather than answer for nobody', async () => {
    const [[, h]] = sessionHandlers({ requiresSignIn: true }) as [[string, { kind: 'unary'; handle: (r: unknown, c: CallContext) => Promise<unknown> }]];
    await expect(h.handle(ioc.v1.WhoAmIRequest.create(), ctx())).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
