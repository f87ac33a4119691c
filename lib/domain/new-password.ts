// Checks a new password against the one rule (lib/auth/password) and hashes it, reporting a
// problem as INVALID on the field the user typed it in.

import { hashPassword, passwordProblem } from '@/lib/auth/password';
import { invalid } from '@/lib/errors';

export async function hashNewPassword(password: unknown, field: string): Promise<string> {
  if (typeof password !== 'string') {
    throw invalid('A password is required.', [{ path: field, message: 'is required' }]);
  }
  const problem = passwordProblem(password);
  if (problem) throw invalid(`The password ${problem}.`, [{ path: field, message: problem }]);
  return hashPassword(password);
}
