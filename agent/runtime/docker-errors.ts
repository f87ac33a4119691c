// How the Docker engine's failures become AppErrors, shared by the runtime, exec and events code.
// dockerode rejects with the HTTP status and the engine's JSON message, or with a socket error
// code when the engine cannot be reached at all.
import { AppError, invalid, notFound } from '../../lib/errors';
import { unavailable } from './container-runtime';

export interface EngineError {
  statusCode?: number;
  code?: string;
  name?: string;
  json?: { message?: string } | null;
  reason?: string;
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
]);

export function statusOf(error: unknown): number | undefined {
  return (error as EngineError | undefined)?.statusCode;
}

export function engineMessage(error: unknown): string {
  const e = (error ?? {}) as EngineError;
  return e.json?.message ?? e.reason ?? 'unknown engine error';
}

/** True when the engine never answered (socket error or our own timeout), as opposed to refusing. */
export function isUnreachable(error: unknown): boolean {
  const e = (error ?? {}) as EngineError;
  return (e.code !== undefined && CONNECTION_ERRORS.has(e.code)) || e.name === 'AbortError';
}

/** `subject` names what was asked for, e.g. `container "x"`; `where` is the engine's address. */
export function translateEngineError(error: unknown, subject: string, where: string): AppError {
  const e = (error ?? {}) as EngineError;
  if (e.name === 'AbortError') {
    return unavailable(`The container engine at ${where} did not answer in time.`, error);
  }
  if (e.code && CONNECTION_ERRORS.has(e.code)) {
    return unavailable(`The container engine at ${where} cannot be reached (${e.code}).`, error);
  }
  if (e.statusCode === 404) return notFound(`No such ${subject} on the container engine.`);
  if (e.statusCode === 409) return new AppError('CONFLICT', `${subject}: ${engineMessage(e)}`);
  if (e.statusCode === 400) return invalid(`The engine refused ${subject}: ${engineMessage(e)}`);
  return new AppError('INTERNAL', `The container engine failed on ${subject}.`, { cause: error });
}
