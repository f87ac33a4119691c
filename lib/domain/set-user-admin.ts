// An administrator grants or takes away the administrator flag. Nobody demotes themselves (another
// administrator must), so the server always keeps at least one administrator.

import { AppError } from '@/lib/errors';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry, userTarget } from './audit-entry';
import { authorize } from './authorize';
import { toUserView, userSnapshot, type UserView } from './user-view';

export interface SetUserAdminInput {
  userId: string;
  isAdmin: boolean;
}

export async function setUserAdmin(
  ctx: ActionContext,
  input: SetUserAdminInput,
): Promise<UserView> {
  await authorize(ctx, 'users.manage');
  if (input.userId === ctx.principal.user.id && !input.isAdmin) {
    throw new AppError(
      'FORBIDDEN',
      'You cannot remove your own administrator role; ask another administrator.',
    );
  }
  const now = nowOf(ctx);
  return ctx.store.transaction(async (tx) => {
    const before = await tx.users.find(input.userId);
    if (!before) throw new AppError('NOT_FOUND', `user "${input.userId}" not found.`);
    if (before.isAdmin === input.isAdmin) return toUserView(before);
    if (!input.isAdmin && ctx.principal.via === 'system') {
      const admins = (await tx.users.list({ limit: 500 })).items.filter(
        (u) => u.isAdmin && !u.disabled && u.id !== before.id,
      );
      if (admins.length === 0) {
        throw new AppError('CONFLICT', `${before.email} is the last enabled administrator.`);
      }
    }
    const after = await tx.users.update(input.userId, { isAdmin: input.isAdmin });
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: input.isAdmin ? 'user.grant_admin' : 'user.revoke_admin',
          target: userTarget(after.email),
          before: userSnapshot(before),
          after: userSnapshot(after),
        },
        now,
      ),
    );
    return toUserView(after);
  });
}
