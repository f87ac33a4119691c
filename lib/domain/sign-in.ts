// Password sign-in: throttled per account and per address, audited (never the password), and on
// success a session record that the browser's JWT points at, so sessions can be revoked.

import type { AuditSource } from '@/lib/store/identity-store';
import type { PublicContext } from './action-context';
import { checkPassword } from './check-password';
import { openSession, type OpenedSession } from './open-session';

export interface SignInInput {
  email: string;
  password: string;
  address?: string;
  /** Default 'ui'. */
  source?: AuditSource;
}

export type SignInResult = OpenedSession;

/**
 * UNAUTHENTICATED "The email or password is wrong." on a bad password or unknown email; a
 * throttledError (see retryAfterSeconds in lib/auth/throttle) while attempts must wait;
 * UNAUTHENTICATED "This account is disabled." for disabled users with the right password.
 * Users who must change their password do get a session: changing it needs one.
 */
export async function signIn(ctx: PublicContext, input: SignInInput): Promise<SignInResult> {
  const source = input.source ?? 'ui';
  const user = await checkPassword(ctx, {
    email: input.email,
    password: input.password,
    ...(input.address && { address: input.address }),
    source,
    method: 'password',
  });
  return openSession(ctx, user, {
    source,
    ...(input.address && { address: input.address }),
    detail: { method: 'password' },
  });
}
