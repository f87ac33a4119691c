// Helpers shared by the contract tests (not a test file itself, so importing it registers nothing).
import { hasErrorCode, type FieldError } from '@/lib/errors';

/** Runs `fn`, expects an INVALID AppError and returns its field errors. */
export function invalidErrors(fn: () => unknown): FieldError[] {
  try {
    fn();
  } catch (error) {
    if (hasErrorCode(error, 'INVALID')) return error.errors;
    throw error;
  }
  throw new Error('expected an INVALID error, but the input was accepted');
}
