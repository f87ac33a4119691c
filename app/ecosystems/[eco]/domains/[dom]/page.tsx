// GET /ecosystems/{eco}/domains/{dom} — one domain: what it is, its apps (paged) and, for those
// whose role allows, the forms to create an app (owners and developers), edit and delete the
// domain (owners). The actions authorise again.

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
import { CreateObjectForm, DeleteObjectControl, EditObjectForm } from '../../../object-forms';
import { objectPagePath } from '../../../object-paths';
import {
  LeftBehindNotice,
  ChildList,
  cursorParam,
  DatabaseDown,
  ObjectFacts,
  ReadOnlyNote,
  StaleCursor,
} from '../../../object-views';
import { removesText } from '../../../removes-text';
import { formValuesOf } from '../../../resource-form';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

interface DomainProps {
  params: Promise<{ eco: string; dom: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function DomainPage({ params, searchParams }: DomainProps) {
  const { eco, dom } = await params;
  if (![eco, dom].every(isDnsLabel)) notFound();
  const query = await searchParams;
  const cursor = cursorParam(query.cursor);
  const path = objectPagePath('domain', { ecosystem: eco, name: dom });
  const principal = await requirePrincipal(
    cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path,
  );
  const ctx = await contextFor(principal);
  const key = { ecosystem: eco, name: dom };

  let domain, counts, apps, childCounts;
  try {
    domain = await getObject(ctx, { level: 'domain', key });
    counts = await countBelow(ctx, { level: 'domain', key });
    apps = await listObjects(ctx, {
      level: 'app',
      parent: { ecosystem: eco, domain: dom },
      limit: PAGE_SIZE,
      ...(cursor && { cursor }),
    });
    childCounts = await countBelowEach(ctx, 'app', apps.items);
  } catch (error) {
    if (hasErrorCode(error, 'NOT_FOUND')) notFound();
    if (cursor && hasErrorCode(error, 'INVALID')) return <StaleCursor basePath={path} />;
    if (hasErrorCode(error, 'UNAVAILABLE')) return <DatabaseDown />;
    throw error;
  }
  const allowed = new Set(await allowedActions(ctx, eco));
  const mayWriteDomain = allowed.has('domain.write');
  const mayCreateApp = allowed.has('app.write');

  return (
    <div className="resource-page">
      <Breadcrumbs
        trail={[
          { label: 'Ecosystems', href: '/ecosystems' },
          { label: eco, href: objectPagePath('ecosystem', { name: eco }) },
          { label: dom },
        ]}
      />
      <LeftBehindNotice left={query.left} />
      <div className="page-header">
        <h1>
          Domain {eco}/<strong>{dom}</strong>
        </h1>
        <ViewYamlLink path={[eco, dom]} />
      </div>
      <ObjectFacts object={domain} counts={counts} />
      {!mayWriteDomain && !mayCreateApp && <ReadOnlyNote what="this domain" />}

      <section className="panel" aria-labelledby="apps-title">
        <h2 id="apps-title">Apps</h2>
        <ChildList
          level="app"
          items={apps.items}
          basePath={path}
          cursor={cursor}
          nextCursor={apps.nextCursor}
          counts={childCounts}
          empty={
            mayCreateApp ? (
              <p>
                An app is a codebase: a path on a host or a git repository. Create one below, then
                give it a workspace to develop in.
              </p>
            ) : (
              <p className="muted">Owners and developers of this ecosystem can create apps.</p>
            )
          }
        />
      </section>
      {mayCreateApp && (
        <section className="panel" aria-labelledby="create-app-title">
          <h2 id="create-app-title">Create an app</h2>
          <CreateObjectForm level="app" parent={{ ecosystem: eco, domain: dom }} />
        </section>
      )}
      {mayWriteDomain && (
        <>
          <section className="panel" aria-labelledby="edit-title">
            <h2 id="edit-title">Edit domain</h2>
            <EditObjectForm
              level="domain"
              parent={{ ecosystem: eco }}
              name={dom}
              version={domain.version}
              values={formValuesOf(domain)}
            />
          </section>
          <section className="panel danger-zone" aria-labelledby="delete-title">
            <h2 id="delete-title">Delete domain</h2>
            <DeleteObjectControl
              level="domain"
              parent={{ ecosystem: eco }}
              name={dom}
              removes={removesText(counts)}
              workspaces={counts.workspace ?? 0}
            />
          </section>
        </>
      )}
    </div>
  );
}
