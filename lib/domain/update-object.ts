// Replaces an object's labels, annotations and spec, authorised and audited (before and after) in
// one transaction.

import type { Level, ObjectInput, ObjectKey, StoredObject } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { authorizeUpdate, updateAudited } from './object-writes';

export interface UpdateObjectInput {
  level: Level;
  key: ObjectKey;
  input: ObjectInput;
  /** CONFLICT unless the stored version still matches. */
  expectedVersion?: number;
}

export async function updateObject(
  ctx: ActionContext,
  { level, key, input, expectedVersion }: UpdateObjectInput,
): Promise<StoredObject> {
  await authorizeUpdate(ctx, level, key);
  const now = nowOf(ctx);
  return ctx.store.transaction(async (tx) => {
    const before = await tx.objects(level).get(key, { forUpdate: true });
    return updateAudited(tx, ctx.principal, {
      level,
      key,
      before,
      input,
      now,
      ...(expectedVersion !== undefined && { expectedVersion }),
    });
  });
}
