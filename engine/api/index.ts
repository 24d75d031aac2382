// The engine's interfaces to the outside: native gRPC, gRPC-web and HTTP over
// one set of transport-neutral handlers.
export { alertToProto, incidentFromProto, liveUpdateToProto, sensorToProto, severityFromProto, silenceFromProto } from './convert.ts';
export type { CallContext, HandlerTable, MethodHandler } from './handlers.ts';
export { startGrpcServer, type GrpcServerOptions } from './grpc-server.ts';
export { ACTOR_HEADER, type IncidentStat, type IncidentStatsQuery } from './incidents.ts';
export { startHttpServer, type HttpServerOptions, type Readiness } from './http-server.ts';
export { alertFilter, createHandlers, type ServiceDeps } from './services.ts';
export { toGrpcStatus } from './status.ts';
