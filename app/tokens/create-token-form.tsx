'use client';

import { useActionState } from 'react';
import { Field, SelectField } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { SecretReveal } from '@/components/secret-reveal';
import { SubmitButton } from '@/components/submit-button';
import { type CreateTokenState, createTokenAction } from './actions';
import { EXPIRY_OPTIONS } from './expiry';

const SCOPES = [
  { value: 'read', label: 'read — list and read only' },
  { value: 'write', label: 'write — also create, change and operate' },
  { value: 'admin', label: 'admin — everything your account may do' },
] as const;

export function CreateTokenForm({ allowAdminScope }: { allowAdminScope: boolean }) {
  const [state, action] = useActionState<CreateTokenState, FormData>(createTokenAction, {});
  const errors = state.fieldErrors ?? {};
  const scopes = allowAdminScope ? SCOPES : SCOPES.filter((s) => s.value !== 'admin');
  const keep = state.ok ? undefined : state.values;
  return (
    <>
      {state.created && (
        <SecretReveal
          label={`Token "${state.created.name}"`}
          value={state.created.secret}
          hint='Send it as "Authorization: Bearer <token>" to the REST API.'
        />
      )}
      <form
        key={state.created?.secret ?? 'new'}
        action={action}
        className="form"
        noValidate
        aria-label="Create a token"
      >
        <FormMessage state={state} />
        <Field
          id="token-name"
          label="Name"
          name="name"
          autoComplete="off"
          required
          hint="Where it is used, e.g. laptop CLI or CI deploy job."
          defaultValue={keep?.name}
          error={errors.name}
        />
        <SelectField
          id="token-scope"
          label="Scope"
          name="scope"
          options={scopes}
          defaultValue={keep?.scope || 'read'}
          hint="A token never does more than your account may; the scope narrows it further."
          error={errors.scope}
        />
        <SelectField
          id="token-expires"
          label="Expires after"
          name="expires"
          options={EXPIRY_OPTIONS}
          defaultValue={keep?.expires || '30'}
          error={errors.expires}
        />
        <div className="form-actions">
          <SubmitButton>Create token</SubmitButton>
        </div>
      </form>
    </>
  );
}
