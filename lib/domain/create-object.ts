// Creates an ecosystem (administrators), domain (owners), app or workspace (owners, developers),
// authorised and audited in one transaction.

import type { Level, ObjectInput, ParentRef, StoredObject } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { ecosystemOf } from './object-rules';
import { authorizeCreate, createAudited } from './object-writes';

export interface CreateObjectInput {
  level: Level;
  parent: ParentRef;
  input: ObjectInput;
}

export async function createObject(
  ctx: ActionContext,
  { level, parent, input }: CreateObjectInput,
): Promise<StoredObject> {
  // An ecosystem needs its name before anything else (INVALID at metadata.name).
  ecosystemOf(level, { ...parent, name: input.name });
  await authorizeCreate(ctx, level, parent);
  const now = nowOf(ctx);
  return ctx.store.transaction((tx) =>
    createAudited(tx, ctx.principal, { level, parent, input, now }),
  );
}
