// Where every gRPC-web call and stream of the console gets its `authorization`
// metadata: one client factory with one middleware, so no client built with
// `engineClient` can call the engine without it. The credential itself belongs
// to the session (console/src/session); this file only carries it, and tells
// the session when the engine refuses it mid-session (expired, revoked).

import {
  ClientError, createChannel, createClientFactory, Metadata, Status,
  type CallOptions, type Client, type ClientMiddlewareCall, type CompatServiceDefinition,
} from 'nice-grpc-web';

export interface CredentialSource {
  /** The `authorization` value to send (`Basic …` or `Bearer …`), or undefined when there is none. */
  authorization(): string | undefined;
  /** The engine answered UNAUTHENTICATED to a call that carried `authorization`. */
  refused(authorization: string, message: string): void;
}

const none: CredentialSource = { authorization: () => undefined, refused: () => {} };
let source: CredentialSource = none;

/** Makes `s` the page's one credential source (the session calls this once). */
export function useCredentials(s: CredentialSource): void {
  source = s;
}

/** Read per call, so a sign-in takes effect on the next call or reconnect without rebuilding clients. */
async function* withAuthorization<Req, Res>(call: ClientMiddlewareCall<Req, Res>, options: CallOptions) {
  const metadata = Metadata(options.metadata);
  // A caller that names its own credential (the sign-in checking a new one) keeps it.
  let sent = metadata.get('authorization');
  if (sent === undefined) {
    sent = source.authorization();
    if (sent !== undefined) metadata.set('authorization', sent);
  }
  try {
    return yield* call.next(call.request, { ...options, metadata });
  } catch (err) {
    if (sent !== undefined && err instanceof ClientError && err.code === Status.UNAUTHENTICATED) source.refused(sent, err.details);
    throw err;
  }
}

const factory = createClientFactory().use(withAuthorization);

/**
 * A client of `definition` on the engine at `baseUrl` whose calls carry the session's credential.
 * @example const client = engineClient(IncidentsService, location.origin)
 */
export function engineClient<S extends CompatServiceDefinition>(definition: S, baseUrl: string): Client<S> {
  return factory.create(definition, createChannel(baseUrl));
}
