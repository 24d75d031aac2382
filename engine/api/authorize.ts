// The one place where calls are authenticated and checked against the role
// table (engine/auth/roles.ts), for native gRPC and gRPC-web alike: every
// handler of the table is wrapped, so no transport can skip it.

import { methodRoles, type Authenticate } from '../auth/index.ts';
import { PermissionDeniedError } from '../errors/index.ts';
import type { CallContext, HandlerTable, MethodHandler } from './handlers.ts';

/**
 * The handlers, each behind authentication and its role check. A method with
 * no entry in the role table is refused to everyone.
 *
 * @example
 * const guarded = guardHandlers(createHandlers(deps), createAuthenticator({ required: true, accounts }));
 */
export function guardHandlers(table: HandlerTable, authenticate: Authenticate, rolesOf: Readonly<Record<string, readonly string[]>> = methodRoles): Map<string, MethodHandler> {
  const out = new Map<string, MethodHandler>();
  for (const [path, h] of table) {
    const allowed = rolesOf[path];
    const check = async (ctx: CallContext): Promise<CallContext> => {
      const principal = await authenticate(ctx.metadata);
      if (allowed === undefined) throw new PermissionDeniedError(`${path} is in no role's list: nobody may call it`);
      if (!allowed.includes(principal.role)) {
        throw new PermissionDeniedError(`${principal.name} (${principal.role}) may not call ${path}; it needs one of: ${allowed.join(', ')}`);
      }
      return { ...ctx, principal };
    };
    if (h.kind === 'serverStream') {
      out.set(path, {
        kind: 'serverStream',
        handle: async function* (req: unknown, ctx: CallContext) {
          yield* h.handle(req, await check(ctx));
        },
      });
    } else if (h.kind === 'unary') {
      out.set(path, { kind: 'unary', handle: async (req: unknown, ctx: CallContext) => h.handle(req, await check(ctx)) });
    } else {
      out.set(path, { kind: 'clientStream', handle: async (reqs: AsyncIterable<unknown>, ctx: CallContext) => h.handle(reqs, await check(ctx)) });
    }
  }
  return out;
}
