// GET /hosts — every host with its health (and why it is not healthy), platforms, runtime,
// capacity, last heartbeat, labels and address, a keyset page at a time. Anyone signed in sees
// them (`hosts.read`); administrators also add hosts, issue join tokens and remove hosts, through
// the same use cases as /api/v1/hosts.

import { Notice } from '@/components/notice';
import { Time } from '@/components/time';
import type { HostManifest } from '@/lib/contracts/host';
import { can } from '@/lib/domain/authorize';
import { countHostWorkspaces } from '@/lib/domain/hosts/count-host-workspaces';
import { listHosts } from '@/lib/domain/hosts/list-hosts';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { AddHostForm } from './add-host-form';
import { HostControls } from './host-controls';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

interface HostsProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

function bytes(value: number): string {
  const gib = value / 1024 ** 3;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${Math.round(value / 1024 ** 2)} MiB`;
}

function Health({ host }: { host: HostManifest }) {
  const { status, reason, joinTokenExpiresAt } = host.status;
  const expired = joinTokenExpiresAt !== undefined && new Date(joinTokenExpiresAt) < new Date();
  return (
    <>
      <span className={`badge health-${status}`} data-testid="host-health">
        {status}
      </span>
      {status === 'pending' && (
        <p className="muted host-note">
          {expired
            ? 'No agent joined before the join token expired: issue a new join token and start the agent with it.'
            : joinTokenExpiresAt
              ? 'Waiting for its agent to join with the join token.'
              : 'No agent has joined: issue a join token and start the agent with it.'}
        </p>
      )}
      {status !== 'pending' && reason && <p className="host-note host-reason">{reason}</p>}
    </>
  );
}

function Capacity({ host }: { host: HostManifest }) {
  const capacity = host.status.capacity;
  if (!capacity) return <span className="muted">not reported yet</span>;
  const parts = [
    capacity.cpus !== undefined && `${capacity.cpus} CPUs`,
    capacity.memoryBytes !== undefined && bytes(capacity.memoryBytes),
    capacity.runningWorkspaces !== undefined && `${capacity.runningWorkspaces} running`,
  ].filter(Boolean);
  return <>{parts.length > 0 ? parts.join(' · ') : <span className="muted">unknown</span>}</>;
}

function HostItem({
  host,
  workspaces,
  manage,
}: {
  host: HostManifest;
  /** Shown to those who manage hosts only. */
  workspaces?: number;
  manage: boolean;
}) {
  const { name, labels } = host.metadata;
  const { status } = host;
  const platforms = status.platforms ?? [];
  return (
    <li
      data-testid={`host-${name}`}
      data-status={status.status}
      aria-labelledby={`host-${name}-name`}
    >
      <div className="item-title">
        <h2 className="item-name" id={`host-${name}-name`}>
          {name}
        </h2>
        <span>
          <Health host={host} />
        </span>
      </div>
      <dl className="facts">
        <dt>Address</dt>
        <dd>
          {host.spec.address ? (
            <code>{host.spec.address}</code>
          ) : (
            <span className="muted">reported when the agent joins</span>
          )}
        </dd>
        <dt>Platforms</dt>
        <dd data-testid="host-platforms">
          {platforms.length === 0 ? (
            <span className="muted">not reported yet</span>
          ) : (
            platforms.map((p) => `${p.name}${p.active ? ' (active)' : ''}`).join(', ')
          )}
        </dd>
        <dt>Runtime</dt>
        <dd>
          {status.runtime ?? <span className="muted">not reported yet</span>}
          {status.agentVersion && <span className="muted"> · agent {status.agentVersion}</span>}
        </dd>
        <dt>Capacity</dt>
        <dd>
          <Capacity host={host} />
        </dd>
        {workspaces !== undefined && (
          <>
            <dt>Workspaces placed</dt>
            <dd>{workspaces}</dd>
          </>
        )}
        <dt>Last heartbeat</dt>
        <dd data-testid="host-heartbeat">
          {status.lastHeartbeat ? <Time value={new Date(status.lastHeartbeat)} precise /> : 'never'}
        </dd>
        <dt>Labels</dt>
        <dd>
          {Object.keys(labels).length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <ul className="chips" aria-label={`Labels of ${name}`}>
              {Object.entries(labels).map(([key, value]) => (
                <li key={key} className="chip">
                  {key}={value}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {manage && <HostControls host={name} workspaces={workspaces ?? 0} />}
    </li>
  );
}

export default async function HostsPage({ searchParams }: HostsProps) {
  const params = await searchParams;
  const cursor = typeof params.cursor === 'string' && params.cursor ? params.cursor : undefined;
  const principal = await requirePrincipal(
    cursor ? `/hosts?cursor=${encodeURIComponent(cursor)}` : '/hosts',
  );
  const ctx = await contextFor(principal);
  let page;
  try {
    page = await listHosts(ctx, { limit: PAGE_SIZE, ...(cursor && { cursor }) });
  } catch (error) {
    if (cursor && hasErrorCode(error, 'INVALID')) {
      return (
        <Notice title="That page of hosts is no longer valid.">
          <p>
            <a href="/hosts">Start from the first page</a>.
          </p>
        </Notice>
      );
    }
    throw error;
  }
  const manage = await can(ctx, 'hosts.manage');
  // Counted across ecosystems: for those who manage hosts (the delete confirmation needs it).
  const counts = manage
    ? await countHostWorkspaces(
        ctx,
        page.items.map((h) => h.metadata.name),
      )
    : undefined;

  return (
    <>
      <div className="page-header">
        <h1>Hosts</h1>
        <span className="muted">Where workspaces run; each host has its own dvm-agent.</span>
      </div>
      {page.items.length === 0 ? (
        <Notice title={cursor ? 'No more hosts.' : 'No hosts yet.'}>
          {cursor ? (
            <p>
              <a href="/hosts">Back to the first page</a>
            </p>
          ) : (
            <p>
              Workspaces need a host to build and run on. The control plane registers its own
              machine as host <code>local</code> when its embedded agent is on (
              <code>DVM_LOCAL_AGENT=on</code>);{' '}
              {manage
                ? 'or add a host below and start dvm-agent there with its join token.'
                : 'otherwise ask an administrator to add one.'}
            </p>
          )}
        </Notice>
      ) : (
        <ul className="list host-list" aria-label="Hosts">
          {page.items.map((host) => (
            <HostItem
              key={host.metadata.name}
              host={host}
              {...(counts && { workspaces: counts[host.metadata.name] ?? 0 })}
              manage={manage}
            />
          ))}
        </ul>
      )}
      {(cursor || page.nextCursor) && (
        <nav className="pager" aria-label="Pages">
          {cursor && <a href="/hosts">First page</a>}
          {page.nextCursor && (
            <a href={`/hosts?cursor=${encodeURIComponent(page.nextCursor)}`}>Next page</a>
          )}
        </nav>
      )}
      {manage && (
        <section className="panel panel-narrow" aria-labelledby="add-host">
          <h2 id="add-host">Add a host</h2>
          <p className="muted">
            Registers the host and shows a one-time join token (valid for an hour) and the dvm-agent
            command to run on that machine.
          </p>
          <AddHostForm />
        </section>
      )}
    </>
  );
}
