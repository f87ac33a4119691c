// The write steps the hierarchy use cases share: who may create or change an object, and the
// create/update itself with its audit entry, run on a transaction-scoped store. createObject,
// updateObject, the resource use cases and apply all write through here, so an object changed by
// apply is authorised and audited exactly like one changed through its own URL.

import type { Principal } from '@/lib/auth/principal';
import type {
  DataStore,
  Level,
  ObjectInput,
  ObjectKey,
  ParentRef,
  StoredObject,
} from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { auditEntry } from './audit-entry';
import { authorize, type Action } from './authorize';
import {
  ecosystemOf,
  objectSnapshot,
  objectTarget,
  sameContent,
  WRITE_ACTION,
} from './object-rules';

/** The action that guards creating an object of `level`. */
export function createAction(level: Level): Action {
  return level === 'ecosystem' ? 'ecosystem.create' : WRITE_ACTION[level];
}

/** The action that guards changing an object of `level`. */
export function updateAction(level: Level): Action {
  return level === 'ecosystem' ? 'ecosystem.update' : WRITE_ACTION[level];
}

/** Throws unless the principal may create an object of `level` under `parent`. */
export async function authorizeCreate(
  ctx: ActionContext,
  level: Level,
  parent: ParentRef,
): Promise<void> {
  if (level === 'ecosystem') await authorize(ctx, 'ecosystem.create');
  else await authorize(ctx, createAction(level), ecosystemOf(level, parent));
}

/** Throws unless the principal may change the object at `key`. */
export async function authorizeUpdate(
  ctx: ActionContext,
  level: Level,
  key: ObjectKey,
): Promise<void> {
  await authorize(ctx, updateAction(level), ecosystemOf(level, key));
}

/** Creates and audits, on `tx` (a transaction-scoped store). Authorisation is the caller's. */
export async function createAudited(
  tx: DataStore,
  principal: Principal,
  write: { level: Level; parent: ParentRef; input: ObjectInput; now: Date },
): Promise<StoredObject> {
  const { level, parent, input, now } = write;
  const created = await tx.objects(level).create(parent, input);
  await tx.audit.append(
    auditEntry(
      principal,
      {
        action: `${level}.create`,
        target: objectTarget(level, created),
        ecosystem: ecosystemOf(level, created),
        after: objectSnapshot(created),
      },
      now,
    ),
  );
  return created;
}

/**
 * Updates and audits (before and after), on `tx`. `before` is the object as read in the same
 * transaction. Authorisation is the caller's.
 */
export async function updateAudited(
  tx: DataStore,
  principal: Principal,
  write: {
    level: Level;
    key: ObjectKey;
    before: StoredObject;
    input: ObjectInput;
    expectedVersion?: number;
    now: Date;
  },
): Promise<StoredObject> {
  const { level, key, before, input, expectedVersion, now } = write;
  const after = await tx.objects(level).update(key, input, {
    ...(expectedVersion !== undefined && { expectedVersion }),
  });
  await tx.audit.append(
    auditEntry(
      principal,
      {
        action: `${level}.update`,
        target: objectTarget(level, key),
        ecosystem: ecosystemOf(level, key),
        before: objectSnapshot(before),
        after: objectSnapshot(after),
        detail: { version: after.version },
      },
      now,
    ),
  );
  return after;
}

/**
 * The write of a read-modify-write (PUT, PATCH): `before` was read `forUpdate` in `tx`, so its
 * version still holds. Writes and audits only when the content changes; otherwise returns `before`
 * untouched (no version bump, no audit entry).
 */
export async function updateIfChanged(
  tx: DataStore,
  principal: Principal,
  write: { level: Level; key: ObjectKey; before: StoredObject; input: ObjectInput; now: Date },
): Promise<StoredObject> {
  if (sameContent(write.before, write.input)) return write.before;
  return updateAudited(tx, principal, { ...write, expectedVersion: write.before.version });
}
