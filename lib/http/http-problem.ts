// Errors that only exist at the HTTP layer (a body too large, the wrong media type). They are never
// thrown by the domain; lib/http/problem.ts maps their code through the same table as AppError's.

const BRAND = Symbol.for('devopsmaestro.HttpProblem');

export type HttpProblemCode =
  | 'INVALID'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE';

export class HttpProblem extends Error {
  readonly [BRAND] = true;
  readonly code: HttpProblemCode;

  constructor(code: HttpProblemCode, message: string) {
    super(message);
    this.name = 'HttpProblem';
    this.code = code;
  }
}

export function isHttpProblem(value: unknown): value is HttpProblem {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}
