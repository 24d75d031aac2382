// The authenticated caller of a request, as every interface sees it.
import type { Role } from './roles.ts';

export interface Principal {
  /** User or service account name; what the audit trail records. */
  name: string;
  role: Role;
  /** Integrators only: the event types (globs) and zones they may publish; absent = any. */
  types?: readonly string[];
  zones?: readonly string[];
  /** How it was proven: `password`, `api-key`, `jwt`, or `none` (auth switched off). */
  via: 'password' | 'api-key' | 'jwt' | 'none';
}
