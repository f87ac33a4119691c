// GET / — the ecosystems, one keyset page at a time, and what to do when there are none.

import Link from 'next/link';
import { listEcosystems } from '@/lib/domain/list-ecosystems';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import type { StoredObject } from '@/lib/store/data-store';

// Reads the database on every request; nothing here may be prerendered at build time.
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

const dateFormat = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

interface HomeProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function HomePage({ searchParams }: HomeProps) {
  const { cursor: rawCursor, password } = await searchParams;
  const cursor = typeof rawCursor === 'string' && rawCursor !== '' ? rawCursor : undefined;
  const principal = await requirePrincipal(cursor ? `/?cursor=${encodeURIComponent(cursor)}` : '/');
  const ctx = await contextFor(principal);

  let page;
  try {
    page = await listEcosystems(ctx, { limit: PAGE_SIZE, ...(cursor && { cursor }) });
  } catch (error) {
    if (cursor && hasErrorCode(error, 'INVALID')) return <StaleCursor />;
    if (hasErrorCode(error, 'UNAVAILABLE')) {
      console.error(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'error',
          msg: 'home: ' + error.message,
        }),
      );
      return <DatabaseUnavailable />;
    }
    throw error;
  }

  return (
    <>
      <div className="page-header">
        <h1>Ecosystems</h1>
        <Link href="/ecosystems">Manage ecosystems</Link>
      </div>
      {password === 'changed' && (
        <p role="status" className="notice">
          Your password was changed. Your other browser sessions were signed out.
        </p>
      )}
      {page.items.length === 0 && !cursor ? (
        <EmptyState admin={principal.user.isAdmin} />
      ) : (
        <ul className="list" aria-label="Ecosystems">
          {page.items.map((ecosystem) => (
            <EcosystemRow key={ecosystem.id} ecosystem={ecosystem} />
          ))}
        </ul>
      )}
      {(cursor || page.nextCursor) && (
        <nav className="pager" aria-label="Pages">
          {cursor && <Link href="/">First page</Link>}
          {page.nextCursor && (
            <Link href={`/?cursor=${encodeURIComponent(page.nextCursor)}`}>Next page</Link>
          )}
        </nav>
      )}
    </>
  );
}

function EcosystemRow({ ecosystem }: { ecosystem: StoredObject }) {
  const description = ecosystem.annotations.description;
  const labels = Object.entries(ecosystem.labels);
  return (
    <li>
      <div className="item-title">
        <Link href={`/ecosystems/${ecosystem.name}`} className="item-name">
          {ecosystem.name}
        </Link>
        <a href={`/ecosystems/${ecosystem.name}/members`} className="item-link">
          Members<span className="visually-hidden"> of {ecosystem.name}</span>
        </a>
        <span className="item-meta muted">
          Created{' '}
          <time dateTime={ecosystem.createdAt.toISOString()}>
            {dateFormat.format(ecosystem.createdAt)} UTC
          </time>
        </span>
      </div>
      {description ? (
        <p className="item-description">{description}</p>
      ) : (
        <p className="item-description muted">No description.</p>
      )}
      {labels.length > 0 && (
        <ul className="chips" aria-label="Labels">
          {labels.map(([key, value]) => (
            <li key={key} className="chip">
              {key}={value}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function EmptyState({ admin }: { admin: boolean }) {
  return (
    <section className="empty">
      <p>
        <strong>No ecosystems yet.</strong>
      </p>
      <p>
        An ecosystem is the top-level grouping of your platform: it holds domains, their apps, and
        the apps&apos; workspaces.
      </p>
      {admin ? (
        <p className="muted">
          Create the first one on the <Link href="/ecosystems">ecosystems page</Link> (or with{' '}
          <code>POST /api/v1/ecosystems</code>), then give people roles in it from its members page.
        </p>
      ) : (
        <p className="muted">
          You see the ecosystems where you hold a role. Ask an ecosystem owner or an administrator
          to add you.
        </p>
      )}
    </section>
  );
}

function StaleCursor() {
  return (
    <>
      <h1>Ecosystems</h1>
      <section className="empty">
        <p>
          <strong>That page link is no longer valid.</strong>
        </p>
        <p>
          <Link href="/">Go to the first page</Link>
        </p>
      </section>
    </>
  );
}

function DatabaseUnavailable() {
  return (
    <>
      <h1>Ecosystems</h1>
      <section className="empty" role="alert">
        <p>
          <strong>The database cannot be reached.</strong>
        </p>
        <p>
          Reload this page in a moment; if it persists, an administrator can check the server log
          and <code>GET /api/healthz</code>.
        </p>
      </section>
    </>
  );
}
