// The engine's interfaces to the outside: native gRPC, gRPC-web and HTTP over
// one set of transport-neutral handlers.
export { alertToProto, incidentFromProto, liveUpdateToProto, sensorToProto, severityFromProto, silenceFromProto } from './convert.ts';
export type { CallContext, HandlerTable, MethodHandler } from './handlers.ts';
export { startGrpcServer, type GrpcServerOptions } from './grpc-server.ts';
export { ACTOR_HEADER, type IncidentStat, type IncidentStatsQuery } from './incidents.ts';
export { startHttpServer, type HttpServerOptions, type Readiness } from './http-server.ts';
export { apiLimits, IngestLimits, RETRY_AFTER_TRAILER, RetryLaterError, type ApiLimits } from './limits.ts';
export { alertFilter, createHandlers, type ServiceDeps } from './services.ts';
export { sessionHandlers, type SessionHandlerDeps } from './session.ts';
export { toGrpcStatus } from './status.ts';
