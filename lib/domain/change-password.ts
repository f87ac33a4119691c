// A user changes their own password. The current one is always required (a stolen session alone
// must not take over the account) and wrong guesses are throttled like sign-ins. Every session of
// the user is revoked and their sockets closed; a caller signed in through a browser gets a fresh
// session in return (set it with sessionCookieFor), so only *other* browsers are signed out.

import { CLOSE_SIGNED_OUT, closeSockets } from '@/lib/auth/live-sockets';
import { verifyPassword } from '@/lib/auth/password';
import {
  checkThrottle,
  clearOnSuccess,
  recordFailure,
  throttledError,
  throttleKeys,
} from '@/lib/auth/throttle';
import { AppError, invalid } from '@/lib/errors';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry, userTarget } from './audit-entry';
import { hashNewPassword } from './new-password';
import { openSession } from './open-session';
import { toUserView, type UserView } from './user-view';

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

export interface ChangePasswordResult {
  user: UserView;
  /** The replacement session, when the caller used a browser session. */
  sessionId?: string;
  expiresAt?: Date;
}

export async function changePassword(
  ctx: ActionContext,
  input: ChangePasswordInput,
): Promise<ChangePasswordResult> {
  const { principal } = ctx;
  if (principal.via === 'system') {
    throw new AppError('FORBIDDEN', 'The system account has no password.');
  }
  const user = await ctx.store.users.get(principal.user.id);
  if (user.disabled) throw new AppError('UNAUTHENTICATED', 'This account is disabled.');
  const now = nowOf(ctx);
  const keys = throttleKeys(user.email, principal.address);
  const wait = await checkThrottle(ctx.store, keys, now);
  if (wait) throw throttledError(wait.retryAfterSeconds);

  const current = typeof input.currentPassword === 'string' ? input.currentPassword : '';
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, current))) {
    await recordFailure(ctx.store, keys, now);
    throw invalid('The current password is wrong.', [
      { path: 'currentPassword', message: 'is wrong' },
    ]);
  }
  if (input.newPassword === current) {
    throw invalid('The new password must differ from the current one.', [
      { path: 'newPassword', message: 'must differ from the current password' },
    ]);
  }
  const passwordHash = await hashNewPassword(input.newPassword, 'newPassword');
  await clearOnSuccess(ctx.store, keys);

  const updated = await ctx.store.transaction(async (tx) => {
    const changed = await tx.users.update(user.id, { passwordHash, mustChangePassword: false });
    const revoked = await tx.sessions.revokeAllForUser(user.id, now);
    await tx.audit.append(
      auditEntry(
        principal,
        {
          action: 'user.change_password',
          target: userTarget(user.email),
          detail: { sessionsRevoked: revoked },
        },
        now,
      ),
    );
    return changed;
  });
  closeSockets({ userId: user.id }, CLOSE_SIGNED_OUT, 'password changed');

  if (principal.via !== 'session') return { user: toUserView(updated) };
  const session = await openSession(ctx, updated, {
    source: principal.source,
    ...(principal.address && { address: principal.address }),
    detail: { method: 'password change' },
  });
  return { user: session.user, sessionId: session.sessionId, expiresAt: session.expiresAt };
}
