// The agent's gRPC failures as AppErrors: the AppError code the agent put in `dvm-error-code` when
// it set one (with field errors from `dvm-field-errors-bin`), else one derived from the gRPC
// status. Transport failures (no agent, deadline, broken stream) become UNAVAILABLE naming the
// agent's address, so the person reading it knows which host to look at.
import type * as grpc from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import { AppError, type ErrorCode, type FieldError } from '../errors';

export const ERROR_CODE_KEY = 'dvm-error-code';
export const FIELD_ERRORS_KEY = 'dvm-field-errors-bin';

const ERROR_CODES = new Set<string>([
  'INVALID',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'HAS_CHILDREN',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_IMPLEMENTED',
  'UNAVAILABLE',
  'INTERNAL',
]);

const CODE_FOR_STATUS: Partial<Record<Status, ErrorCode>> = {
  [Status.INVALID_ARGUMENT]: 'INVALID',
  [Status.NOT_FOUND]: 'NOT_FOUND',
  [Status.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [Status.FAILED_PRECONDITION]: 'CONFLICT',
  [Status.UNAUTHENTICATED]: 'UNAUTHENTICATED',
  [Status.PERMISSION_DENIED]: 'FORBIDDEN',
  [Status.UNIMPLEMENTED]: 'NOT_IMPLEMENTED',
  [Status.UNAVAILABLE]: 'UNAVAILABLE',
  [Status.DEADLINE_EXCEEDED]: 'UNAVAILABLE',
  [Status.CANCELLED]: 'UNAVAILABLE',
};

function fieldErrors(metadata: grpc.Metadata | undefined): FieldError[] {
  const [raw] = metadata?.get(FIELD_ERRORS_KEY) ?? [];
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
    return Array.isArray(parsed)
      ? parsed.filter(
          (e): e is FieldError =>
            typeof e === 'object' &&
            e !== null &&
            typeof (e as FieldError).path === 'string' &&
            typeof (e as FieldError).message === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

export interface CallContext {
  /** The agent's address, for messages. */
  address: string;
  /** The RPC, e.g. `Info`. */
  method: string;
  /** Set for unary calls: the deadline that may have passed. */
  deadlineMs?: number;
}

/** `error` is a grpc ServiceError or a stream's final status. */
export function toAppError(error: grpc.StatusObject, context: CallContext): AppError {
  const { address, method } = context;
  const [sent] = error.metadata?.get(ERROR_CODE_KEY) ?? [];
  const fromAgent = typeof sent === 'string' && ERROR_CODES.has(sent) ? (sent as ErrorCode) : null;
  const code = fromAgent ?? CODE_FOR_STATUS[error.code] ?? 'INTERNAL';
  if (!fromAgent && code === 'UNAVAILABLE') {
    let message: string;
    if (error.code === Status.DEADLINE_EXCEEDED) {
      message = `The host agent at ${address} did not answer ${method} within ${context.deadlineMs} ms.`;
    } else if (context.deadlineMs === undefined) {
      message = `The ${method} stream to the host agent at ${address} broke: ${error.details || 'connection lost'}.`;
    } else {
      message = `The host agent at ${address} cannot be reached.`;
    }
    return new AppError('UNAVAILABLE', message, { cause: error });
  }
  if (code === 'INTERNAL') {
    return new AppError('INTERNAL', `The host agent at ${address} failed on ${method}.`, {
      cause: error,
    });
  }
  return new AppError(code, error.details || `${method} failed on ${address}.`, {
    errors: fieldErrors(error.metadata),
    cause: error,
  });
}
