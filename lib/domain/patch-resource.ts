// PATCH an object with a JSON merge patch (RFC 7386) against its manifest
// `{ apiVersion, kind, metadata: { name, <parents>, labels, annotations }, spec }`: null removes a
// key, objects merge, everything else (arrays included) replaces. The result is checked like any
// manifest; name, parents, kind and apiVersion cannot change. A patch that changes nothing writes
// nothing.

import { summarize } from '@/lib/contracts/field-errors';
import { parentsOf } from '@/lib/contracts/manifest';
import { isPlainObject } from '@/lib/contracts/manifest-input';
import { applyMergePatch } from '@/lib/contracts/merge-patch';
import { exceedsDepth, MAX_NESTING_DEPTH, TOO_DEEP_MESSAGE } from '@/lib/contracts/safe-yaml';
import { KIND_OF_LEVEL, objectInputOf, parseManifest } from '@/lib/contracts/resource';
import { hasErrorCode, invalid, type FieldError } from '@/lib/errors';
import type { Level, ObjectKey } from '@/lib/store/data-store';
import { nowOf, type ActionContext } from './action-context';
import { authorizeUpdate, updateIfChanged } from './object-writes';
import { checkVersion } from './resource-version';
import { toBareManifest, toResourceManifest, type ResourceResult } from './resource-view';

export interface PatchResourceInput {
  level: Level;
  key: ObjectKey;
  /** A JSON object: the merge patch. */
  patch: unknown;
  /** CONFLICT unless the stored version still matches (the REST API's `If-Match`). */
  expectedVersion?: number;
}

/** Fields a patch may repeat but not change, with what to say when it tries. */
function immutableProblems(
  level: Level,
  current: Record<string, unknown>,
  patched: Record<string, unknown>,
): FieldError[] {
  const errors: FieldError[] = [];
  const check = (path: string, was: unknown, now: unknown, why: string) => {
    if (was !== now)
      errors.push({ path, message: `cannot be changed (it is ${JSON.stringify(was)}); ${why}` });
  };
  check('apiVersion', current.apiVersion, patched.apiVersion, 'leave it out of the patch');
  check('kind', current.kind, patched.kind, 'leave it out of the patch');
  const was = current.metadata as Record<string, unknown>;
  const now = isPlainObject(patched.metadata) ? patched.metadata : {};
  check(
    'metadata.name',
    was.name,
    now.name,
    'objects cannot be renamed: create a new one and delete this one',
  );
  for (const parent of parentsOf(KIND_OF_LEVEL[level])) {
    check(
      `metadata.${parent}`,
      was[parent],
      now[parent],
      'objects cannot be moved to another parent',
    );
  }
  return errors;
}

function withIdentityOf(
  current: Record<string, unknown>,
  patched: Record<string, unknown>,
): Record<string, unknown> {
  const identity = current.metadata as Record<string, unknown>;
  const metadata = isPlainObject(patched.metadata) ? { ...patched.metadata } : patched.metadata;
  if (isPlainObject(metadata)) {
    for (const field of ['name', 'ecosystem', 'domain', 'app']) {
      if (identity[field] === undefined) continue;
      metadata[field] = identity[field];
    }
  }
  return { ...patched, apiVersion: current.apiVersion, kind: current.kind, metadata };
}

export async function patchResource(
  ctx: ActionContext,
  { level, key, patch, expectedVersion }: PatchResourceInput,
): Promise<ResourceResult> {
  await authorizeUpdate(ctx, level, key);
  if (!isPlainObject(patch)) {
    const message = 'must be a JSON object (a merge patch, RFC 7386)';
    throw invalid(`The patch ${message}.`, [{ path: '', message }]);
  }
  // Merging walks the patch recursively: refuse what no manifest may be before walking it.
  if (exceedsDepth(patch, MAX_NESTING_DEPTH)) {
    throw invalid(`The patch is not valid: ${TOO_DEEP_MESSAGE}.`, [
      { path: '', message: TOO_DEEP_MESSAGE },
    ]);
  }
  const now = nowOf(ctx);
  return ctx.store.transaction(async (tx) => {
    const before = await tx.objects(level).get(key, { forUpdate: true });
    checkVersion(level, before, expectedVersion);
    const current = toBareManifest(before) as unknown as Record<string, unknown>;
    const patched = applyMergePatch(current, patch) as Record<string, unknown>;

    const errors = immutableProblems(level, current, patched);
    let parsed: ReturnType<typeof parseManifest> | undefined;
    try {
      // Checked as the object's own kind and identity, so the other problems are about the
      // object as it is, not the one the patch tried to turn it into (reported above).
      parsed = parseManifest(withIdentityOf(current, patched), {
        expectedKind: KIND_OF_LEVEL[level],
      });
    } catch (error) {
      if (!hasErrorCode(error, 'INVALID')) throw error;
      const reported = new Set(errors.map((e) => e.path));
      errors.push(...error.errors.filter((e) => !reported.has(e.path)));
    }
    if (errors.length > 0 || parsed === undefined) {
      throw invalid(summarize('the patched manifest', errors), errors);
    }

    const input = objectInputOf(parsed.resource);
    const object = await updateIfChanged(tx, ctx.principal, { level, key, before, input, now });
    return {
      object,
      manifest: toResourceManifest(object),
      warnings: parsed.warnings,
    };
  });
}
