// Owners and administrators remove a user from an ecosystem; the user's sockets in it close.

import { CLOSE_FORBIDDEN, closeSockets } from '@/lib/auth/live-sockets';
import { AppError } from '@/lib/errors';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { authorize } from './authorize';
import { findMember, keepsAnOwner, membershipTarget } from './membership-rules';

export interface RemoveMembershipInput {
  ecosystem: string;
  userId: string;
}

/** NOT_FOUND when the user is not a member. */
export async function removeMembership(
  ctx: ActionContext,
  input: RemoveMembershipInput,
): Promise<void> {
  const grant = await authorize(ctx, 'members.manage', input.ecosystem);
  const user = await findMember(ctx.store, { userId: input.userId });
  const before = await ctx.store.memberships.roleOf(user.id, input.ecosystem);
  if (before === undefined) {
    throw new AppError(
      'NOT_FOUND',
      `${user.email} is not a member of ecosystem "${input.ecosystem}".`,
    );
  }
  if (before === 'owner') await keepsAnOwner(ctx.store, input.ecosystem, user.id, grant.admin);
  const now = nowOf(ctx);
  await ctx.store.transaction(async (tx) => {
    await tx.memberships.remove(input.ecosystem, user.id);
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: 'membership.remove',
          target: membershipTarget(user.email, input.ecosystem),
          ecosystem: input.ecosystem,
          before: { role: before },
          after: null,
        },
        now,
      ),
    );
  });
  closeSockets({ userId: user.id, ecosystem: input.ecosystem }, CLOSE_FORBIDDEN, 'access removed');
}
