// The result a form's server action hands back to the form (React's useActionState). Generic: the
// action decides the codes and messages; forms only display them. Never carries a password.

export interface ActionState {
  /** Undefined until the form was submitted once. */
  ok?: boolean;
  /** The error code on failure (UNAUTHENTICATED, FORBIDDEN, INVALID, …). */
  code?: string;
  /** For the whole form: what went wrong, or what was done. */
  message?: string;
  /** Messages by field name, shown beside the field. */
  fieldErrors?: Record<string, string>;
  /** The submitted values (never secrets), so a refused form keeps what the user typed. */
  values?: Record<string, string>;
}

export const initialActionState: ActionState = {};
