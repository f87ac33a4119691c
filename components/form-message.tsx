// The form-level outcome of a server action: an alert when it failed, a status line when it
// worked. Field errors are shown beside their fields instead (see field.tsx).

import type { ActionState } from './action-state';

export function FormMessage({ state }: { state: ActionState }) {
  if (state.ok === undefined || !state.message) return null;
  return state.ok ? (
    <p role="status" className="form-message success">
      {state.message}
    </p>
  ) : (
    <p role="alert" className="form-message error">
      {state.message}
    </p>
  );
}
