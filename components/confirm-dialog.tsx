'use client';

// A destructive action behind a confirmation (Radix AlertDialog: focus is trapped in the dialog,
// Escape and Cancel close it, and Cancel has the focus first so Enter never deletes by accident).
// The dialog holds the form itself, so the caller's options (checkboxes) are submitted with it,
// and the outcome of a refused action is shown inside it, where the user is looking; a success
// closes it (when the page stays, e.g. after revoking a token).

import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { type ReactNode, useEffect, useState } from 'react';
import type { ActionState } from './action-state';
import { FormMessage } from './form-message';
import { SubmitButton } from './submit-button';

export interface ConfirmDialogProps {
  /** The button that opens the dialog, e.g. "Delete ecosystem". */
  triggerLabel: string;
  /** The trigger's accessible name when its text alone is ambiguous in a list ("Delete host b1"). */
  triggerAriaLabel?: string;
  title: ReactNode;
  /** What will be removed, in words and numbers. */
  description: ReactNode;
  confirmLabel: string;
  /** The form's action (from useActionState) and its last result. */
  action: (formData: FormData) => void;
  state: ActionState;
  /** Hidden fields naming the target. */
  hidden: Record<string, string>;
  /** Options submitted with the confirmation. */
  children?: ReactNode;
  testId?: string;
}

export function ConfirmDialog({
  triggerLabel,
  triggerAriaLabel,
  title,
  description,
  confirmLabel,
  action,
  state,
  hidden,
  children,
  testId,
}: ConfirmDialogProps) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (state.ok) setOpen(false);
  }, [state]);
  return (
    <AlertDialog.Root open={open} onOpenChange={setOpen}>
      <AlertDialog.Trigger asChild>
        <button type="button" className="danger" aria-label={triggerAriaLabel}>
          {triggerLabel}
        </button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog" data-testid={testId}>
          <AlertDialog.Title className="dialog-title">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="dialog-description">{description}</div>
          </AlertDialog.Description>
          <form action={action} className="form">
            {Object.entries(hidden).map(([name, value]) => (
              <input key={name} type="hidden" name={name} value={value} />
            ))}
            {children}
            <FormMessage state={state} />
            <div className="form-actions">
              <AlertDialog.Cancel asChild>
                <button type="button" className="secondary">
                  Cancel
                </button>
              </AlertDialog.Cancel>
              <SubmitButton className="danger">{confirmLabel}</SubmitButton>
            </div>
          </form>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
