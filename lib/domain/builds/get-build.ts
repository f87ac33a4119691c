// Reads one build of a workspace: any member of the ecosystem.
import type { BuildRecord, ObjectKey } from '@/lib/store/data-store';
import type { ActionContext } from '../action-context';
import { loadBuild } from './workspace-build';

export async function getBuild(
  ctx: ActionContext,
  key: ObjectKey,
  id: string,
): Promise<BuildRecord> {
  return (await loadBuild(ctx, key, id)).build;
}
