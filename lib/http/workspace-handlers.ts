// The workspace routes that reach a host: GET shows the runtime state reconciled from the host
// just now, and start/stop move the container. The answer is the workspace manifest whose status
// carries the runtime state (`state`, `desiredState`, `host`, `container`, `image`, `reason`).
import { getObject } from '@/lib/domain/get-object';
import { reconcileWorkspace } from '@/lib/domain/runtime/reconcile';
import { runtimeStatus } from '@/lib/domain/runtime/runtime-status';
import { startWorkspace, stopWorkspace } from '@/lib/domain/runtime/workspace-lifecycle';
import {
  getQuery,
  lifecycleQuery,
  resourceQuery,
  workspaceKey,
  type WorkspaceParams,
} from './resource-requests';
import { objectResponse } from './resource-responses';
import type { AuthenticatedRequest } from './route';

type Handler = (call: AuthenticatedRequest<WorkspaceParams>) => Promise<Response>;

/** GET one workspace with its runtime state, asked of its host now (last known if unreachable). */
export const getWorkspaceHandler: Handler = async ({ request, params, ctx, runtime }) => {
  const { format } = resourceQuery(request, getQuery);
  const workspace = await getObject(ctx, { level: 'workspace', key: workspaceKey(params) });
  const placement = await reconcileWorkspace(
    { store: ctx.store, hosts: runtime.hosts },
    workspace.id,
  );
  return objectResponse(format, workspace, runtimeStatus(placement));
};

export function lifecycleHandler(action: 'start' | 'stop'): Handler {
  const run = action === 'start' ? startWorkspace : stopWorkspace;
  return async ({ request, params, ctx, runtime }) => {
    const { format } = resourceQuery(request, lifecycleQuery);
    const { workspace, placement } = await run(
      { ...ctx, hosts: runtime.hosts },
      workspaceKey(params),
    );
    return objectResponse(format, workspace, runtimeStatus(placement));
  };
}
