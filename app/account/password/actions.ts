'use server';

// Server action of /account/password: the signed-in user changes their own password (the current
// one is always required). changePassword authorises: it acts only on the caller's own account,
// revokes all their sessions and opens a replacement one for this browser, set here as the cookie.

import { redirect } from 'next/navigation';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import { changePassword } from '@/lib/domain/change-password';
import {
  actionContext,
  actionFailure,
  invalidInput,
  setSessionCookie,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';

const schema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.'),
    newPassword: z.string().min(1, 'Choose a new password.'),
    confirm: z.string(),
  })
  .refine((input) => input.newPassword === input.confirm, {
    path: ['confirm'],
    message: 'The two passwords differ.',
  })
  .refine((input) => input.newPassword !== input.currentPassword, {
    path: ['newPassword'],
    message: 'Choose a password different from the current one.',
  });

export async function changePasswordAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const parsed = schema.safeParse({
    currentPassword: String(formData.get('currentPassword') ?? ''),
    newPassword: String(formData.get('newPassword') ?? ''),
    confirm: String(formData.get('confirm') ?? ''),
  });
  if (!parsed.success) return invalidInput(parsed.error);
  let result;
  try {
    result = await changePassword(ctx, {
      currentPassword: parsed.data.currentPassword,
      newPassword: parsed.data.newPassword,
    });
  } catch (error) {
    return actionFailure(error, {
      fields: { password: 'newPassword', currentPassword: 'currentPassword' },
    });
  }
  // Every session was revoked; this browser continues on the replacement one.
  if (result.sessionId) await setSessionCookie(result.sessionId, result.user);
  // Outside the try: redirect() works by throwing.
  redirect('/?password=changed');
}
