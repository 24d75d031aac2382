// Identities and roles: accounts (scrypt-hashed secrets) and bearer tokens
// (JWT) become a Principal; one table says which roles may call each method.
// Code outside this folder imports only from here.
export { hashSecret, loadAccounts, verifySecret, type Account } from './accounts.ts';
export { createAuthenticator, type Authenticate, type AuthenticatorOptions } from './authenticator.ts';
export type { Principal } from './principal.ts';
export { httpRoles, methodRoles, roles, type Role } from './roles.ts';
