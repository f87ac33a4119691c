// What a list shows when it has nothing: what the thing is and what to do next.

import type { ReactNode } from 'react';

export function EmptyState({
  title,
  children,
  testId,
}: {
  title: ReactNode;
  /** What to do next (a form below, someone to ask, a command). */
  children?: ReactNode;
  testId?: string;
}) {
  return (
    <section className="empty" data-testid={testId}>
      <p>
        <strong>{title}</strong>
      </p>
      {children}
    </section>
  );
}
