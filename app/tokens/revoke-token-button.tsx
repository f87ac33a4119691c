'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { SubmitButton } from '@/components/submit-button';
import { revokeTokenAction } from './actions';

export function RevokeTokenButton({ tokenId, name }: { tokenId: string; name: string }) {
  const [state, action] = useActionState<ActionState, FormData>(revokeTokenAction, {});
  return (
    <form action={action} className="inline-form">
      <input type="hidden" name="tokenId" value={tokenId} />
      <SubmitButton className="danger" aria-label={`Revoke ${name}`}>
        Revoke
      </SubmitButton>
      {state.ok === false && (
        <span role="alert" className="inline-error">
          {state.message}
        </span>
      )}
    </form>
  );
}
