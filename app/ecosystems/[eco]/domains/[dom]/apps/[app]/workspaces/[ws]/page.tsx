// GET /ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws} — one workspace: its runtime
// state as its host reports it now (never a cached guess), where it runs, and start/stop for those
// who may operate it (the actions authorise again), and its terminal sessions.

import { notFound } from 'next/navigation';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { Notice } from '@/components/notice';
import { TerminalsPanel } from '@/components/terminal/terminals-panel';
import { Time } from '@/components/time';
import { ViewYamlLink } from '@/components/view-yaml-link';
import { isDnsLabel } from '@/lib/contracts/names';
import { allowedActions } from '@/lib/domain/authorize';
import { effectiveConfiguration } from '@/lib/domain/effective-configuration';
import { getObject } from '@/lib/domain/get-object';
import { reconcileWorkspace } from '@/lib/domain/runtime/reconcile';
import { runtimeStatus } from '@/lib/domain/runtime/runtime-status';
import { hasErrorCode } from '@/lib/errors';
import { lifecycleContextFor, requirePrincipal } from '@/lib/server/session';
import { buildView } from '@/lib/domain/builds/build-view';
import { listBuilds } from '@/lib/domain/builds/list-builds';
import { DeleteObjectControl, EditObjectForm } from '../../../../../../../object-forms';
import { objectPagePath } from '../../../../../../../object-paths';
import { formValuesOf } from '../../../../../../../resource-form';
import { BuildPanel } from './build-panel';
import { LifecycleControls } from './lifecycle-controls';

export const dynamic = 'force-dynamic';

interface WorkspaceProps {
  params: Promise<{ eco: string; dom: string; app: string; ws: string }>;
}

const STATE_WORDS: Record<string, string> = {
  'not-created': 'Not created yet',
  running: 'Running',
  stopped: 'Stopped',
  missing: 'Missing',
  unknown: 'Unknown',
};

