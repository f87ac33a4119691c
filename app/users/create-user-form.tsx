'use client';

import { useActionState } from 'react';
import { CheckboxField, Field } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { SecretReveal } from '@/components/secret-reveal';
import { SubmitButton } from '@/components/submit-button';
import { type CreateUserState, createUserAction } from './actions';

export function CreateUserForm({ passwordHint }: { passwordHint: string }) {
  const [state, action] = useActionState<CreateUserState, FormData>(createUserAction, {});
  const errors = state.fieldErrors ?? {};
  // A new key after each success empties the form for the next user.
  const formKey = state.created?.email ?? 'new';
  return (
    <>
      {state.created && (
        <SecretReveal
          label={`Initial password for ${state.created.email}`}
          value={state.created.password}
          hint="Give it to them over a channel you trust; they must change it at first sign-in."
        />
      )}
      <form key={formKey} action={action} className="form" noValidate aria-label="Create a user">
        <FormMessage state={state} />
        <Field
          id="new-user-email"
          label="Email"
          name="email"
          type="email"
          autoComplete="off"
          required
          defaultValue={state.ok ? undefined : state.values?.email}
          error={errors.email}
        />
        <Field
          id="new-user-name"
          label="Name"
          name="name"
          autoComplete="off"
          hint="Optional."
          defaultValue={state.ok ? undefined : state.values?.name}
          error={errors.name}
        />
        <Field
          id="new-user-password"
          label="Initial password"
          name="password"
          type="text"
          autoComplete="off"
          spellCheck={false}
          hint={`Leave empty to generate one. ${passwordHint}`}
          error={errors.password}
        />
        <CheckboxField
          id="new-user-admin"
          label="Administrator (may manage users and every ecosystem)"
          name="isAdmin"
          defaultChecked={!state.ok && state.values?.isAdmin === 'on'}
          error={errors.isAdmin}
        />
        <div className="form-actions">
          <SubmitButton>Create user</SubmitButton>
        </div>
      </form>
    </>
  );
}
