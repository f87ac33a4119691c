'use server';

// Server actions of the workspace page: start and stop. They authorise inside the use cases
// (developers and owners of the ecosystem, administrators); the workspace comes from the form
// and is checked like any other input.

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { isDnsLabel } from '@/lib/contracts/names';
import { startWorkspace, stopWorkspace } from '@/lib/domain/runtime/workspace-lifecycle';
import {
  actionFailure,
  currentPrincipal,
  lifecycleContextFor,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';

const name = z.string().refine(isDnsLabel, 'is not a valid name');
const workspaceForm = z.object({ ecosystem: name, domain: name, app: name, workspace: name });

function workspacePagePath(w: z.infer<typeof workspaceForm>): string {
  return `/ecosystems/${w.ecosystem}/domains/${w.domain}/apps/${w.app}/workspaces/${w.workspace}`;
}

async function run(action: 'start' | 'stop', formData: FormData): Promise<ActionState> {
  const principal = await currentPrincipal();
  if (!principal) return UNAUTHENTICATED_STATE;
  const parsed = workspaceForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success)
    return { ok: false, code: 'INVALID', message: 'This form names no workspace.' };
  const { ecosystem, domain, app, workspace } = parsed.data;
  const ctx = await lifecycleContextFor(principal);
  const key = { ecosystem, domain, app, name: workspace };
  let state: string;
  try {
    const result = await (action === 'start' ? startWorkspace : stopWorkspace)(ctx, key);
    state = result.placement.observed;
  } catch (error) {
    return actionFailure(error);
  }
  revalidatePath(workspacePagePath(parsed.data));
  return { ok: true, message: `The workspace is ${state}.` };
}

export async function startWorkspaceAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  return run('start', formData);
}

export async function stopWorkspaceAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  return run('stop', formData);
}
