// One error type for the whole control plane. Domain and store code throw AppError with a code;
// transports (REST, server actions, sockets, CLI) map the code to their own form. The message is
// written for the user; internal detail goes to `cause` and the log, never to a response.

export type ErrorCode =
  | 'INVALID' // the input is malformed or violates a rule; `errors` names the fields
  | 'NOT_FOUND' // the object (or a parent it names) does not exist
  | 'ALREADY_EXISTS' // an object with that name already exists under the same parent
  | 'CONFLICT' // the object changed since it was read (optimistic concurrency)
  | 'HAS_CHILDREN' // delete refused: objects below exist and no cascade was asked for
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_IMPLEMENTED' // a documented feature this version does not do yet
  | 'UNAVAILABLE' // a dependency (database, agent) cannot be reached
  | 'INTERNAL';

export interface FieldError {
  /** Dotted path into the input, e.g. `spec.container.uid` or `[2].metadata.name`. */
  path: string;
  message: string;
}

const BRAND = Symbol.for('devopsmaestro.AppError');

export class AppError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly errors: FieldError[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { errors?: FieldError[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.errors = options.errors ?? [];
  }
}

/**
 * True for any AppError, including one thrown by another copy of this module (server.ts and the
 * Next bundle load separate copies, so `instanceof` is not reliable across them).
 */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

export function hasErrorCode(value: unknown, code: ErrorCode): value is AppError {
  return isAppError(value) && value.code === code;
}

export function invalid(message: string, errors: FieldError[] = []): AppError {
  return new AppError('INVALID', message, { errors });
}

export function notFound(message: string): AppError {
  return new AppError('NOT_FOUND', message);
}
