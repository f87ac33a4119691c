// GET /ecosystems/{eco}/domains/{dom}/apps/{app} — one app: its source and build settings, its
// workspaces (paged) each with its runtime state as reconciliation last read it back from the host
// (one batched read for the whole page, never a query per row), and, for owners and developers,
// the forms to create a workspace, edit and delete the app. The actions authorise again.

import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { EmptyState } from '@/components/empty-state';
import { Pager } from '@/components/pager';
import { StatusBadge } from '@/components/status-badge';
import { Time } from '@/components/time';
import { ViewYamlLink } from '@/components/view-yaml-link';
import { isDnsLabel } from '@/lib/contracts/names';
import { allowedActions } from '@/lib/domain/authorize';
import { countBelow } from '@/lib/domain/count-below';
import { getObject } from '@/lib/domain/get-object';
import { listWorkspaceStates } from '@/lib/domain/runtime/list-workspace-states';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { CreateObjectForm, DeleteObjectControl, EditObjectForm } from '../../../../../object-forms';
import { objectPagePath } from '../../../../../object-paths';
import {
  LeftBehindNotice,
  cursorParam,
  DatabaseDown,
  ObjectFacts,
  ReadOnlyNote,
  StaleCursor,
} from '../../../../../object-views';
import { removesText } from '../../../../../removes-text';
import { formValuesOf, SPEC_FIELDS } from '../../../../../resource-form';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

interface AppProps {
  params: Promise<{ eco: string; dom: string; app: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function AppPage({ params, searchParams }: AppProps) {
  const { eco, dom, app } = await params;
  if (![eco, dom, app].every(isDnsLabel)) notFound();
  const query = await searchParams;
  const cursor = cursorParam(query.cursor);
  const path = objectPagePath('app', { ecosystem: eco, domain: dom, name: app });
  const principal = await requirePrincipal(
    cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path,
  );
  const ctx = await contextFor(principal);
  const key = { ecosystem: eco, domain: dom, name: app };

  let appObject, counts, workspaces;
  try {
    appObject = await getObject(ctx, { level: 'app', key });
    counts = await countBelow(ctx, { level: 'app', key });
    workspaces = await listWorkspaceStates(ctx, {
      ecosystem: eco,
      domain: dom,
      app,
      limit: PAGE_SIZE,
      ...(cursor && { cursor }),
    });
  } catch (error) {
    if (hasErrorCode(error, 'NOT_FOUND')) notFound();
    if (cursor && hasErrorCode(error, 'INVALID')) return <StaleCursor basePath={path} />;
    if (hasErrorCode(error, 'UNAVAILABLE')) return <DatabaseDown />;
    throw error;
  }
  const mayWrite = new Set(await allowedActions(ctx, eco)).has('app.write');
  const source = formValuesOf(appObject);

  return (
    <div className="resource-page">
      <Breadcrumbs
        trail={[
          { label: 'Ecosystems', href: '/ecosystems' },
          { label: eco, href: objectPagePath('ecosystem', { name: eco }) },
          { label: dom, href: objectPagePath('domain', { ecosystem: eco, name: dom }) },
          { label: app },
        ]}
      />
      <LeftBehindNotice left={query.left} />
      <div className="page-header">
        <h1>
          App {eco}/{dom}/<strong>{app}</strong>
        </h1>
        <ViewYamlLink path={[eco, dom, app]} />
      </div>
      <ObjectFacts object={appObject} counts={counts}>
        {SPEC_FIELDS.app
          .filter((field) => source[field.name])
          .map((field) => (
            <SourceFact key={field.name} label={field.label} value={source[field.name]!} />
          ))}
      </ObjectFacts>
      {!mayWrite && <ReadOnlyNote what="this app" />}

      <section className="panel" aria-labelledby="workspaces-title">
        <h2 id="workspaces-title">Workspaces</h2>
        {workspaces.items.length === 0 && !cursor ? (
          <EmptyState title="No workspaces yet." testId="empty-workspace">
            {mayWrite ? (
              <p>
                A workspace is a container to develop this app in. Create one below, then open it to
                build its image and start it.
              </p>
            ) : (
              <p className="muted">
                Owners and developers of this ecosystem can create workspaces.
              </p>
            )}
          </EmptyState>
        ) : (
          <>
            <p className="muted">
              States as last read back from each host (every few seconds); a workspace&apos;s page
              asks its host again when opened.
            </p>
            <div className="table-wrap">
              <table aria-label="Workspaces" data-testid="workspace-list">
                <thead>
                  <tr>
                    <th scope="col">Workspace</th>
                    <th scope="col">State</th>
                    <th scope="col">Asked for</th>
                    <th scope="col">Host</th>
                    <th scope="col">Checked</th>
                  </tr>
                </thead>
                <tbody>
                  {workspaces.items.map(({ workspace, placement }) => (
                    <tr key={workspace.id} data-testid={`workspace-row-${workspace.name}`}>
                      <th scope="row">
                        <Link href={objectPagePath('workspace', workspace)}>{workspace.name}</Link>
                      </th>
                      <td>
                        <StatusBadge
                          state={placement?.observed ?? 'not-created'}
                          reason={placement?.reason}
                        />
                      </td>
                      <td>{placement?.desired ?? '—'}</td>
                      <td>{placement?.host ?? '—'}</td>
                      <td>
                        <Time value={placement?.observedAt} fallback="never" precise />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              basePath={path}
              cursor={cursor}
              nextCursor={workspaces.nextCursor}
              label="Pages of workspaces"
            />
          </>
        )}
      </section>
      {mayWrite && (
        <>
          <section className="panel" aria-labelledby="create-workspace-title">
            <h2 id="create-workspace-title">Create a workspace</h2>
            <CreateObjectForm level="workspace" parent={{ ecosystem: eco, domain: dom, app }} />
          </section>
          <section className="panel" aria-labelledby="edit-title">
            <h2 id="edit-title">Edit app</h2>
            <EditObjectForm
              level="app"
              parent={{ ecosystem: eco, domain: dom }}
              name={app}
              version={appObject.version}
              values={source}
            />
          </section>
          <section className="panel danger-zone" aria-labelledby="delete-title">
            <h2 id="delete-title">Delete app</h2>
            <DeleteObjectControl
              level="app"
              parent={{ ecosystem: eco, domain: dom }}
              name={app}
              removes={removesText(counts)}
              workspaces={counts.workspace ?? 0}
            />
          </section>
        </>
      )}
    </div>
  );
}

function SourceFact({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <code>{value}</code>
      </dd>
    </>
  );
}
