// How the agent reports failures over gRPC: an AppError becomes the matching status code, with the
// AppError code in the `dvm-error-code` metadata key and field errors as JSON in
// `dvm-field-errors-bin`, so the control plane gets back exactly what the runtime said. Anything
// else becomes a generic INTERNAL; its detail goes to the agent's log, never over the wire.
import * as grpc from '@grpc/grpc-js';
import { isAppError, type ErrorCode } from '../../lib/errors';

export const ERROR_CODE_KEY = 'dvm-error-code';
export const FIELD_ERRORS_KEY = 'dvm-field-errors-bin';

export type ErrorLog = (msg: string, fields: Record<string, unknown>) => void;

const STATUS_FOR: Record<ErrorCode, grpc.status> = {
  INVALID: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  CONFLICT: grpc.status.FAILED_PRECONDITION,
  HAS_CHILDREN: grpc.status.FAILED_PRECONDITION,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  FORBIDDEN: grpc.status.PERMISSION_DENIED,
  NOT_IMPLEMENTED: grpc.status.UNIMPLEMENTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

const defaultLog: ErrorLog = (msg, fields) => console.error(`dvm-agent: ${msg}`, fields);

/** An AppError as a gRPC error; anything else as a generic INTERNAL (detail to the log only). */
export function toServiceError(
  error: unknown,
  log: ErrorLog = defaultLog,
): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  if (isAppError(error) && error.code !== 'INTERNAL') {
    metadata.set(ERROR_CODE_KEY, error.code);
    if (error.errors.length > 0) {
      metadata.set(FIELD_ERRORS_KEY, Buffer.from(JSON.stringify(error.errors), 'utf8'));
    }
    return { code: STATUS_FOR[error.code], details: error.message, metadata };
  }
  const cause = isAppError(error) ? error.cause : undefined;
  log('internal error', {
    error: error instanceof Error ? error.message : String(error),
    ...(cause instanceof Error && { cause: cause.message }),
    ...(error instanceof Error && error.stack !== undefined && { stack: error.stack }),
  });
  metadata.set(ERROR_CODE_KEY, 'INTERNAL');
  return { code: grpc.status.INTERNAL, details: 'The agent failed unexpectedly.', metadata };
}

export function unauthenticated(): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_KEY, 'UNAUTHENTICATED');
  return {
    code: grpc.status.UNAUTHENTICATED,
    details: 'The agent credential is missing or wrong.',
    metadata,
  };
}
