// Users and service accounts kept in a file, with scrypt-hashed secrets:
//   accounts:
//     - { name: lan, role: operator, secret: "scrypt:<salt>:<hash>" }
//     - { name: hotline-gateway, role: integrator, secret: "scrypt:...", types: ["service.*"], zones: [hoan-kiem] }
// `ioc auth hash` prints the secret field for a password. Never logs a secret.

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors/index.ts';
import { roles } from './roles.ts';

const KEY_BYTES = 32;
/** scrypt cost: ~50 ms per check on these machines; verified credentials are cached by the authenticator. */
const COST = { N: 16384, r: 8, p: 1 };

const accountSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, { error: 'names are 1-64 letters, digits, `.`, `_`, `@`, `-`' }),
  role: z.enum(roles, { error: `must be one of ${roles.join(', ')}` }),
  secret: z.string().regex(/^scrypt:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/, { error: 'must be a hash from `ioc auth hash` (scrypt:<salt>:<hash>), never a plain password' }),
  types: z.array(z.string().min(1)).optional(),
  zones: z.array(z.string().min(1)).optional(),
});
const fileSchema = z.strictObject({ accounts: z.array(accountSchema) });
export type Account = z.output<typeof accountSchema>;

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_BYTES, COST, (err, key) => (err ? reject(err) : resolve(key))));
}

/** The `secret` field for a password: `scrypt:<salt>:<hash>` (base64). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt:${salt.toString('base64')}:${(await derive(secret, salt)).toString('base64')}`;
}

/** True when `secret` matches the stored hash (constant-time compare). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [, salt, hash] = stored.split(':');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = await derive(secret, Buffer.from(salt, 'base64'));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Reads and checks an accounts file; ConfigError says which entry and why. */
export async function loadAccounts(file: string): Promise<Account[]> {
  let data: unknown;
  try {
    data = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read the accounts file ${file}: ${(err as Error).message}`);
  }
  const r = fileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`accounts file ${file}: ${issue.path.join('.') || '(top)'} ${issue.message}`);
  }
  const names = new Set<string>();
  for (const a of r.data.accounts) {
    if (names.has(a.name)) throw new ConfigError(`accounts file ${file}: account ${a.name} appears twice`);
    names.add(a.name);
  }
  return r.data.accounts;
}
