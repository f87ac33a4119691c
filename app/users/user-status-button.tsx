'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { SubmitButton } from '@/components/submit-button';
import { setUserDisabledAction } from './actions';

/** Disables or re-enables one user; a refusal is shown next to the button. */
export function UserStatusButton({
  userId,
  email,
  disabled,
}: {
  userId: string;
  email: string;
  disabled: boolean;
}) {
  const [state, action] = useActionState<ActionState, FormData>(setUserDisabledAction, {});
  return (
    <form action={action} className="inline-form">
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="disabled" value={disabled ? 'false' : 'true'} />
      <SubmitButton
        className={disabled ? undefined : 'danger'}
        aria-label={`${disabled ? 'Enable' : 'Disable'} ${email}`}
      >
        {disabled ? 'Enable' : 'Disable'}
      </SubmitButton>
      {state.ok === false && (
        <span role="alert" className="inline-error">
          {state.message}
        </span>
      )}
    </form>
  );
}
