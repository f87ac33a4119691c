// How many objects lie below one, per level: what a delete with cascade would remove, named in
// the confirmation before anyone clicks. Readers of the ecosystem may ask.

import type { Level, ObjectKey } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { authorize } from './authorize';
import { ecosystemOf } from './object-rules';

const LEVELS: Level[] = ['ecosystem', 'domain', 'app', 'workspace'];

export interface CountBelowInput {
  level: Level;
  key: ObjectKey;
}

/** Counts per level strictly below `level` (an ecosystem: domains, apps, workspaces). */
export async function countBelow(
  ctx: ActionContext,
  { level, key }: CountBelowInput,
): Promise<Partial<Record<Level, number>>> {
  await authorize(ctx, 'read', ecosystemOf(level, key));
  const parent = {
    ...(level === 'ecosystem' ? { ecosystem: key.name } : { ecosystem: key.ecosystem }),
    ...(level === 'domain' && { domain: key.name }),
    ...(level === 'app' && { domain: key.domain, app: key.name }),
  };
  const counts: Partial<Record<Level, number>> = {};
  for (const below of LEVELS.slice(LEVELS.indexOf(level) + 1)) {
    counts[below] = await ctx.store.objects(below).count(parent);
  }
  return counts;
}
