'use client';

import { useActionState } from 'react';
import { Field } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { SubmitButton } from '@/components/submit-button';
import { createHostAction, type JoinTokenState } from './actions';
import { JoinTokenReveal } from './join-token-reveal';

export function AddHostForm() {
  const [state, action] = useActionState<JoinTokenState, FormData>(createHostAction, {});
  const errors = state.fieldErrors ?? {};
  // A new key after each success empties the form for the next host.
  const formKey = state.issued?.token ?? 'new';
  return (
    <>
      <FormMessage state={state} />
      {state.issued && <JoinTokenReveal issued={state.issued} />}
      <form key={formKey} action={action} className="form" noValidate aria-label="Add a host">
        <Field
          id="new-host-name"
          label="Name"
          name="name"
          autoComplete="off"
          required
          hint="A DNS label, e.g. build-1; hosts are never renamed."
          defaultValue={state.ok ? undefined : state.values?.name}
          error={errors.name}
        />
        <Field
          id="new-host-address"
          label="Address"
          name="address"
          autoComplete="off"
          spellCheck={false}
          hint="Optional: host:port, tls://host:port or unix:///path.sock where this control plane reaches the agent. The agent reports it when it joins."
          defaultValue={state.ok ? undefined : state.values?.address}
          error={errors.address}
        />
        <Field
          id="new-host-labels"
          label="Labels"
          name="labels"
          autoComplete="off"
          spellCheck={false}
          hint="Optional: key=value, separated by commas (e.g. gpu=true, zone=eu). Workspaces select hosts by label."
          defaultValue={state.ok ? undefined : state.values?.labels}
          error={errors.labels}
        />
        <div className="form-actions">
          <SubmitButton>Add host</SubmitButton>
        </div>
      </form>
    </>
  );
}
