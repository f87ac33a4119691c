'use server';

// Server action of /setup: creates the first administrator. Public by nature (nobody can sign in
// yet); setupFirstAdmin itself refuses once any account exists, atomically.

import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { setupFirstAdmin } from '@/lib/domain/setup-first-admin';
import { getRuntime } from '@/lib/server/runtime';
import { actionFailure, invalidInput, requestAddress } from '@/lib/server/session';

const schema = z
  .object({
    email: z.email('Enter an email address, e.g. admin@example.com.').max(254),
    name: z.string().trim().max(200, 'Use at most 200 characters.'),
    password: z.string().min(1, 'Choose a password.'),
    confirm: z.string(),
  })
  .refine((input) => input.password === input.confirm, {
    path: ['confirm'],
    message: 'The two passwords differ.',
  });

export interface SetupState extends ActionState {
  /** Where to go next once the account exists. */
  next?: string;
}

export async function setupFirstAdminAction(
  _previous: SetupState,
  formData: FormData,
): Promise<SetupState> {
  const raw = {
    email: String(formData.get('email') ?? '').trim(),
    name: String(formData.get('name') ?? ''),
    password: String(formData.get('password') ?? ''),
    confirm: String(formData.get('confirm') ?? ''),
  };
  const values = { email: raw.email, name: raw.name };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return invalidInput(parsed.error, values);

  const { store } = await getRuntime();
  const address = await requestAddress();
  try {
    await setupFirstAdmin(
      { store },
      {
        email: parsed.data.email,
        ...(parsed.data.name && { name: parsed.data.name }),
        password: parsed.data.password,
        ...(address && { address }),
      },
    );
  } catch (error) {
    return actionFailure(error, { values });
  }
  return {
    ok: true,
    message: 'The administrator account is ready. Sign in with it now.',
    next: `/api/auth/signin?${new URLSearchParams({ callbackUrl: '/' })}`,
  };
}