export default async function WorkspacePage({ params }: WorkspaceProps) {
  const { eco, dom, app, ws } = await params;
  if (![eco, dom, app, ws].every(isDnsLabel)) notFound();
  const path = `/ecosystems/${eco}/domains/${dom}/apps/${app}/workspaces/${ws}`;
  const principal = await requirePrincipal(path);
  const ctx = await lifecycleContextFor(principal);

  let workspace;
  try {
    workspace = await getObject(ctx, {
      level: 'workspace',
      key: { ecosystem: eco, domain: dom, app, name: ws },
    });
  } catch (error) {
    if (hasErrorCode(error, 'NOT_FOUND')) notFound();
    if (hasErrorCode(error, 'UNAVAILABLE')) {
      return (
        <Notice title="The database cannot be reached." alert>
          <p>{error.message}</p>
        </Notice>
      );
    }
    throw error;
  }
  const placement = await reconcileWorkspace(ctx, workspace.id);
  const status = runtimeStatus(placement);
  const state = String(status.state);
  const allowed = new Set(await allowedActions(ctx, eco));
  const mayOperate = allowed.has('workspace.operate');
  const mayWrite = allowed.has('workspace.write');
  const key = { ecosystem: eco, domain: dom, app, name: ws };
  const builds = (await listBuilds(ctx, key, { limit: 10 })).items.map(buildView);
  const active = builds.find((b) => b.status === 'queued' || b.status === 'running');
  const settings = await effectiveConfiguration(ctx, key);
  const apiPath = `/api/v1${path}`;

  return (
    <>
      <Breadcrumbs
        trail={[
          { label: 'Ecosystems', href: '/ecosystems' },
          { label: eco, href: objectPagePath('ecosystem', { name: eco }) },
          { label: dom, href: objectPagePath('domain', { ecosystem: eco, name: dom }) },
          { label: app, href: objectPagePath('app', { ecosystem: eco, domain: dom, name: app }) },
          { label: ws },
        ]}
      />
      <div className="page-header">
        <h1>
          {eco}/{dom}/{app}/<strong>{ws}</strong>
        </h1>
        <ViewYamlLink path={[eco, dom, app, ws]} />
      </div>
      <section className="panel" aria-labelledby="runtime-title">
        <h2 id="runtime-title">Container</h2>
        <dl className="facts" data-testid="workspace-state" data-state={state}>
          <dt>State</dt>
          <dd>
            <span className={`chip state-${state}`}>{STATE_WORDS[state] ?? state}</span>
            {typeof status.reason === 'string' && <span className="muted"> — {status.reason}</span>}
          </dd>
          {placement && (
            <>
              <dt>Asked for</dt>
              <dd>{placement.desired}</dd>
              <dt>Host</dt>
              <dd>{placement.host}</dd>
              <dt>Container</dt>
              <dd>
                <code>{placement.containerName}</code>
              </dd>
              <dt>Image</dt>
              <dd>
                <code>{placement.image}</code>
              </dd>
              {placement.observedAt && (
                <>
                  <dt>Checked</dt>
                  <dd>
                    <Time value={placement.observedAt} precise />
                  </dd>
                </>
              )}
            </>
          )}
        </dl>
        {mayOperate ? (
          <LifecycleControls
            names={{ ecosystem: eco, domain: dom, app, workspace: ws }}
            state={state}
          />
        ) : (
          <p className="muted">You can see this workspace but not start or stop it.</p>
        )}
      </section>
      <TerminalsPanel apiPath={apiPath} mayOpen={mayOperate} running={state === 'running'} />
      <BuildPanel
        apiPath={apiPath}
        mayBuild={mayOperate}
        {...(active && { activeBuildId: active.id })}
      />
      <section className="panel" aria-labelledby="effective-title">
        <h2 id="effective-title">Effective configuration</h2>
        <p className="muted">
          What the next build and start use. Settings are inherited ecosystem → domain → app →
          workspace; the lowest level that sets one wins.
        </p>
        <div className="table-wrap">
          <table data-testid="effective-configuration">
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Value</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {settings.map((row) => (
                <tr key={row.setting} data-setting={row.setting}>
                  <td>{row.setting}</td>
                  <td>
                    <code>{row.value}</code>
                  </td>
                  <td className={row.source === 'default' ? 'muted' : undefined}>{row.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="panel" aria-labelledby="history-title">
        <h2 id="history-title">Build history</h2>
        {builds.length === 0 ? (
          <p className="muted">
            No builds yet. Build the image to start the workspace from it, or name a ready image in
            the workspace&apos;s spec.image.name.
          </p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Status</th>
                  <th scope="col">By</th>
                  <th scope="col">Builder</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Image</th>
                </tr>
              </thead>
              <tbody>
                {builds.map((build) => (
                  <tr key={build.id}>
                    <td>
                      <Time value={new Date(build.createdAt)} precise />
                    </td>
                    <td>
                      {build.status}
                      {build.failure && (
                        <span className="muted">
                          {' '}
                          — {build.failure.failedStep ?? build.failure.message}
                          {build.failure.exitCode !== undefined &&
                            ` (exit code ${build.failure.exitCode})`}
                        </span>
                      )}
                    </td>
                    <td>{build.requestedBy}</td>
                    <td>{build.builder ?? '—'}</td>
                    <td>
                      {build.durationMs !== undefined
                        ? `${(build.durationMs / 1000).toFixed(1)} s`
                        : '—'}
                    </td>
                    <td>{build.tag ? <code>{build.tag}</code> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {mayWrite && (
        <>
          <section className="panel" aria-labelledby="edit-title">
            <h2 id="edit-title">Edit workspace</h2>
            <EditObjectForm
              level="workspace"
              parent={{ ecosystem: eco, domain: dom, app }}
              name={ws}
              version={workspace.version}
              values={formValuesOf(workspace)}
            />
          </section>
          <section className="panel danger-zone" aria-labelledby="delete-title">
            <h2 id="delete-title">Delete workspace</h2>
            <DeleteObjectControl
              level="workspace"
              parent={{ ecosystem: eco, domain: dom, app }}
              name={ws}
              removes=""
              workspaces={placement ? 1 : 0}
            />
          </section>
        </>
      )}
    </>
  );
}
