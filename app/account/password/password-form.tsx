'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { Field } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { SubmitButton } from '@/components/submit-button';
import { changePasswordAction } from './actions';

export function PasswordForm({ email, passwordHint }: { email: string; passwordHint: string }) {
  const [state, action] = useActionState<ActionState, FormData>(changePasswordAction, {});
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} className="form" noValidate>
      <FormMessage state={state} />
      {/* Lets password managers file the new password under the right account. */}
      <input type="hidden" name="username" autoComplete="username" value={email} />
      <Field
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        required
        error={errors.currentPassword}
      />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        required
        hint={passwordHint}
        error={errors.newPassword}
      />
      <Field
        label="Confirm new password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        error={errors.confirm}
      />
      <div className="form-actions">
        <SubmitButton>Change password</SubmitButton>
      </div>
    </form>
  );
}
