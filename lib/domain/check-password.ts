// The password check shared by browser sign-in and the HTTP Basic token route, so both are
// throttled, audited and worded the same: a throttled attempt is refused before the password is
// even looked at; a failure counts against the account and the address; a success clears the
// account's count. The password itself is never stored, logged or audited.

import {
  clearOnSuccess,
  checkThrottle,
  recordFailure,
  throttleKeys,
  throttledError,
} from '@/lib/auth/throttle';
import { verifyNothing, verifyPassword } from '@/lib/auth/password';
import { AppError } from '@/lib/errors';

import type { AuditSource, UserRecord } from '@/lib/store/identity-store';
import { nowOf, type PublicContext } from './action-context';
import { anonymousEntry, userTarget } from './audit-entry';

export const WRONG_CREDENTIALS = 'The email or password is wrong.';
export const ACCOUNT_DISABLED = 'This account is disabled.';

export interface PasswordAttempt {
  email: string;
  password: string;
  address?: string;
  source: AuditSource;
  /** Recorded with failures: 'password' (sign-in form) or 'basic' (token route). */
  method: 'password' | 'basic';
}

/**
 * Something a user typed in the email field, fit for the audit log: people do paste passwords
 * there by mistake, so anything that is not shaped like an email is not recorded.
 */
function typedEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(trimmed) && trimmed.length <= 254 ? trimmed : '(not an email)';
}

/** The user whose password this is; throws UNAUTHENTICATED (possibly throttled) otherwise. */
export async function checkPassword(
  ctx: PublicContext,
  attempt: PasswordAttempt,
): Promise<UserRecord> {
  const now = nowOf(ctx);
  const email = typedEmail(attempt.email);
  const keys = throttleKeys(email, attempt.address);
  const fail = async (reason: string, user?: UserRecord, retryAfterSeconds?: number) => {
    await ctx.store.audit.append(
      anonymousEntry(
        {
          actor: email,
          ...(user && { actorId: user.id }),
          source: attempt.source,
          ...(attempt.address && { address: attempt.address }),
        },
        {
          action: 'auth.sign_in_failed',
          target: userTarget(email),
          detail: {
            reason,
            method: attempt.method,
            ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
          },
        },
        now,
      ),
    );
  };

  const wait = await checkThrottle(ctx.store, keys, now);
  if (wait) {
    await fail('throttled', undefined, wait.retryAfterSeconds);
    throw throttledError(wait.retryAfterSeconds);
  }

  const user = email === '(not an email)' ? undefined : await ctx.store.users.findByEmail(email);
  const matches = user?.passwordHash
    ? await verifyPassword(user.passwordHash, attempt.password)
    : await verifyNothing(attempt.password);
  if (!user || !matches) {
    await recordFailure(ctx.store, keys, now);
    await fail(user ? 'wrong password' : 'unknown email', user);
    throw new AppError('UNAUTHENTICATED', WRONG_CREDENTIALS);
  }
  if (user.disabled) {
    // The password was right, so this is not guessing: no throttle count, but a clear answer.
    await fail('disabled', user);
    throw new AppError('UNAUTHENTICATED', ACCOUNT_DISABLED);
  }
  await clearOnSuccess(ctx.store, keys);
  return user;
}
