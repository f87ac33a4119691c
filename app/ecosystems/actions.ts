'use server';

// Server actions behind the ecosystem, domain, app and workspace pages: create, edit and delete.
// They call the same use cases as the REST API (createResource, patchResource, deleteWithRuntime),
// which authorise (a viewer is refused whatever the form says) and check the manifest against the
// shared contracts. The level and the names come from the form and are checked like any input.

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { isDnsLabel } from '@/lib/contracts/names';
import { countBelow } from '@/lib/domain/count-below';
import { createResource } from '@/lib/domain/create-resource';
import { getObject } from '@/lib/domain/get-object';
import { patchResource } from '@/lib/domain/patch-resource';
import { deleteWithRuntime } from '@/lib/domain/runtime/delete-with-runtime';
import { hasErrorCode, isAppError } from '@/lib/errors';
import {
  actionContext,
  actionFailure,
  currentPrincipal,
  lifecycleContextFor,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';
import type { Level, ObjectKey, ParentRef } from '@/lib/store/data-store';
import { LEVEL_WORDS, objectPagePath, parentPagePath } from './object-paths';
import { removesText } from './removes-text';
import {
  fieldOfPath,
  type FormValues,
  manifestToCreate,
  parseLabels,
  patchToUpdate,
  SPEC_FIELDS,
} from './resource-form';

const LEVELS = ['ecosystem', 'domain', 'app', 'workspace'] as const;
const PARENTS: Record<Level, (keyof ParentRef)[]> = {
  ecosystem: [],
  domain: ['ecosystem'],
  app: ['ecosystem', 'domain'],
  workspace: ['ecosystem', 'domain', 'app'],
};
const label = z.string().refine(isDnsLabel, 'is not a valid name');
const NO_TARGET: ActionState = {
  ok: false,
  code: 'INVALID',
  message: 'This form names no object; reload the page and try again.',
};

/** The level and parent names a form carries (hidden fields), checked. */
function targetOf(formData: FormData): { level: Level; parent: ParentRef } | undefined {
  const level = z.enum(LEVELS).safeParse(formData.get('level'));
  if (!level.success) return undefined;
  const parent: ParentRef = {};
  for (const key of PARENTS[level.data]) {
    const name = label.safeParse(formData.get(key));
    if (!name.success) return undefined;
    parent[key] = name.data;
  }
  return { level: level.data, parent };
}

/** What the user typed in the fields of this level's form (never more), to keep on refusal. */
function typedValues(level: Level, formData: FormData): FormValues {
  const values: FormValues = {};
  for (const name of ['name', 'description', 'labels', ...SPEC_FIELDS[level].map((f) => f.name)]) {
    const value = formData.get(name);
    if (typeof value === 'string') values[name] = value;
  }
  return values;
}

/** A use case's refusal as the form shows it, with contract paths turned into form fields. */
function failure(level: Level, error: unknown, values: FormValues): ActionState {
  const fields: Record<string, string> = {};
  if (isAppError(error)) {
    for (const { path } of error.errors) {
      const field = fieldOfPath(level, path);
      if (field) fields[path] = field;
    }
  }
  const state = actionFailure(error, { values, fields });
  // When every problem sits beside its field, the contract's summary (with manifest paths) would
  // only repeat them in words the form does not use.
  const allBesideFields =
    isAppError(error) && error.errors.length > 0 && error.errors.every((e) => fields[e.path]);
  return allBesideFields ? { ...state, message: 'Check the highlighted fields.' } : state;
}

function labelsOrRefusal(
  values: FormValues,
): { labels: Record<string, string> } | { refusal: ActionState } {
  const parsed = parseLabels(values.labels ?? '');
  if ('labels' in parsed) return parsed;
  return {
    refusal: {
      ok: false,
      code: 'INVALID',
      message: 'Check the highlighted fields.',
      fieldErrors: { labels: parsed.problem },
      values,
    },
  };
}

export async function createObjectAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const target = targetOf(formData);
  if (!target) return NO_TARGET;
  const { level, parent } = target;
  const values = typedValues(level, formData);
  const labels = labelsOrRefusal(values);
  if ('refusal' in labels) return labels.refusal;
  let path: string;
  try {
    const { object } = await createResource(ctx, {
      level,
      parent,
      body: manifestToCreate(level, values, labels.labels),
    });
    path = objectPagePath(level, { ...parent, name: object.name });
  } catch (error) {
    return failure(level, error, values);
  }
  revalidatePath(parentPagePath(level, { ...parent, name: '' }));
  redirect(path);
}

export async function updateObjectAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const target = targetOf(formData);
  const name = label.safeParse(formData.get('name'));
  const version = z.coerce.number().int().positive().safeParse(formData.get('version'));
  if (!target || !name.success || !version.success) return NO_TARGET;
  const { level, parent } = target;
  const key: ObjectKey = { ...parent, name: name.data };
  const values = typedValues(level, formData);
  const labels = labelsOrRefusal(values);
  if ('refusal' in labels) return labels.refusal;
  try {
    // The patch is computed against the object as it is now; expectedVersion refuses it when
    // someone changed the object after this form was shown, instead of silently undoing that.
    const current = await getObject(ctx, { level, key });
    await patchResource(ctx, {
      level,
      key,
      patch: patchToUpdate(level, values, labels.labels, current),
      expectedVersion: version.data,
    });
  } catch (error) {
    if (hasErrorCode(error, 'CONFLICT')) {
      return {
        ok: false,
        code: 'CONFLICT',
        message: `Someone else changed this ${LEVEL_WORDS[level].one} after this page was loaded. Reload the page to see their change, then make yours again.`,
        values,
      };
    }
    return failure(level, error, values);
  }
  revalidatePath(objectPagePath(level, key));
  return { ok: true, message: `Saved the ${LEVEL_WORDS[level].one}.` };
}

export async function deleteObjectAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const principal = await currentPrincipal();
  if (!principal) return UNAUTHENTICATED_STATE;
  const target = targetOf(formData);
  const name = label.safeParse(formData.get('name'));
  if (!target || !name.success) return NO_TARGET;
  const { level, parent } = target;
  const key: ObjectKey = { ...parent, name: name.data };
  const checked = (field: string) => formData.get(field) === 'on';
  let left: string[];
  try {
    const ctx = await lifecycleContextFor(principal);
    // The confirmation named what lies below as the page saw it; if that changed since (someone
    // added a workspace meanwhile), the user has not agreed to remove it.
    const shown = formData.get('removes');
    if (typeof shown === 'string' && level !== 'workspace') {
      const now = removesText(await countBelow(ctx, { level, key }));
      if (now !== shown) {
        return {
          ok: false,
          code: 'CONFLICT',
          message: `What lies under this ${LEVEL_WORDS[level].one} changed since the page loaded: it now holds ${now || 'nothing'}. Reload the page and confirm again.`,
        };
      }
    }
    const result = await deleteWithRuntime(ctx, level, key, {
      // Everything below goes: the confirmation named it, and it is checked unchanged above.
      cascade: true,
      removeImage: checked('removeImage'),
      removeVolume: checked('removeVolume'),
      force: checked('force'),
    });
    left = result.containersLeft;
  } catch (error) {
    return actionFailure(error);
  }
  const parentPath = parentPagePath(level, key);
  revalidatePath(parentPath);
  // The deleted object's page is gone: the parent page says what was left on unreachable hosts.
  redirect(
    left.length > 0 ? `${parentPath}?left=${encodeURIComponent(left.join(','))}` : parentPath,
  );
}
