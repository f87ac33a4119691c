// A boxed message that replaces a page's content: no access, nothing found, or a service down.

import type { ReactNode } from 'react';

export function Notice({
  title,
  children,
  alert = false,
}: {
  title: ReactNode;
  children?: ReactNode;
  /** Announce it (errors); plain notices are just read in order. */
  alert?: boolean;
}) {
  return (
    <section className="empty" {...(alert && { role: 'alert' })}>
      <p>
        <strong>{title}</strong>
      </p>
      {children}
    </section>
  );
}
