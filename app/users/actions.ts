'use server';

// Server actions of /users. Each authorises through its domain call (administrators only):
// createUser and setUserDisabled check the caller themselves.

import { randomBytes } from 'node:crypto';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { createUser } from '@/lib/domain/create-user';
import { setUserDisabled } from '@/lib/domain/set-user-disabled';
import {
  actionContext,
  actionFailure,
  invalidInput,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';

export interface CreateUserState extends ActionState {
  /** The initial password, shown to the administrator once. */
  created?: { email: string; password: string };
}

const createSchema = z.object({
  email: z.email('Enter an email address, e.g. alice@example.com.').max(254),
  name: z.string().trim().max(200, 'Use at most 200 characters.'),
  password: z.string(),
  isAdmin: z.boolean(),
});

/** 16 characters from 96 random bits: strong, and short enough to pass on by hand. */
function generatedPassword(): string {
  return randomBytes(12).toString('base64url');
}

export async function createUserAction(
  _previous: CreateUserState,
  formData: FormData,
): Promise<CreateUserState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const raw = {
    email: String(formData.get('email') ?? '').trim(),
    name: String(formData.get('name') ?? ''),
    password: String(formData.get('password') ?? ''),
    isAdmin: formData.get('isAdmin') === 'on',
  };
  const values = { email: raw.email, name: raw.name, ...(raw.isAdmin && { isAdmin: 'on' }) };
  const parsed = createSchema.safeParse(raw);
  if (!parsed.success) return invalidInput(parsed.error, values);

  const password = parsed.data.password || generatedPassword();
  let email: string;
  try {
    const user = await createUser(ctx, {
      email: parsed.data.email,
      ...(parsed.data.name && { name: parsed.data.name }),
      password,
      isAdmin: parsed.data.isAdmin,
    });
    email = user.email;
  } catch (error) {
    return actionFailure(error, { values });
  }
  revalidatePath('/users');
  return {
    ok: true,
    message: `Created ${email}. They must choose their own password when they first sign in.`,
    created: { email, password },
  };
}

const statusSchema = z.object({
  userId: z.string().min(1).max(100),
  disabled: z.enum(['true', 'false']),
});

export async function setUserDisabledAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const parsed = statusSchema.safeParse({
    userId: formData.get('userId'),
    disabled: formData.get('disabled'),
  });
  if (!parsed.success) return invalidInput(parsed.error);
  let email: string;
  try {
    const user = await setUserDisabled(ctx, {
      userId: parsed.data.userId,
      disabled: parsed.data.disabled === 'true',
    });
    email = user.email;
  } catch (error) {
    return actionFailure(error);
  }
  revalidatePath('/users');
  return {
    ok: true,
    message: `${email} is ${parsed.data.disabled === 'true' ? 'disabled' : 'enabled'}.`,
  };
}
