// PUT a manifest to an object's URL: replaces its labels, annotations and spec entirely (what the
// body leaves out is cleared). The object must exist; its name and parents come from the URL and
// the body may repeat but not change them. A body equal to what is stored changes nothing: no
// version bump, no audit entry.

import { objectInputOf } from '@/lib/contracts/resource';
import type { Level, ObjectKey } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { authorizeUpdate, updateIfChanged } from './object-writes';
import { parseResourceBody } from './resource-body';
import { checkVersion } from './resource-version';
import { toResourceManifest, type ResourceResult } from './resource-view';

export interface ReplaceResourceInput {
  level: Level;
  key: ObjectKey;
  /** A full manifest or the short form `{ metadata?, spec }`, as for createResource. */
  body: unknown;
  /** CONFLICT unless the stored version still matches (the REST API's `If-Match`). */
  expectedVersion?: number;
}

export async function replaceResource(
  ctx: ActionContext,
  { level, key, body, expectedVersion }: ReplaceResourceInput,
): Promise<ResourceResult> {
  await authorizeUpdate(ctx, level, key);
  const parsed = parseResourceBody(level, body, key);
  const input = objectInputOf(parsed.resource);
  const now = nowOf(ctx);
  const object = await ctx.store.transaction(async (tx) => {
    const before = await tx.objects(level).get(key, { forUpdate: true });
    checkVersion(level, before, expectedVersion);
    return updateIfChanged(tx, ctx.principal, { level, key, before, input, now });
  });
  return {
    object,
    manifest: toResourceManifest(object),
    warnings: parsed.warnings,
    ...(parsed.convertedFrom !== undefined && { convertedFrom: parsed.convertedFrom }),
  };
}
