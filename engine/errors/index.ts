// Typed errors shared by every part of the engine. Each carries a stable `code`
// and its `cause`; they become gRPC statuses, HTTP statuses and log lines in
// exactly one place each (engine/api), never ad hoc.

export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'unavailable'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'unauthenticated'
  | 'permission_denied'
  | 'internal';

export class IocError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A dependency (NATS, ClickHouse) cannot be reached now; retrying later may succeed. */
export class UnavailableError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/** The caller sent something we cannot accept; retrying the same input will fail again. */
export class InvalidArgumentError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_argument', message, options);
  }
}

/** Configuration is wrong; the process cannot start with it. */
export class ConfigError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('failed_precondition', message, options);
  }
}

/** Over a limit (size, rate, queue); the message says which and what to do. */
export class ResourceExhaustedError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('resource_exhausted', message, options);
  }
}

/** What the caller named does not exist (an incident id, a silence id, ...). */
export class NotFoundError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', message, options);
  }
}

/** The request is valid but not in this state (acknowledging a resolved incident, ...). */
export class FailedPreconditionError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('failed_precondition', message, options);
  }
}

/** Someone else changed the same thing first (a compare-and-set lost); re-read and retry. */
export class ConflictError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('aborted', message, options);
  }
}

/** The caller did not prove who it is (no or bad credentials). */
export class UnauthenticatedError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unauthenticated', message, options);
  }
}

/** The caller is known but its role may not do this. */
export class PermissionDeniedError extends IocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('permission_denied', message, options);
  }
}

/** The message of any thrown value, for logs and statuses. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
