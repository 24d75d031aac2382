// The one place where errors become gRPC statuses (native and gRPC-web alike).

import { status as GrpcStatus } from '@grpc/grpc-js';
import { errorMessage, IocError, type ErrorCode } from '../errors/index.ts';
import { RETRY_AFTER_TRAILER, RetryLaterError } from './limits.ts';

const byCode: Record<ErrorCode, GrpcStatus> = {
  invalid_argument: GrpcStatus.INVALID_ARGUMENT,
  not_found: GrpcStatus.NOT_FOUND,
  unavailable: GrpcStatus.UNAVAILABLE,
  resource_exhausted: GrpcStatus.RESOURCE_EXHAUSTED,
  failed_precondition: GrpcStatus.FAILED_PRECONDITION,
  aborted: GrpcStatus.ABORTED,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  permission_denied: GrpcStatus.PERMISSION_DENIED,
  internal: GrpcStatus.INTERNAL,
};

/**
 * Maps any thrown value to a gRPC status code and a message safe to show the
 * caller, plus the trailers that go with it (`retry-after-ms` when waiting helps).
 */
export function toGrpcStatus(err: unknown): { code: GrpcStatus; message: string; trailers?: Record<string, string> } {
  if (err instanceof RetryLaterError) return { code: byCode[err.code], message: err.message, trailers: { [RETRY_AFTER_TRAILER]: String(err.retryAfterMs) } };
  if (err instanceof IocError) return { code: byCode[err.code], message: err.message };
  return { code: GrpcStatus.INTERNAL, message: `internal error: ${errorMessage(err)}` };
}
