// An administrator disables or re-enables a user. Disabling takes effect at once: sessions are
// revoked, tokens stop working (authenticate refuses disabled users; re-enabling makes unrevoked
// tokens work again) and live sockets close. Nobody can disable themselves, and the last enabled
// administrator cannot be disabled, so the server is never left without one.

import { CLOSE_SIGNED_OUT, closeSockets } from '@/lib/auth/live-sockets';
import { AppError } from '@/lib/errors';
import type { DataStore } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry, userTarget } from './audit-entry';
import { authorize } from './authorize';
import { toUserView, userSnapshot, type UserView } from './user-view';

export interface SetUserDisabledInput {
  userId: string;
  disabled: boolean;
}

async function otherEnabledAdmins(store: DataStore, exceptId: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await store.users.list({ limit: 500, ...(cursor && { cursor }) });
    if (page.items.some((u) => u.isAdmin && !u.disabled && u.id !== exceptId)) return true;
    cursor = page.nextCursor;
  } while (cursor);
  return false;
}

export async function setUserDisabled(
  ctx: ActionContext,
  input: SetUserDisabledInput,
): Promise<UserView> {
  await authorize(ctx, 'users.manage');
  const user = await ctx.store.users.get(input.userId);
  if (input.disabled && user.id === ctx.principal.user.id) {
    throw new AppError('CONFLICT', 'You cannot disable your own account.');
  }
  if (user.disabled === input.disabled) return toUserView(user);
  if (input.disabled && user.isAdmin && !(await otherEnabledAdmins(ctx.store, user.id))) {
    throw new AppError(
      'CONFLICT',
      `${user.email} is the last enabled administrator; make someone else an administrator first.`,
    );
  }
  const now = nowOf(ctx);
  const updated = await ctx.store.transaction(async (tx) => {
    const changed = await tx.users.update(user.id, { disabled: input.disabled });
    if (input.disabled) await tx.sessions.revokeAllForUser(user.id, now);
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: input.disabled ? 'user.disable' : 'user.enable',
          target: userTarget(user.email),
          before: userSnapshot(user),
          after: userSnapshot(changed),
        },
        now,
      ),
    );
    return changed;
  });
  if (input.disabled) closeSockets({ userId: user.id }, CLOSE_SIGNED_OUT, 'account disabled');
  return toUserView(updated);
}
