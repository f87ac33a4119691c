// Deletes an object (and, with cascade, everything below it), authorised and audited in one
// transaction. Deleting an ecosystem is for administrators; below it, the level's write action.

import type { DeleteResult, Level, ObjectKey } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { authorize } from './authorize';
import { ecosystemOf, objectSnapshot, objectTarget, WRITE_ACTION } from './object-rules';

export interface DeleteObjectInput {
  level: Level;
  key: ObjectKey;
  cascade?: boolean;
}

export async function deleteObject(
  ctx: ActionContext,
  { level, key, cascade = false }: DeleteObjectInput,
): Promise<DeleteResult> {
  const ecosystem = ecosystemOf(level, key);
  if (level === 'ecosystem') {
    // Non-admins who cannot see the ecosystem get NOT_FOUND, the others a clear FORBIDDEN.
    await authorize(ctx, 'read', ecosystem);
    await authorize(ctx, 'ecosystem.delete');
  } else {
    await authorize(ctx, WRITE_ACTION[level], ecosystem);
  }
  const now = nowOf(ctx);
  return ctx.store.transaction(async (tx) => {
    const objects = tx.objects(level);
    const before = await objects.get(key);
    const result = await objects.delete(key, { cascade });
    await tx.audit.append(
      auditEntry(
        ctx.principal,
        {
          action: `${level}.delete`,
          target: objectTarget(level, key),
          ecosystem,
          before: objectSnapshot(before),
          after: null,
          detail: { cascade, removed: { ...result.removed } },
        },
        now,
      ),
    );
    return result;
  });
}
