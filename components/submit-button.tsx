'use client';

// A submit button that is disabled while its form's action runs, so a double click does not send
// the request twice.

import type { ButtonHTMLAttributes } from 'react';
import { useFormStatus } from 'react-dom';

export function SubmitButton({
  children,
  className,
  ...rest
}: Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'>) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className ?? 'primary'} disabled={pending} {...rest}>
      {children}
    </button>
  );
}
