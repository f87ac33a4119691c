// The shared first half of every use case on one build: authorise in the workspace's ecosystem,
// read the workspace (NOT_FOUND names the first missing level), then the build — which must be
// one of this workspace's, so a build id from elsewhere reads exactly like a missing one.
import { AppError } from '@/lib/errors';
import type { BuildRecord, ObjectKey, StoredObject } from '@/lib/store/data-store';
import type { ActionContext } from '../action-context';
import { type Action, authorize } from '../authorize';

export async function loadWorkspace(
  ctx: ActionContext,
  key: ObjectKey,
  action: Action,
): Promise<StoredObject> {
  await authorize(ctx, action, key.ecosystem);
  return ctx.store.workspaces.get(key);
}

export async function loadBuild(
  ctx: ActionContext,
  key: ObjectKey,
  id: string,
  action: Action = 'read',
): Promise<{ workspace: StoredObject; build: BuildRecord }> {
  const workspace = await loadWorkspace(ctx, key, action);
  const build = await ctx.store.builds.find(id);
  if (!build || build.workspaceId !== workspace.id) {
    throw new AppError(
      'NOT_FOUND',
      `build "${id}" of workspace ${workspacePath(workspace)} not found.`,
    );
  }
  return { workspace, build };
}

export function workspacePath(workspace: StoredObject): string {
  return [workspace.ecosystem, workspace.domain, workspace.app, workspace.name].join('/');
}
