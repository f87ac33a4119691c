'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { SubmitButton } from '@/components/submit-button';
import { changeRoleAction, removeMemberAction } from './actions';
import { ROLE_OPTIONS } from './roles';

/**
 * Change one member's role (a refusal is shown in the row) or remove them after a confirmation
 * naming them (a refusal is shown in the dialog).
 */
export function MemberControls({
  ecosystem,
  userId,
  email,
  role,
}: {
  ecosystem: string;
  userId: string;
  email: string;
  role: string;
}) {
  const [changed, change] = useActionState<ActionState, FormData>(changeRoleAction, {});
  const [removed, remove] = useActionState<ActionState, FormData>(removeMemberAction, {});
  const refusal = changed.ok === false ? changed : undefined;
  const selectId = `role-${userId}`;
  return (
    <>
      <form action={change} className="inline-form">
        <input type="hidden" name="ecosystem" value={ecosystem} />
        <input type="hidden" name="userId" value={userId} />
        <label htmlFor={selectId} className="visually-hidden">
          Role of {email}
        </label>
        <select id={selectId} name="role" defaultValue={role} key={role}>
          {ROLE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.value}
            </option>
          ))}
        </select>
        <SubmitButton className="" aria-label={`Change the role of ${email}`}>
          Change role
        </SubmitButton>
      </form>
      <ConfirmDialog
        triggerLabel="Remove"
        triggerAriaLabel={`Remove ${email}`}
        title={`Remove ${email} from ${ecosystem}?`}
        confirmLabel={`Remove ${email}`}
        action={remove}
        state={removed}
        hidden={{ ecosystem, userId }}
        description={
          <>
            <p>
              <strong>{email}</strong> loses the {role} role in <strong>{ecosystem}</strong> and no
              longer sees it (administrators still do). Their account, tokens and the workspaces
              they created stay; add them again to give the access back.
            </p>
          </>
        }
      />
      {refusal && (
        <span role="alert" className="inline-error">
          {refusal.message}
        </span>
      )}
    </>
  );
}
