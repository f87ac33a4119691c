// Replaces an object's labels, annotations and spec, authorised and audited (before and after) in
// one transaction.

import type { Level, ObjectInput, ObjectKey, StoredObject } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { authorize } from './authorize';
import { ecosystemOf, objectSnapshot, objectTarget, WRITE_ACTION } from './object-rules';

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
  const ecosystem = ecosystemOf(level, key);
  await authorize(ctx, level === 'ecosystem' ? 'ecosystem.update' : WRITE_ACTION[level], ecosystem);
  const now = nowOf(ctx);
  return ctx.store.transaction(async (tx) => {
    const objects = tx.objects(level);
    const before = await objects.get(key);
    const after = await objects.update(key, input, {
      ...(expectedVersion !== undefined && { expectedVersion }),
    });
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: `${level}.update`,
          target: objectTarget(level, key),
          ecosystem,
          before: objectSnapshot(before),
          after: objectSnapshot(after),
          detail: { version: after.version },
        },
        now,
      ),
    );
    return after;
  });
}
