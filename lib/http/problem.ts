// The one table from error codes to HTTP, and the problem+json body (RFC 9457) every REST error
// uses: `{type, title, status, detail, code, errors[]}` (DESIGN.md §8). AppError messages are
// written for users and are returned as `detail`; anything else is an internal error: the client
// gets a generic message and an id, the log gets the same id with the real error.
//
// Errors are recognised by code, never by class: server.ts and the Next bundle load separate
// copies of lib/errors (DESIGN.md §6).

import { randomUUID } from 'node:crypto';
import { type ErrorCode, type FieldError, isAppError } from '@/lib/errors';
import { retryAfterSeconds } from '@/lib/auth/throttle';
import { isHttpProblem } from './http-problem';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** How each code is answered. Codes not listed here (and non-AppErrors) are internal: 500. */
const STATUS: Record<ErrorCode, number> = {
  INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  HAS_CHILDREN: 409,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * Codes of the HTTP layer only: throttling (an UNAUTHENTICATED error carrying a wait, see
 * lib/auth/throttle) and refusals of the request itself (lib/http/http-problem).
 */
const EXTRA_STATUS: Record<string, number> = {
  THROTTLED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors: FieldError[];
  /** Only on internal errors: quote it to the operator, who finds the real error in the log. */
  id?: string;
}

export function statusOf(code: string): number {
  return (STATUS as Record<string, number>)[code] ?? EXTRA_STATUS[code] ?? 500;
}

/** A problem+json response. `headers` are added (e.g. `Retry-After`, `Allow`). */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  const extra: Record<string, string> = { ...headers };
  if (problem.status === 401 && !Object.keys(extra).some((k) => /^www-authenticate$/i.test(k))) {
    extra['WWW-Authenticate'] = 'Bearer realm="devopsmaestro"';
  }
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      'Cache-Control': 'no-store',
      ...extra,
    },
  });
}

/** A problem for a code with a user-facing message (no error object needed). */
export function problem(
  code: string,
  detail: string,
  errors: FieldError[] = [],
  headers: Record<string, string> = {},
): Response {
  const status = statusOf(code);
  return problemResponse(
    {
      type: 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      detail: detail.length > MAX_DETAIL_CHARS ? `${detail.slice(0, MAX_DETAIL_CHARS)}…` : detail,
      code,
      errors: capped(errors),
    },
    headers,
  );
}

/** Enough to fix a request; more would only make a hostile one expensive to answer. */
export const MAX_LISTED_ERRORS = 100;
const MAX_DETAIL_CHARS = 2000;

function capped(errors: FieldError[]): FieldError[] {
  if (errors.length <= MAX_LISTED_ERRORS) return errors;
  return [
    ...errors.slice(0, MAX_LISTED_ERRORS),
    { path: '', message: `… and ${errors.length - MAX_LISTED_ERRORS} more problems not listed` },
  ];
}

export interface RequestInfo {
  method: string;
  path: string;
}

/**
 * Maps anything thrown while serving a request to a problem+json response. Internal errors are
 * logged (one JSON line with a fresh id) and answered with that id only.
 */
export function errorResponse(error: unknown, request?: RequestInfo): Response {
  if (isHttpProblem(error)) return problem(error.code, error.message);
  const wait = retryAfterSeconds(error);
  if (wait !== undefined && isAppError(error)) {
    // A throttled attempt: the credentials were not even checked, so say when to come back.
    return problem('THROTTLED', error.message, [], { 'Retry-After': String(wait) });
  }
  if (isAppError(error) && statusOf(error.code) !== 500) {
    return problem(
      error.code,
      error.message,
      error.errors.map(({ path, message }) => ({ path, message })),
    );
  }
  const id = randomUUID();
  logError('request failed', { id, ...request, error: describe(error) });
  return problemResponse({
    type: 'about:blank',
    title: TITLES[500]!,
    status: 500,
    detail: `The server failed to handle this request. Quote error id ${id} to the operator; the server log has the details.`,
    code: 'INTERNAL',
    errors: [],
    id,
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.stack ?? `${error.name}: ${error.message}`;
  if (isAppError(error)) text = `${error.code}: ${text}`;
  if (error.cause !== undefined) text += `\ncaused by: ${describe(error.cause)}`;
  return text;
}

/** One JSON log line on stderr, the format server.ts writes. */
export function logError(msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg, ...fields }));
}
