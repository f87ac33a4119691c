// GET /ecosystems/{eco} — one ecosystem: what it is, how much is in it, its domains (paged) and,
// for those whose role allows, the forms to create a domain, edit the ecosystem and delete it (the
// actions authorise again).

import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { ViewYamlLink } from '@/components/view-yaml-link';
import { isDnsLabel } from '@/lib/contracts/names';
import { allowedActions } from '@/lib/domain/authorize';
import { countBelow, countBelowEach } from '@/lib/domain/count-below';
import { getObject } from '@/lib/domain/get-object';
import { listObjects } from '@/lib/domain/list-objects';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { CreateObjectForm, DeleteObjectControl, EditObjectForm } from '../object-forms';
import { objectPagePath } from '../object-paths';
import {
  LeftBehindNotice,
  ChildList,
  cursorParam,
  DatabaseDown,
  ObjectFacts,
  ReadOnlyNote,
  StaleCursor,
} from '../object-views';
import { removesText } from '../removes-text';
import { formValuesOf } from '../resource-form';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

interface EcosystemProps {
  params: Promise<{ eco: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function EcosystemPage({ params, searchParams }: EcosystemProps) {
  const { eco } = await params;
  if (!isDnsLabel(eco)) notFound();
  const query = await searchParams;
  const cursor = cursorParam(query.cursor);
  const path = objectPagePath('ecosystem', { name: eco });
  const principal = await requirePrincipal(
    cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path,
  );
  const ctx = await contextFor(principal);
  const key = { name: eco };

  let ecosystem, counts, domains, childCounts;
  try {
    ecosystem = await getObject(ctx, { level: 'ecosystem', key });
    counts = await countBelow(ctx, { level: 'ecosystem', key });
    domains = await listObjects(ctx, {
      level: 'domain',
      parent: { ecosystem: eco },
      limit: PAGE_SIZE,
      ...(cursor && { cursor }),
    });
    childCounts = await countBelowEach(ctx, 'domain', domains.items);
  } catch (error) {
    if (hasErrorCode(error, 'NOT_FOUND')) notFound();
    if (cursor && hasErrorCode(error, 'INVALID')) return <StaleCursor basePath={path} />;
    if (hasErrorCode(error, 'UNAVAILABLE')) return <DatabaseDown />;
    throw error;
  }
  const allowed = new Set(await allowedActions(ctx, eco));
  const mayEdit = allowed.has('ecosystem.update');
  const mayDelete = allowed.has('ecosystem.delete');
  const mayCreateDomain = allowed.has('domain.write');

  return (
    <div className="resource-page">
      <Breadcrumbs trail={[{ label: 'Ecosystems', href: '/ecosystems' }, { label: eco }]} />
      <LeftBehindNotice left={query.left} />
      <div className="page-header">
        <h1>
          Ecosystem <strong>{eco}</strong>
        </h1>
        <span className="page-links">
          <Link href={`${path}/members`}>Members and roles</Link>
          <ViewYamlLink path={[eco]} />
        </span>
      </div>
      <ObjectFacts object={ecosystem} counts={counts} />
      {!mayEdit && !mayCreateDomain && <ReadOnlyNote what="this ecosystem" />}

      <section className="panel" aria-labelledby="domains-title">
        <h2 id="domains-title">Domains</h2>
        <ChildList
          level="domain"
          items={domains.items}
          basePath={path}
          cursor={cursor}
          nextCursor={domains.nextCursor}
          counts={childCounts}
          empty={
            mayCreateDomain ? (
              <p>A domain groups related apps (a team or a bounded context). Create one below.</p>
            ) : (
              <p className="muted">An owner of this ecosystem can create domains.</p>
            )
          }
        />
      </section>
      {mayCreateDomain && (
        <section className="panel" aria-labelledby="create-domain-title">
          <h2 id="create-domain-title">Create a domain</h2>
          <CreateObjectForm level="domain" parent={{ ecosystem: eco }} />
        </section>
      )}
      {mayEdit && (
        <section className="panel" aria-labelledby="edit-title">
          <h2 id="edit-title">Edit ecosystem</h2>
          <EditObjectForm
            level="ecosystem"
            parent={{}}
            name={eco}
            version={ecosystem.version}
            values={formValuesOf(ecosystem)}
          />
        </section>
      )}
      {mayDelete && (
        <section className="panel danger-zone" aria-labelledby="delete-title">
          <h2 id="delete-title">Delete ecosystem</h2>
          <DeleteObjectControl
            level="ecosystem"
            parent={{}}
            name={eco}
            removes={removesText(counts)}
            workspaces={counts.workspace ?? 0}
          />
        </section>
      )}
    </div>
  );
}
