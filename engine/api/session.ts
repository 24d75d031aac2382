// The ioc.v1.Session service: WhoAmI tells a caller who the engine takes it
// for, whether sign-in is required, and which methods its role may call, so
// the console can disable what would be refused. It answers only for the
// principal the authorization guard put in the call context; it never
// authenticates by itself, so it can never say more than the guard proved.

import { ioc } from '../../protos/gen/ioc.js';
import { SessionService } from '../../protos/gen/services.ts';
import { methodRoles } from '../auth/index.ts';
import { UnauthenticatedError } from '../errors/index.ts';
import type { CallContext, MethodHandler } from './handlers.ts';

export interface SessionHandlerDeps {
  /** The engine's `auth.mode` is `required`. */
  requiresSignIn: boolean;
  /** Method path → roles allowed; the engine's role table unless a test gives its own. */
  rolesOf?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The Session handlers, to be put behind guardHandlers like every other method.
 * @example for (const [path, h] of sessionHandlers({ requiresSignIn: true })) handlers.set(path, h);
 */
export function sessionHandlers(deps: SessionHandlerDeps): [string, MethodHandler][] {
  const rolesOf = deps.rolesOf ?? methodRoles;
  async function whoAmI(_req: ioc.v1.WhoAmIRequest, ctx: CallContext): Promise<ioc.v1.WhoAmIResponse> {
    const p = ctx.principal;
    // Only reachable unguarded by a wiring mistake; refuse rather than answer for nobody.
    if (!p) throw new UnauthenticatedError('WhoAmI was called without an authenticated principal (the authorization guard did not run)');
    const allowed = Object.entries(rolesOf).filter(([, roles]) => roles.includes(p.role)).map(([path]) => path).sort();
    return ioc.v1.WhoAmIResponse.create({
      name: p.name,
      role: p.role,
      types: [...(p.types ?? [])],
      zones: [...(p.zones ?? [])],
      via: p.via,
      requiresSignIn: deps.requiresSignIn,
      allowedMethods: allowed,
    });
  }
  return [[SessionService.whoAmI.path, { kind: 'unary', handle: whoAmI as MethodHandler['handle'] } as MethodHandler]];
}
