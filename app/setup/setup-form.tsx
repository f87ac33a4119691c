'use client';

// The first-run form. On success it moves on to sign-in with a full page load (next-auth's
// sign-in entry sets its CSRF cookie); without JavaScript the success message links there.

import { useActionState, useEffect } from 'react';
import { Field } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { SubmitButton } from '@/components/submit-button';
import { type SetupState, setupFirstAdminAction } from './actions';

export function SetupForm({ passwordHint }: { passwordHint: string }) {
  const [state, action] = useActionState<SetupState, FormData>(setupFirstAdminAction, {});
  const errors = state.fieldErrors ?? {};

  useEffect(() => {
    if (state.ok && state.next) window.location.assign(state.next);
  }, [state]);

  return (
    <form action={action} className="form" noValidate>
      <FormMessage state={state} />
      {state.ok && state.next && (
        <p>
          <a href={state.next}>Continue to sign in</a>
        </p>
      )}
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="username"
        required
        defaultValue={state.values?.email}
        error={errors.email}
      />
      <Field
        label="Name"
        name="name"
        autoComplete="name"
        hint="Optional; shown in the header and the audit log."
        defaultValue={state.values?.name}
        error={errors.name}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        hint={passwordHint}
        error={errors.password}
      />
      <Field
        label="Confirm password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        error={errors.confirm}
      />
      <div className="form-actions">
        <SubmitButton>Create administrator</SubmitButton>
      </div>
    </form>
  );
}
