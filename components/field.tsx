// Labelled form controls with their error beside them: the input points at its hint and error
// (aria-describedby) and says when it is invalid, so screen readers announce both.

import type {
  InputHTMLAttributes,
  ReactNode,
  SelectHTMLAttributes,
  TextareaHTMLAttributes,
} from 'react';

interface Described {
  /** Shown under the label; says what is expected. */
  hint?: ReactNode;
  /** Shown beside the control when the last submission refused this field. */
  error?: string | undefined;
}

function describedBy(id: string, hint: ReactNode, error: string | undefined) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function Messages({ id, hint, error }: { id: string } & Described) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </>
  );
}

export type FieldProps = Described &
  Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name'> & {
    label: ReactNode;
    name: string;
    /** Defaults to `field-<name>`; give one when a page has two forms with the same field. */
    id?: string;
  };

export function Field({ label, name, id, hint, error, ...input }: FieldProps) {
  const inputId = id ?? `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(inputId, hint, error)}
        {...input}
      />
      <Messages id={inputId} hint={hint} error={error} />
    </div>
  );
}

export type SelectFieldProps = Described &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'name'> & {
    label: ReactNode;
    name: string;
    id?: string;
    options: readonly { value: string; label: string }[];
  };

export function SelectField({
  label,
  name,
  id,
  hint,
  error,
  options,
  ...select
}: SelectFieldProps) {
  const selectId = id ?? `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={selectId}>{label}</label>
      <select
        id={selectId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(selectId, hint, error)}
        {...select}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Messages id={selectId} hint={hint} error={error} />
    </div>
  );
}

export type CheckboxFieldProps = Described &
  Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'name' | 'type'> & {
    label: ReactNode;
    name: string;
    id?: string;
  };

export function CheckboxField({ label, name, id, hint, error, ...input }: CheckboxFieldProps) {
  const inputId = id ?? `field-${name}`;
  return (
    <div className="field field-checkbox">
      <input
        type="checkbox"
        id={inputId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(inputId, hint, error)}
        {...input}
      />
      <label htmlFor={inputId}>{label}</label>
      <Messages id={inputId} hint={hint} error={error} />
    </div>
  );
}

export type TextAreaFieldProps = Described &
  Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'name'> & {
    label: ReactNode;
    name: string;
    id?: string;
  };

export function TextAreaField({ label, name, id, hint, error, ...textarea }: TextAreaFieldProps) {
  const inputId = id ?? `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <textarea
        id={inputId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(inputId, hint, error)}
        {...textarea}
      />
      <Messages id={inputId} hint={hint} error={error} />
    </div>
  );
}
