// Owners and administrators add a user to an ecosystem or change their role. The user's sockets
// in that ecosystem are closed on a change, so they reconnect under the new role.

import { CLOSE_FORBIDDEN, closeSockets } from '@/lib/auth/live-sockets';
import { invalid } from '@/lib/errors';

import type { EcosystemRole, MembershipRecord } from '@/lib/store/identity-store';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { authorize } from './authorize';
import { findMember, keepsAnOwner, membershipTarget } from './membership-rules';

export interface SetMembershipInput {
  ecosystem: string;
  /** The user, by id or by email (one of the two). */
  userId?: string;
  email?: string;
  role: EcosystemRole;
}

const ROLES: readonly EcosystemRole[] = ['owner', 'developer', 'viewer'];

export async function setMembership(
  ctx: ActionContext,
  input: SetMembershipInput,
): Promise<MembershipRecord> {
  const grant = await authorize(ctx, 'members.manage', input.ecosystem);
  if (!ROLES.includes(input.role)) {
    throw invalid('The role must be owner, developer or viewer.', [
      { path: 'role', message: 'must be one of owner, developer, viewer' },
    ]);
  }
  const user = await findMember(ctx.store, input);
  const before = await ctx.store.memberships.roleOf(user.id, input.ecosystem);
  if (before === input.role) {
    const current = await ctx.store.memberships.listForUser(user.id);
    const same = current.find((m) => m.ecosystem === input.ecosystem);
    if (same) return same;
  }
  if (before === 'owner') await keepsAnOwner(ctx.store, input.ecosystem, user.id, grant.admin);
  const now = nowOf(ctx);
  const record = await ctx.store.transaction(async (tx) => {
    const set = await tx.memberships.set(input.ecosystem, user.id, input.role);
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: 'membership.set',
          target: membershipTarget(user.email, input.ecosystem),
          ecosystem: input.ecosystem,
          before: before === undefined ? null : { role: before },
          after: { role: input.role },
        },
        now,
      ),
    );
    return set;
  });
  if (before !== undefined) {
    closeSockets({ userId: user.id, ecosystem: input.ecosystem }, CLOSE_FORBIDDEN, 'role changed');
  }
  return record;
}
