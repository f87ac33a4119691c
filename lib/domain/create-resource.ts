// POST a manifest to a collection (`/ecosystems`, `…/domains`, `…/apps`, `…/workspaces`): checks it
// through the contracts, takes the parents from the URL, creates the object (authorised and
// audited like createObject) and returns it as a manifest with status.

import { objectInputOf } from '@/lib/contracts/resource';
import type { Level, ParentRef } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { authorizeCreate, createAudited } from './object-writes';
import { parseResourceBody } from './resource-body';
import { toResourceManifest, type ResourceResult } from './resource-view';

export interface CreateResourceInput {
  level: Level;
  /** The parents named by the URL; they win over the body, which must not contradict them. */
  parent: ParentRef;
  /**
   * A full manifest (apiVersion, kind, metadata, spec), or the short form `{ metadata, spec }`
   * without apiVersion and kind (the kind is then the level's). Parents may be left out of
   * metadata. A Project body is accepted on the apps collection and converted to an App.
   */
  body: unknown;
}

export async function createResource(
  ctx: ActionContext,
  { level, parent, body }: CreateResourceInput,
): Promise<ResourceResult> {
  // Permission first: a caller who may not write here learns nothing from validation messages.
  await authorizeCreate(ctx, level, parent);
  const parsed = parseResourceBody(level, body, parent);
  const now = nowOf(ctx);
  const created = await ctx.store.transaction((tx) =>
    createAudited(tx, ctx.principal, { level, parent, input: objectInputOf(parsed.resource), now }),
  );
  return {
    object: created,
    manifest: toResourceManifest(created),
    warnings: parsed.warnings,
    ...(parsed.convertedFrom !== undefined && { convertedFrom: parsed.convertedFrom }),
  };
}
