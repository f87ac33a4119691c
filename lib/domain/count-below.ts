// How many objects lie below one, per level: what a delete with cascade would remove, named in
// the confirmation before anyone clicks. Readers of the ecosystem may ask.

import type { Level, ObjectKey, StoredObject } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { authorize, ecosystemNotFound, requireActive } from './authorize';
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

/**
 * The same counts for every object of a list page, by object id, in one query per level below
 * (never one per object). The objects come from a list the caller was allowed to read; their
 * ecosystems are checked again all at once.
 */
export async function countBelowEach(
  ctx: ActionContext,
  level: Level,
  objects: readonly StoredObject[],
): Promise<Record<string, Partial<Record<Level, number>>>> {
  requireActive(ctx);
  if (!ctx.principal.user.isAdmin && objects.length > 0) {
    const readable = new Set(
      (await ctx.store.memberships.listForUser(ctx.principal.user.id)).map((m) => m.ecosystem),
    );
    const hidden = objects.find((o) => !readable.has(ecosystemOf(o.level, o)));
    if (hidden) throw ecosystemNotFound(ecosystemOf(hidden.level, hidden));
  }
  const ids = objects.map((o) => o.id);
  const counts: Record<string, Partial<Record<Level, number>>> = Object.fromEntries(
    ids.map((id) => [id, {}]),
  );
  for (const below of LEVELS.slice(LEVELS.indexOf(level) + 1)) {
    const perObject = await ctx.store.objects(below).countUnder(level, ids);
    for (const id of ids) counts[id]![below] = perObject[id] ?? 0;
  }
  return counts;
}
