// Start and stop a workspace: authorised, placed on a host the first time, the container made
// to match the current spec (recreated when the spec changed; the source volume is kept), moved
// to the asked state through the host's agent, the outcome recorded as the placement's desired
// and observed state, and audited. The state shown afterwards is what the agent said, not hope.
import { createHash } from 'node:crypto';
import type { AppSpec } from '@/lib/contracts/app';
import type { WorkspaceSpec as WorkspaceManifestSpec } from '@/lib/contracts/workspace';
import { AppError } from '@/lib/errors';
import type { HostAgent, WorkspaceState } from '@/lib/hosts/host-agent';
import type { DataStore, ObjectKey, StoredObject } from '@/lib/store/data-store';
import type { HostRecord, PlacementRecord } from '@/lib/store/host-store';
import { nowOf } from '../action-context';
import { auditEntry } from '../audit-entry';
import { authorize } from '../authorize';
import { objectTarget } from '../object-rules';
import { chooseHost, type HostCandidate } from './choose-host';
import { imageOf, planContainer, type ContainerPlan } from './container-plan';
import type { LifecycleContext } from './host-connector';

// Not io.devopsmaestro.*: those keys are the agent's to set, and the agent refuses them from callers.
export const SPEC_HASH_LABEL = 'devopsmaestro.io/spec-hash';

export interface WorkspaceRuntime {
  workspace: StoredObject;
  placement: PlacementRecord;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The plan with a label that changes whenever anything in it does. */
function labelled(plan: ContainerPlan): ContainerPlan {
  const hash = createHash('sha256').update(stableJson(plan.spec)).digest('hex').slice(0, 16);
  return {
    ...plan,
    spec: { ...plan.spec, labels: { ...plan.spec.labels, [SPEC_HASH_LABEL]: hash } },
  };
}

async function loadWorkspace(ctx: LifecycleContext, key: ObjectKey) {
  await authorize(ctx, 'workspace.operate', key.ecosystem);
  const workspace = await ctx.store.workspaces.get(key);
  const app = await ctx.store.apps.get({
    ecosystem: key.ecosystem,
    domain: key.domain,
    name: key.app!,
  });
  const ecosystem = await ctx.store.ecosystems.get({ name: key.ecosystem! });
  const domain = await ctx.store.domains.get({ ecosystem: key.ecosystem!, name: key.domain! });
  const inheritedEnv = {
    ...(ecosystem.spec.env as Record<string, string> | undefined),
    ...(domain.spec.env as Record<string, string> | undefined),
  };
  return {
    workspace,
    app,
    inheritedEnv,
    path: objectTarget('workspace', key).slice('workspace '.length),
  };
}

/** Every host with its running workspaces, for chooseHost (also used to place builds). */
export async function hostCandidates(store: DataStore): Promise<HostCandidate[]> {
  const running = await store.placements.countRunningByHost();
  const found: HostCandidate[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.hosts.list({ limit: 500, ...(cursor && { cursor }) });
    for (const host of page.items) found.push({ host, running: running[host.name] ?? 0 });
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

async function buildHost(ctx: LifecycleContext, name: string, path: string): Promise<HostRecord> {
  const host = await ctx.store.hosts.find(name);
  if (host) return host;
  throw new AppError(
    'CONFLICT',
    `Workspace ${path} was built on host "${name}", which is no longer registered: build it again (POST …/build).`,
  );
}

function requireHealthy(host: HostRecord): void {
  if (host.status === 'healthy') return;
  throw new AppError(
    'UNAVAILABLE',
    `Host "${host.name}" is ${host.status}${host.statusReason ? `: ${host.statusReason}` : ''}; the workspace cannot be changed until it is healthy again.`,
  );
}

/** Creates the container, or recreates it when the spec changed since it was created. */
async function ensureCurrent(agent: HostAgent, plan: ContainerPlan): Promise<WorkspaceState> {
  const wanted = plan.spec.labels![SPEC_HASH_LABEL];
  const existing = await agent.ensure(plan.spec);
  if (existing.labels[SPEC_HASH_LABEL] === wanted) return existing;
  await agent.remove(plan.spec.name);
  return agent.ensure(plan.spec);
}

export async function startWorkspace(
  ctx: LifecycleContext,
  key: ObjectKey,
): Promise<WorkspaceRuntime> {
  const { workspace, app, inheritedEnv, path } = await loadWorkspace(ctx, key);
  // spec.image.name wins; otherwise the image of the newest successful build.
  const built = (workspace.spec as WorkspaceManifestSpec).image?.name
    ? undefined
    : await ctx.store.builds.latestSucceeded(workspace.id);
  const image = imageOf(workspace, path, built);
  const plan = labelled(planContainer(workspace, app, image, inheritedEnv));

  // A workspace stays where it was first placed; a first start of a built image goes where the
  // image is, the host it was built on (builds go to the placement host once there is one).
  const placed = await ctx.store.placements.find(workspace.id);
  const host = placed
    ? await ctx.store.hosts.get(placed.host)
    : built
      ? await buildHost(ctx, built.host, path)
      : chooseHost(
          { spec: app.spec as AppSpec },
          workspace.labels,
          await hostCandidates(ctx.store),
        );
  requireHealthy(host);

  const agent = await ctx.hosts.agentFor(host);
  await ensureCurrent(agent, plan);
  await agent.start(plan.spec.name);
  const state = await agent.inspect(plan.spec.name);

  const now = nowOf(ctx);
  await ctx.store.placements.set({
    workspaceId: workspace.id,
    host: host.name,
    containerName: plan.spec.name,
    image,
    ...(plan.sourceVolume !== undefined && { sourceVolume: plan.sourceVolume }),
    desired: 'running',
  });
  const placement = await ctx.store.placements.observe(workspace.id, {
    observed: state.state,
    ...(state.state !== 'running' && {
      reason:
        'the container exited right after starting: check its command (spec.container.command)',
    }),
    at: now,
  });
  await ctx.store.audit.append(
    auditEntry(
      ctx.principal,
      {
        action: 'workspace.start',
        target: objectTarget('workspace', key),
        ecosystem: key.ecosystem!,
        detail: { host: host.name, container: plan.spec.name, image },
      },
      now,
    ),
  );
  return { workspace, placement: placement! };
}

export async function stopWorkspace(
  ctx: LifecycleContext,
  key: ObjectKey,
): Promise<WorkspaceRuntime> {
  const { workspace, path } = await loadWorkspace(ctx, key);
  const placed = await ctx.store.placements.find(workspace.id);
  if (!placed) {
    throw new AppError('CONFLICT', `Workspace ${path} has never been started: nothing to stop.`);
  }
  const host = await ctx.store.hosts.get(placed.host);
  requireHealthy(host);
  const agent = await ctx.hosts.agentFor(host);
  await agent.stop(placed.containerName);
  const state = await agent.inspect(placed.containerName);

  const now = nowOf(ctx);
  await ctx.store.placements.setDesired(workspace.id, 'stopped');
  const placement = await ctx.store.placements.observe(workspace.id, {
    observed: state.state,
    ...(state.state === 'missing' && {
      reason: 'the container was removed outside DevOpsMaestro; start the workspace to recreate it',
    }),
    at: now,
  });
  await ctx.store.audit.append(
    auditEntry(
      ctx.principal,
      {
        action: 'workspace.stop',
        target: objectTarget('workspace', key),
        ecosystem: key.ecosystem!,
        detail: { host: host.name, container: placed.containerName },
      },
      now,
    ),
  );
  return { workspace, placement: placement! };
}
