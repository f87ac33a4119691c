'use client';

// A confirmation before a destructive action (Radix AlertDialog: focus moves into the dialog and
// back to the trigger, Escape and Cancel close it, the page behind is inert). The title and
// description name what will be removed. Confirming submits a form to the given action; the
// dialog stays open while it runs and shows a refusal in place, and closes once it succeeded.

import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { type ReactNode, useEffect, useState } from 'react';
import type { ActionState } from './action-state';
import { SubmitButton } from './submit-button';

export function ConfirmDialog({
  trigger,
  triggerLabel,
  title,
  children,
  confirmLabel,
  formAction,
  state,
  fields,
}: {
  /** The trigger button's text, e.g. "Delete". */
  trigger: ReactNode;
  /** The trigger's accessible name when its text alone is ambiguous ("Delete host build-1"). */
  triggerLabel?: string;
  title: ReactNode;
  /** What exactly will happen, naming the object and what goes with it. */
  children: ReactNode;
  confirmLabel: string;
  formAction: (formData: FormData) => void;
  /** The action's last answer: success closes the dialog, a refusal is shown in it. */
  state: ActionState;
  /** Hidden form fields identifying the object. */
  fields: Record<string, string>;
}) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (state.ok) setOpen(false);
  }, [state]);

  return (
    <AlertDialog.Root open={open} onOpenChange={setOpen}>
      <AlertDialog.Trigger asChild>
        <button type="button" className="danger" aria-label={triggerLabel}>
          {trigger}
        </button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog">
          <AlertDialog.Title className="dialog-title">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="dialog-description">{children}</div>
          </AlertDialog.Description>
          <form action={formAction} className="dialog-actions">
            {Object.entries(fields).map(([name, value]) => (
              <input key={name} type="hidden" name={name} value={value} />
            ))}
            {state.ok === false && state.message && (
              <p role="alert" className="form-message error">
                {state.message}
              </p>
            )}
            <AlertDialog.Cancel asChild>
              <button type="button">Cancel</button>
            </AlertDialog.Cancel>
            <SubmitButton className="primary danger-fill">{confirmLabel}</SubmitButton>
          </form>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
