'use client';

// Start and stop, each a small form posting to its server action; the buttons are disabled while
// the action runs (starting a container takes a moment) and the outcome is announced.

import { useActionState } from 'react';
import { initialActionState } from '@/components/action-state';
import { FormMessage } from '@/components/form-message';
import { SubmitButton } from '@/components/submit-button';
import { startWorkspaceAction, stopWorkspaceAction } from './actions';

export interface WorkspaceNames {
  ecosystem: string;
  domain: string;
  app: string;
  workspace: string;
}

function Hidden({ names }: { names: WorkspaceNames }) {
  return (
    <>
      {Object.entries(names).map(([key, value]) => (
        <input key={key} type="hidden" name={key} value={value} />
      ))}
    </>
  );
}

export function LifecycleControls({ names, state }: { names: WorkspaceNames; state: string }) {
  const [startState, start] = useActionState(startWorkspaceAction, initialActionState);
  const [stopState, stop] = useActionState(stopWorkspaceAction, initialActionState);
  const running = state === 'running';
  return (
    <div className="form-actions">
      <form action={start}>
        <Hidden names={names} />
        <SubmitButton aria-label="Start the workspace">
          {running ? 'Start (recreate if changed)' : 'Start'}
        </SubmitButton>
      </form>
      <form action={stop}>
        <Hidden names={names} />
        <SubmitButton className="secondary" disabled={!running} aria-label="Stop the workspace">
          Stop
        </SubmitButton>
      </form>
      <FormMessage state={startState.ok === undefined ? stopState : startState} />
    </div>
  );
}
