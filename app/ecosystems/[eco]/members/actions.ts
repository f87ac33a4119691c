'use server';

// Server actions of /ecosystems/{eco}/members. setMembership and removeMembership authorise
// (owners of the ecosystem and administrators); the ecosystem comes from the form, never trusted.

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { removeMembership } from '@/lib/domain/remove-membership';
import { setMembership } from '@/lib/domain/set-membership';
import {
  actionContext,
  actionFailure,
  invalidInput,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';

const ROLE_MESSAGE = 'Choose owner, developer or viewer.';
const role = z.enum(['owner', 'developer', 'viewer'], { error: ROLE_MESSAGE });
const ecosystem = z.string().min(1).max(200);

const addSchema = z.object({
  ecosystem,
  email: z.email('Enter the email address of an existing user.').max(254),
  role,
});

const changeSchema = z.object({
  ecosystem,
  userId: z.string().min(1).max(100),
  role,
});

const removeSchema = z.object({ ecosystem, userId: z.string().min(1).max(100) });

function membersPath(name: string): string {
  return `/ecosystems/${encodeURIComponent(name)}/members`;
}

export async function addMemberAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const raw = {
    ecosystem: formData.get('ecosystem'),
    email: String(formData.get('email') ?? '').trim(),
    role: formData.get('role'),
  };
  const values = { email: raw.email, role: typeof raw.role === 'string' ? raw.role : '' };
  const parsed = addSchema.safeParse(raw);
  if (!parsed.success) return invalidInput(parsed.error, values);
  let message: string;
  try {
    const membership = await setMembership(ctx, parsed.data);
    message = `${membership.email} is now ${membership.role} of ${membership.ecosystem}.`;
  } catch (error) {
    return actionFailure(error, { values, fields: { userId: 'email' } });
  }
  revalidatePath(membersPath(parsed.data.ecosystem));
  return { ok: true, message };
}

export async function changeRoleAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const parsed = changeSchema.safeParse({
    ecosystem: formData.get('ecosystem'),
    userId: formData.get('userId'),
    role: formData.get('role'),
  });
  if (!parsed.success) return invalidInput(parsed.error);
  let message: string;
  try {
    const membership = await setMembership(ctx, parsed.data);
    message = `${membership.email} is now ${membership.role}.`;
  } catch (error) {
    return actionFailure(error);
  }
  revalidatePath(membersPath(parsed.data.ecosystem));
  return { ok: true, message };
}

export async function removeMemberAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const parsed = removeSchema.safeParse({
    ecosystem: formData.get('ecosystem'),
    userId: formData.get('userId'),
  });
  if (!parsed.success) return invalidInput(parsed.error);
  try {
    await removeMembership(ctx, parsed.data);
  } catch (error) {
    return actionFailure(error);
  }
  revalidatePath(membersPath(parsed.data.ecosystem));
  return { ok: true, message: 'Removed.' };
}
