// Members of an ecosystem (anyone who can read it), or the ecosystems of one user (themselves, or
// an administrator asking about anyone).

import type { MembershipRecord } from '@/lib/store/identity-store';
import type { ActionContext } from './action-context';
import { authorize, requireActive } from './authorize';

export type ListMembershipsInput = { ecosystem: string } | { userId: string };

export async function listMemberships(
  ctx: ActionContext,
  input: ListMembershipsInput,
): Promise<MembershipRecord[]> {
  if ('ecosystem' in input) {
    await authorize(ctx, 'read', input.ecosystem);
    return ctx.store.memberships.listForEcosystem(input.ecosystem);
  }
  if (input.userId === ctx.principal.user.id) requireActive(ctx);
  else await authorize(ctx, 'users.read');
  return ctx.store.memberships.listForUser(input.userId);
}
