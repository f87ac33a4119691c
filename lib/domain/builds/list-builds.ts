// Lists a workspace's builds, newest first, in keyset pages: any member of the ecosystem.
import type { BuildRecord, ListOptions, ObjectKey, Page } from '@/lib/store/data-store';
import type { ActionContext } from '../action-context';
import { loadWorkspace } from './workspace-build';

export async function listBuilds(
  ctx: ActionContext,
  key: ObjectKey,
  options: Pick<ListOptions, 'limit' | 'cursor'> = {},
): Promise<Page<BuildRecord>> {
  const workspace = await loadWorkspace(ctx, key, 'read');
  return ctx.store.builds.listForWorkspace(workspace.id, options);
}
