// Reads one object of any level; objects in ecosystems the caller cannot read are NOT_FOUND.

import type { Level, ObjectKey, StoredObject } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { authorize } from './authorize';
import { ecosystemOf } from './object-rules';

export interface GetObjectInput {
  level: Level;
  key: ObjectKey;
}

export async function getObject(
  ctx: ActionContext,
  { level, key }: GetObjectInput,
): Promise<StoredObject> {
  await authorize(ctx, 'read', ecosystemOf(level, key));
  return ctx.store.objects(level).get(key);
}
