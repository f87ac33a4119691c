'use client';

// An administrator's controls on one host's row: issue a fresh join token (shown once, under the
// row's buttons) and remove the host after a confirmation naming it and what is placed on it.

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { SubmitButton } from '@/components/submit-button';
import { deleteHostAction, type JoinTokenState, rotateJoinTokenAction } from './actions';
import { JoinTokenReveal } from './join-token-reveal';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function HostControls({ host, workspaces }: { host: string; workspaces: number }) {
  const [issued, rotate] = useActionState<JoinTokenState, FormData>(rotateJoinTokenAction, {});
  const [removed, remove] = useActionState<ActionState, FormData>(deleteHostAction, {});
  return (
    <div className="host-controls">
      <div className="inline-form">
        <form action={rotate} className="inline-form">
          <input type="hidden" name="host" value={host} />
          <SubmitButton className="" aria-label={`Issue a new join token for ${host}`}>
            New join token
          </SubmitButton>
        </form>
        <ConfirmDialog
          triggerLabel="Delete"
          triggerAriaLabel={`Delete host ${host}`}
          title={`Delete host "${host}"?`}
          confirmLabel={`Delete ${host}`}
          action={remove}
          state={removed}
          hidden={{ host }}
          description={
            <>
              {workspaces > 0 ? (
                <p>
                  {plural(workspaces, 'workspace')} {workspaces === 1 ? 'is' : 'are'} placed on{' '}
                  <strong>{host}</strong>. The host cannot be removed until{' '}
                  {workspaces === 1 ? 'it is' : 'they are'} deleted, because{' '}
                  {workspaces === 1 ? 'its container lives' : 'their containers live'} there.
                </p>
              ) : (
                <p>
                  No workspaces are placed on <strong>{host}</strong>. Its record and its
                  agent&apos;s credential are removed; the agent stops being used. This cannot be
                  undone: to use the machine again, add it anew and join its agent with a new token.
                </p>
              )}
            </>
          }
        />
      </div>
      {issued.ok === false && (
        <p role="alert" className="inline-error">
          {issued.message}
        </p>
      )}
      {issued.issued && <JoinTokenReveal issued={issued.issued} />}
    </div>
  );
}
