'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/components/action-state';
import { SubmitButton } from '@/components/submit-button';
import { changeRoleAction, removeMemberAction } from './actions';
import { ROLE_OPTIONS } from './roles';

/** Change one member's role or remove them; a refusal is shown in the row. */
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
  const refusal = [changed, removed].find((state) => state.ok === false);
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
      <form action={remove} className="inline-form">
        <input type="hidden" name="ecosystem" value={ecosystem} />
        <input type="hidden" name="userId" value={userId} />
        <SubmitButton className="danger" aria-label={`Remove ${email}`}>
          Remove
        </SubmitButton>
      </form>
      {refusal && (
        <span role="alert" className="inline-error">
          {refusal.message}
        </span>
      )}
    </>
  );
}
