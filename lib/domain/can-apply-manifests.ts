// Whether the caller could change anything at all with apply: administrators, and owners or
// developers of some ecosystem. Decides only whether the dashboard offers apply on a blank form;
// applyManifests itself still authorises every object (a viewer's apply of changes is refused).

import type { ActionContext } from './action-context';

export async function canApplyManifests(ctx: ActionContext): Promise<boolean> {
  const { user } = ctx.principal;
  if (user.disabled || user.mustChangePassword) return false;
  if (user.isAdmin) return true;
  const memberships = await ctx.store.memberships.listForUser(user.id);
  return memberships.some((m) => m.role === 'owner' || m.role === 'developer');
}
