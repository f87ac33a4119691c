'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { Field, SelectField } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { SubmitButton } from '@/components/submit-button';
import { addMemberAction } from './actions';
import { ROLE_OPTIONS } from './roles';

export function AddMemberForm({ ecosystem }: { ecosystem: string }) {
  const [state, action] = useActionState<ActionState, FormData>(addMemberAction, {});
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} className="form" noValidate aria-label="Add a member">
      <FormMessage state={state} />
      <input type="hidden" name="ecosystem" value={ecosystem} />
      <Field
        id="member-email"
        label="Email"
        name="email"
        type="email"
        autoComplete="off"
        required
        hint="The user must exist already (an administrator creates accounts)."
        defaultValue={state.ok ? undefined : state.values?.email}
        error={errors.email}
      />
      <SelectField
        id="member-role"
        label="Role"
        name="role"
        options={ROLE_OPTIONS}
        defaultValue={(!state.ok && state.values?.role) || 'viewer'}
        error={errors.role}
      />
      <div className="form-actions">
        <SubmitButton>Add member</SubmitButton>
      </div>
    </form>
  );
}
