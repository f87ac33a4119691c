// An administrator sets a new initial password for a user who lost theirs: the user must change
// it at next sign-in, and their sessions are revoked and sockets closed.

import { CLOSE_SIGNED_OUT, closeSockets } from '@/lib/auth/live-sockets';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry, userTarget } from './audit-entry';
import { authorize } from './authorize';
import { hashNewPassword } from './new-password';
import { toUserView, userSnapshot, type UserView } from './user-view';

export interface ResetUserPasswordInput {
  userId: string;
  password: string;
}

export async function resetUserPassword(
  ctx: ActionContext,
  input: ResetUserPasswordInput,
): Promise<UserView> {
  await authorize(ctx, 'users.manage');
  const user = await ctx.store.users.get(input.userId);
  const passwordHash = await hashNewPassword(input.password, 'password');
  const now = nowOf(ctx);
  const updated = await ctx.store.transaction(async (tx) => {
    const changed = await tx.users.update(user.id, { passwordHash, mustChangePassword: true });
    await tx.sessions.revokeAllForUser(user.id, now);
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: 'user.reset_password',
          target: userTarget(user.email),
          before: userSnapshot(user),
          after: userSnapshot(changed),
        },
        now,
      ),
    );
    return changed;
  });
  closeSockets({ userId: user.id }, CLOSE_SIGNED_OUT, 'password reset by an administrator');
  return toUserView(updated);
}
