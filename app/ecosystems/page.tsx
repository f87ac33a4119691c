// GET /ecosystems — the ecosystems the user can see, one keyset page at a time, and (for
// administrators, who alone may create them) the form to create one.

import { Breadcrumbs } from '@/components/breadcrumbs';
import { can } from '@/lib/domain/authorize';
import { countBelowEach } from '@/lib/domain/count-below';
import { listEcosystems } from '@/lib/domain/list-ecosystems';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { CreateObjectForm } from './object-forms';
import {
  LeftBehindNotice,
  ChildList,
  cursorParam,
  DatabaseDown,
  StaleCursor,
} from './object-views';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;
const BASE = '/ecosystems';

interface EcosystemsProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function EcosystemsPage({ searchParams }: EcosystemsProps) {
  const query = await searchParams;
  const cursor = cursorParam(query.cursor);
  const principal = await requirePrincipal(
    cursor ? `${BASE}?cursor=${encodeURIComponent(cursor)}` : BASE,
  );
  const ctx = await contextFor(principal);
  const crumbs = <Breadcrumbs trail={[{ label: 'Ecosystems' }]} />;

  let page, counts;
  try {
    page = await listEcosystems(ctx, { limit: PAGE_SIZE, ...(cursor && { cursor }) });
    counts = await countBelowEach(ctx, 'ecosystem', page.items);
  } catch (error) {
    if (cursor && hasErrorCode(error, 'INVALID')) return <StaleCursor basePath={BASE} />;
    if (hasErrorCode(error, 'UNAVAILABLE')) return <DatabaseDown />;
    throw error;
  }
  const mayCreate = await can(ctx, 'ecosystem.create');

  return (
    <div className="resource-page">
      {crumbs}
      <LeftBehindNotice left={query.left} />
      <div className="page-header">
        <h1>Ecosystems</h1>
      </div>
      <section aria-labelledby="ecosystems-title">
        <h2 id="ecosystems-title" className="visually-hidden">
          Ecosystem list
        </h2>
        <ChildList
          level="ecosystem"
          items={page.items}
          basePath={BASE}
          cursor={cursor}
          nextCursor={page.nextCursor}
          counts={counts}
          empty={
            mayCreate ? (
              <p>
                An ecosystem is the top of the hierarchy: it holds domains, their apps and the
                apps&apos; workspaces. Create the first one with the form below, then give people
                roles in it from its members page.
              </p>
            ) : (
              <p className="muted">
                You see the ecosystems where you hold a role. Ask an ecosystem owner or an
                administrator to add you.
              </p>
            )
          }
        />
      </section>
      {mayCreate && (
        <section className="panel" aria-labelledby="create-ecosystem-title">
          <h2 id="create-ecosystem-title">Create an ecosystem</h2>
          <CreateObjectForm level="ecosystem" parent={{}} />
        </section>
      )}
    </div>
  );
}
