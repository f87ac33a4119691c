'use server';

// The server action of /apply: preview (a dry run: the same transaction rolled back, with a diff
// per object) or apply (all or nothing) the pasted manifests, through applyManifests — the use
// case behind POST /api/v1/apply, which authorises every object itself (a viewer's changes are
// refused, FORBIDDEN, whatever the page showed them).

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { MAX_APPLY_INPUT_BYTES } from '@/lib/contracts/safe-yaml';
import { applyManifests, type ApplyResult } from '@/lib/domain/apply-manifests';
import {
  actionContext,
  actionFailure,
  invalidInput,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';
import { describeApplyPath } from './apply-path';

export interface ApplyProblem {
  /** `Document 2, field metadata.name`. */
  where: string;
  message: string;
}

export interface ApplyState extends ActionState {
  /** What a preview or an apply did, object by object. */
  result?: ApplyResult;
  /** Every problem of a refused request, by document and field. */
  problems?: ApplyProblem[];
}

const applySchema = z.object({
  yaml: z
    .string()
    .refine((text) => text.trim() !== '', 'Paste one or more manifests (YAML or JSON).')
    .refine(
      (text) => Buffer.byteLength(text) <= MAX_APPLY_INPUT_BYTES,
      `Apply at most ${Math.round(MAX_APPLY_INPUT_BYTES / 1024)} KiB at once.`,
    ),
  intent: z.enum(['preview', 'apply'], { error: 'Choose Preview or Apply.' }),
});

export async function applyYamlAction(
  _previous: ApplyState,
  formData: FormData,
): Promise<ApplyState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  // Browsers submit a textarea's line breaks as CRLF; the editor (and YAML) think in LF.
  const yaml = String(formData.get('yaml') ?? '').replace(/\r\n?/g, '\n');
  const raw = { yaml, intent: formData.get('intent') };
  const values = { yaml: raw.yaml, intent: typeof raw.intent === 'string' ? raw.intent : '' };
  const parsed = applySchema.safeParse(raw);
  if (!parsed.success) return invalidInput(parsed.error, values);
  const dryRun = parsed.data.intent === 'preview';
  let result: ApplyResult;
  try {
    result = await applyManifests(ctx, { text: parsed.data.yaml, dryRun });
  } catch (error) {
    const failure = actionFailure(error, { values });
    const problems = Object.entries(failure.fieldErrors ?? {}).map(([path, message]) => ({
      where: describeApplyPath(path),
      message,
    }));
    // The problems are listed under the editor, not beside a form field.
    const { fieldErrors: _byPath, ...rest } = failure;
    return { ...rest, ...(problems.length > 0 && { problems }) };
  }
  if (!dryRun) revalidatePath('/', 'layout');
  const counts = (['created', 'configured', 'unchanged'] as const)
    .map((outcome) => [outcome, result.items.filter((i) => i.result === outcome).length] as const)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${count} ${outcome}`);
  const summary = counts.length > 0 ? counts.join(', ') : 'nothing to do';
  return {
    ok: true,
    message: dryRun ? `Preview (nothing saved yet): ${summary}.` : `Applied: ${summary}.`,
    result,
    values,
  };
}
