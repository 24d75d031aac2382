// Sign-in and the signed-in user: the session controller (WhoAmI, the
// credential in sessionStorage, sign-out), the <ioc-sign-in> form, and what
// the role may do. Code outside this folder imports only from here.
export { basicCredential, bearerCredential, CredentialStore } from './credential-store.ts';
export { ACT_ON_INCIDENTS, roleLabel, SessionController, type SessionOptions, type SessionSnapshot, type SessionState } from './session-controller.ts';
// Defines <ioc-sign-in>, which the controller renders.
export type { SignInRequest } from './sign-in.ts';
import './sign-in.ts';
export { grpcWebWhoAmI, type Identity, type WhoAmIFn, type WhoAmIResult } from './who-am-i.ts';
