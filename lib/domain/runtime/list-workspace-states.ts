// One page of an app's workspaces, each with its runtime state as reconciliation last read it back
// from the host (the host monitor refreshes it every few seconds; the workspace page asks the host
// live). A fixed number of queries per page whatever its size: the workspaces, then all of their
// placements in one batched read — never one placement query per row.

import type { Page, StoredObject } from '@/lib/store/data-store';
import type { PlacementRecord } from '@/lib/store/host-store';
import type { ActionContext } from '../action-context';
import { listObjects } from '../list-objects';

export interface WorkspaceState {
  workspace: StoredObject;
  /** Absent while the workspace was never started (no container exists). */
  placement?: PlacementRecord;
}

export interface ListWorkspaceStatesInput {
  ecosystem: string;
  domain: string;
  app: string;
  limit?: number;
  cursor?: string;
}

export async function listWorkspaceStates(
  ctx: ActionContext,
  { ecosystem, domain, app, limit, cursor }: ListWorkspaceStatesInput,
): Promise<Page<WorkspaceState>> {
  const page = await listObjects(ctx, {
    level: 'workspace',
    parent: { ecosystem, domain, app },
    ...(limit !== undefined && { limit }),
    ...(cursor !== undefined && { cursor }),
  });
  const placements = new Map(
    (await ctx.store.placements.findMany(page.items.map((w) => w.id))).map((p) => [
      p.workspaceId,
      p,
    ]),
  );
  const items = page.items.map((workspace) => {
    const placement = placements.get(workspace.id);
    return placement ? { workspace, placement } : { workspace };
  });
  return page.nextCursor !== undefined ? { items, nextCursor: page.nextCursor } : { items };
}
