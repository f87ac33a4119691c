// Deleting objects that have containers: the workspace containers under the object are removed
// from their hosts first (with the image and the source volume when asked), then the records go
// in one transaction. A host that cannot be reached stops the delete with a clear error, unless
// the caller forces it, which leaves those containers behind and says so.
import { AppError, hasErrorCode } from '@/lib/errors';
import type { DeleteResult, Level, ObjectKey } from '@/lib/store/data-store';
import type { PlacementRecord } from '@/lib/store/host-store';
import { deleteObject } from '../delete-object';
import { authorize } from '../authorize';
import { ecosystemOf, WRITE_ACTION } from '../object-rules';
import type { LifecycleContext } from './host-connector';

export interface DeleteWithRuntimeOptions {
  cascade?: boolean;
  /** Also remove the workspace image from its host (kept when another container uses it). */
  removeImage?: boolean;
  /** Also remove the volume a git source was cloned into. */
  removeVolume?: boolean;
  /** Delete the records even when a host cannot remove its containers. */
  force?: boolean;
}

export interface DeleteWithRuntimeResult extends DeleteResult {
  /** Containers removed from their hosts. */
  containersRemoved: number;
  /** Containers left behind because their host could not be reached (only with `force`). */
  containersLeft: string[];
}

function isUnder(level: Level, key: ObjectKey, placement: PlacementRecord): boolean {
  switch (level) {
    case 'ecosystem':
      return placement.ecosystem === key.name;
    case 'domain':
      return placement.ecosystem === key.ecosystem && placement.domain === key.name;
    case 'app':
      return (
        placement.ecosystem === key.ecosystem &&
        placement.domain === key.domain &&
        placement.app === key.name
      );
    case 'workspace':
      return (
        placement.ecosystem === key.ecosystem &&
        placement.domain === key.domain &&
        placement.app === key.app &&
        placement.workspace === key.name
      );
  }
}

async function placementsUnder(
  ctx: LifecycleContext,
  level: Level,
  key: ObjectKey,
): Promise<PlacementRecord[]> {
  const found: PlacementRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.hosts.list({ limit: 500, ...(cursor && { cursor }) });
    for (const host of page.items) {
      for (const placement of await ctx.store.placements.listByHost(host.name)) {
        if (isUnder(level, key, placement)) found.push(placement);
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

export async function deleteWithRuntime(
  ctx: LifecycleContext,
  level: Level,
  key: ObjectKey,
  options: DeleteWithRuntimeOptions = {},
): Promise<DeleteWithRuntimeResult> {
  const ecosystem = ecosystemOf(level, key);
  // The same checks deleteObject makes, before anything is removed from a host.
  if (level === 'ecosystem') {
    await authorize(ctx, 'read', ecosystem);
    await authorize(ctx, 'ecosystem.delete');
  } else {
    await authorize(ctx, WRITE_ACTION[level], ecosystem);
  }
  await ctx.store.objects(level).get(key);
  if (level !== 'workspace' && !options.cascade) {
    // Without cascade only an object with no children can go, and such an object has no
    // containers: deleteObject deletes it or refuses with HAS_CHILDREN before any host is touched.
    return {
      ...(await deleteObject(ctx, { level, key })),
      containersRemoved: 0,
      containersLeft: [],
    };
  }
  const placements = await placementsUnder(ctx, level, key);

  const left: string[] = [];
  let removed = 0;
  for (const placement of placements) {
    try {
      const host = await ctx.store.hosts.get(placement.host);
      const agent = await ctx.hosts.agentFor(host);
      await agent.remove(placement.containerName, {
        ...(options.removeVolume &&
          placement.sourceVolume && { volumes: [placement.sourceVolume] }),
        ...(options.removeImage && { image: placement.image }),
      });
      removed += 1;
    } catch (error) {
      if (!hasErrorCode(error, 'UNAVAILABLE') || !options.force) {
        if (hasErrorCode(error, 'UNAVAILABLE')) {
          throw new AppError(
            'UNAVAILABLE',
            `Cannot remove container ${placement.containerName} on host "${placement.host}": ${(error as Error).message} Retry when the host is back, or delete with force=true to leave the container behind.`,
            { cause: error },
          );
        }
        throw error;
      }
      left.push(`${placement.host}/${placement.containerName}`);
    }
  }
  const result = await deleteObject(ctx, {
    level,
    key,
    ...(options.cascade !== undefined && { cascade: options.cascade }),
  });
  return { ...result, containersRemoved: removed, containersLeft: left };
}
