// How many workspaces are placed on each of some hosts, for the hosts page (and the confirmation
// before deleting one, which the store refuses while any are). Counts only: which workspaces they
// are is for their ecosystems' members to see, and anyone signed in may see hosts.
import type { ActionContext } from '../action-context';
import { authorize } from '../authorize';

/** At most one page of hosts is counted per call, one query per host. */
export const MAX_COUNTED_HOSTS = 100;

export async function countHostWorkspaces(
  ctx: ActionContext,
  hosts: readonly string[],
): Promise<Record<string, number>> {
  await authorize(ctx, 'hosts.read');
  const counts: Record<string, number> = {};
  for (const name of hosts.slice(0, MAX_COUNTED_HOSTS)) {
    counts[name] = (await ctx.store.placements.listByHost(name)).length;
  }
  return counts;
}
