'use client';

// Revoking a token after a confirmation naming it: whatever uses it stops working at once.

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { revokeTokenAction } from './actions';

export function RevokeTokenButton({ tokenId, name }: { tokenId: string; name: string }) {
  const [state, action] = useActionState<ActionState, FormData>(revokeTokenAction, {});
  return (
    <ConfirmDialog
      triggerLabel="Revoke"
      triggerAriaLabel={`Revoke ${name}`}
      title={`Revoke the token "${name}"?`}
      confirmLabel={`Revoke ${name}`}
      action={action}
      state={state}
      hidden={{ tokenId }}
      description={
        <>
          <p>
            Scripts, CLIs and sockets using <strong>{name}</strong> are refused from now on (open
            sockets are closed). This cannot be undone: create a new token to replace it.
          </p>
        </>
      }
    />
  );
}
