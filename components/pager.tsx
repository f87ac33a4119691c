// Keyset paging links: "First page" when not on it, "Next page" when there is one. Cursors are
// opaque strings from the store; there is no "previous" because keyset cursors only go forward.

import Link from 'next/link';

export function Pager({
  basePath,
  cursor,
  nextCursor,
  label = 'Pages',
  param = 'cursor',
}: {
  /** The list's page, without query. */
  basePath: string;
  /** The cursor of the page shown; absent on the first page. */
  cursor?: string | undefined;
  nextCursor?: string | undefined;
  /** The navigation's accessible name (when a page has two lists). */
  label?: string;
  param?: string;
}) {
  if (!cursor && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={label}>
      {cursor && <Link href={basePath}>First page</Link>}
      {nextCursor && (
        <Link href={`${basePath}?${new URLSearchParams({ [param]: nextCursor })}`}>Next page</Link>
      )}
    </nav>
  );
}
