// `ioc.v1.Session/WhoAmI` over gRPC-web: who the engine takes this console for,
// whether sign-in is required, and which methods the role may call. Refusals
// and failures come back as values, never thrown: the sign-in shows them.

import { ClientError, Metadata, Status } from 'nice-grpc-web';
import { ioc } from '../../../protos/gen/ioc.js';
import { SessionService } from '../../../protos/gen/services.ts';
import { engineClient } from '../api/index.ts';

export interface Identity {
  name: string;
  role: string;
  /** password, jwt, or none (the engine runs without sign-in). */
  via: string;
  types: readonly string[];
  zones: readonly string[];
  requiresSignIn: boolean;
  /** Method paths this role may call, e.g. `/ioc.v1.Incidents/Acknowledge`. */
  allowed: ReadonlySet<string>;
}

export type WhoAmIResult =
  | { ok: true; identity: Identity }
  /** UNAUTHENTICATED: no credential where one is required, or a wrong or expired one. */
  | { ok: false; reason: 'refused'; message: string }
  /** The engine did not answer (network, proxy, engine down) or answered with another error. */
  | { ok: false; reason: 'unreachable'; message: string };

/** Asks with `authorization` when given; without it, with whatever the page's credential source holds. */
export type WhoAmIFn = (authorization?: string) => Promise<WhoAmIResult>;

/**
 * @example const r = await grpcWebWhoAmI(location.origin)(basicCredential('lan', secret))
 */
export function grpcWebWhoAmI(baseUrl: string): WhoAmIFn {
  const client = engineClient(SessionService, baseUrl);
  return async (authorization) => {
    try {
      const r = await client.whoAmI(ioc.v1.WhoAmIRequest.create(), authorization ? { metadata: Metadata({ authorization }) } : {});
      return { ok: true, identity: identityFromProto(r) };
    } catch (err) {
      if (err instanceof ClientError && err.code === Status.UNAUTHENTICATED) return { ok: false, reason: 'refused', message: err.details };
      const message = err instanceof ClientError ? `${Status[err.code]}: ${err.details}` : err instanceof Error ? err.message : String(err);
      return { ok: false, reason: 'unreachable', message };
    }
  };
}

export function identityFromProto(r: ioc.v1.IWhoAmIResponse): Identity {
  return {
    name: r.name ?? '', role: r.role ?? '', via: r.via ?? '', types: r.types ?? [], zones: r.zones ?? [],
    requiresSignIn: r.requiresSignIn === true, allowed: new Set(r.allowedMethods ?? []),
  };
}
