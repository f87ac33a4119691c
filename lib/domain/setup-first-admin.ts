// First-run setup: the first account, an administrator, created from the setup page when no user
// exists yet. Needs no principal (nobody can sign in yet) and refuses once any user exists; the
// store makes two racing setups produce exactly one admin.

import { AppError } from '@/lib/errors';
import { nowOf, type PublicContext } from './action-context';
import { anonymousEntry, userTarget } from './audit-entry';
import { hashNewPassword } from './new-password';
import { toUserView, userSnapshot, type UserView } from './user-view';

export interface SetupFirstAdminInput {
  email: string;
  name?: string;
  password: string;
  /** The client's address, for the audit log. */
  address?: string;
}

const ALREADY_SET_UP = 'DevOpsMaestro is already set up; sign in instead.';

/** CONFLICT "already set up" when any user exists; INVALID for a bad email or password. */
export async function setupFirstAdmin(
  ctx: PublicContext,
  input: SetupFirstAdminInput,
): Promise<UserView> {
  if ((await ctx.store.users.count()) > 0) throw new AppError('CONFLICT', ALREADY_SET_UP);
  const passwordHash = await hashNewPassword(input.password, 'password');
  const name = input.name?.trim();
  const now = nowOf(ctx);
  const user = await ctx.store.transaction(async (tx) => {
    const created = await tx.users.createFirstAdmin({
      email: input.email,
      ...(name && { name }),
      passwordHash,
    });
    if (!created) throw new AppError('CONFLICT', ALREADY_SET_UP);
    await tx.audit.append(
      anonymousEntry(
        {
          actor: created.email,
          actorId: created.id,
          source: 'ui',
          ...(input.address && { address: input.address }),
        },
        {
          action: 'user.create',
          target: userTarget(created.email),
          after: userSnapshot(created),
          detail: { via: 'first-run setup' },
        },
        now,
      ),
    );
    return created;
  });
  return toUserView(user);
}
