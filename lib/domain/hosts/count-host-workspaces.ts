// How many workspaces are placed on each of some hosts, for the hosts page and the confirmation
// before deleting one (which the store refuses while any are). Counted across every ecosystem, so
// only those who manage hosts may ask: which workspaces they are is for their ecosystems' members.
import type { ActionContext } from '../action-context';
import { authorize } from '../authorize';

export async function countHostWorkspaces(
  ctx: ActionContext,
  hosts: readonly string[],
): Promise<Record<string, number>> {
  await authorize(ctx, 'hosts.manage');
  return ctx.store.placements.countByHost(hosts);
}
