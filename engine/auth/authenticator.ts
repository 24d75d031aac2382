// Turns request metadata into a Principal: `authorization: Basic <name:secret>`
// for accounts from the accounts file (users and service accounts alike), or
// `authorization: Bearer <JWT>` signed with the configured key (claims: sub,
// role, optional types and zones). With auth off, everyone is an admin named
// by `x-ioc-user` — the embedded demo's mode, and it says so at start.

import { createHash } from 'node:crypto';
import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload } from 'jose';
import { UnauthenticatedError } from '../errors/index.ts';
import { verifySecret, type Account } from './accounts.ts';
import type { Principal } from './principal.ts';
import { roles, type Role } from './roles.ts';

export interface AuthenticatorOptions {
  /** false: no credentials needed (embedded demo). */
  required: boolean;
  accounts: readonly Account[];
  jwt?: {
    /** HS256 shared secret, or a PEM public key (RS256/ES256), or an issuer's JWKS URL. */
    secret?: string;
    publicKeyPem?: string;
    jwksUrl?: string;
    issuer?: string;
    audience?: string;
  };
  now?: () => number;
}

/** Verified Basic credentials are remembered this long (scrypt is slow on purpose). */
const CACHE_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

export type Authenticate = (metadata: Readonly<Record<string, string>>) => Promise<Principal>;

export function createAuthenticator(o: AuthenticatorOptions): Authenticate {
  const now = o.now ?? Date.now;
  const byName = new Map(o.accounts.map((a) => [a.name, a]));
  const cache = new Map<string, { principal: Principal; until: number }>();
  let key: Promise<Parameters<typeof jwtVerify>[1]> | undefined;
  const jwtKey = () => {
    if (!o.jwt) throw new UnauthenticatedError('bearer tokens are not accepted here (no auth.jwt* key configured); use an account');
    key ??= o.jwt.jwksUrl
      ? Promise.resolve(createRemoteJWKSet(new URL(o.jwt.jwksUrl)) as never)
      : o.jwt.publicKeyPem
        ? (importSPKI(o.jwt.publicKeyPem, 'RS256') as never)
        : Promise.resolve(new TextEncoder().encode(o.jwt.secret ?? '') as never);
    return key;
  };

  return async (metadata) => {
    const header = metadata['authorization'];
    if (!o.required) return { name: metadata['x-ioc-user']?.trim() || 'anonymous', role: 'admin', via: 'none' };
    if (!header) throw new UnauthenticatedError('credentials required: send `authorization: Basic <name:secret>` or `authorization: Bearer <token>`');
    const digest = createHash('sha256').update(header).digest('base64');
    const hit = cache.get(digest);
    if (hit && hit.until > now()) return hit.principal;
    let expiresAt = Infinity;
    const principal = header.startsWith('Basic ')
      ? await basic(header.slice(6))
      : header.startsWith('Bearer ')
        ? await bearer(header.slice(7), (exp) => { expiresAt = exp; })
        : undefined;
    if (!principal) throw new UnauthenticatedError('unsupported authorization scheme: use Basic or Bearer');
    if (cache.size >= CACHE_MAX) cache.clear();
    // Never past a token's own expiry: an expired token must be refused even when it was verified a moment ago.
    cache.set(digest, { principal, until: Math.min(now() + CACHE_MS, expiresAt) });
    return principal;
  };

  async function basic(encoded: string): Promise<Principal> {
    const text = Buffer.from(encoded.trim(), 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const name = colon < 0 ? '' : text.slice(0, colon);
    const account = byName.get(name);
    // The same work and the same answer whether the name or the secret is wrong.
    const ok = account ? await verifySecret(text.slice(colon + 1), account.secret) : (await verifySecret('x', 'scrypt:AAAA:AAAA'), false);
    if (!account || !ok) throw new UnauthenticatedError('unknown account or wrong secret');
    return { name: account.name, role: account.role, ...(account.types ? { types: account.types } : {}), ...(account.zones ? { zones: account.zones } : {}), via: 'password' };
  }

  /** `onExpiry` gets the token's `exp` in epoch ms, when it has one. */
  async function bearer(token: string, onExpiry: (ms: number) => void): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token.trim(), await jwtKey(), {
        ...(o.jwt?.issuer ? { issuer: o.jwt.issuer } : {}),
        ...(o.jwt?.audience ? { audience: o.jwt.audience } : {}),
        currentDate: new Date(now()),
      }));
    } catch (err) {
      if (err instanceof UnauthenticatedError) throw err;
      throw new UnauthenticatedError(`bearer token refused: ${(err as Error).message}`);
    }
    if (typeof payload.exp === 'number') onExpiry(payload.exp * 1000);
    const role = payload['role'];
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new UnauthenticatedError('bearer token has no `sub` (the caller\'s name)');
    if (typeof role !== 'string' || !(roles as readonly string[]).includes(role)) throw new UnauthenticatedError(`bearer token role must be one of ${roles.join(', ')}`);
    const list = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
    const types = list(payload['types']);
    const zones = list(payload['zones']);
    return { name: payload.sub, role: role as Role, ...(types ? { types } : {}), ...(zones ? { zones } : {}), via: 'jwt' };
  }
}
