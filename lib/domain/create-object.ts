// Creates an ecosystem (administrators), domain (owners), app or workspace (owners, developers),
// authorised and audited in one transaction.

import type { Level, ObjectInput, ParentRef, StoredObject } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { authorize } from './authorize';
import { ecosystemOf, objectSnapshot, objectTarget, WRITE_ACTION } from './object-rules';

export interface CreateObjectInput {
  level: Level;
  parent: ParentRef;
  input: ObjectInput;
}

export async function createObject(
  ctx: ActionContext,
  { level, parent, input }: CreateObjectInput,
): Promise<StoredObject> {
  const ecosystem = ecosystemOf(level, { ...parent, name: input.name });
  if (level === 'ecosystem') await authorize(ctx, 'ecosystem.create');
  else await authorize(ctx, WRITE_ACTION[level], ecosystem);
  const now = nowOf(ctx);
  return ctx.store.transaction(async (tx) => {
    const created = await tx.objects(level).create(parent, input);
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: `${level}.create`,
          target: objectTarget(level, created),
          ecosystem,
          after: objectSnapshot(created),
        },
        now,
      ),
    );
    return created;
  });
}
