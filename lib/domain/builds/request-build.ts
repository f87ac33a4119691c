// Asks for a build of a workspace's image: authorised like start (developers and owners), the
// settings resolved down Ecosystem → Domain → App → Workspace (each value with where it came
// from), placed on the workspace's host (or, before its first start, the host start would choose),
// recorded as a queued build and audited in one transaction. A runner (lib/server/build-runner.ts)
// takes it from the queue; the answer is the queued record.
import { createHash } from 'node:crypto';
import type { EffectiveBuildSettings } from '@/lib/build/build-types';
import { resolveBuildSettings } from '@/lib/build/resolve-settings';
import type { AppSpec } from '@/lib/contracts/app';
import { manifestErrorMap, summarize, toFieldErrors } from '@/lib/contracts/field-errors';
import { AppError, invalid } from '@/lib/errors';
import type { BuildRecord, JsonObject, ObjectKey, StoredObject } from '@/lib/store/data-store';
import type { HostRecord } from '@/lib/store/host-store';
import type { ActionContext } from '../action-context';
import { nowOf } from '../action-context';
import { actorOf, auditEntry } from '../audit-entry';
import { objectTarget } from '../object-rules';
import { chooseHost } from '../runtime/choose-host';
import { hostCandidates } from '../runtime/workspace-lifecycle';
import { type BuildRequestInput, buildRequestSchema } from './build-input';
import { loadWorkspace, workspacePath } from './workspace-build';

/** Docker allows 255 characters for a repository name; ours stay well below with a hash. */
const MAX_REPOSITORY = 200;

/** `dvm/<eco>-<dom>-<app>-<ws>`: names are lowercase DNS labels, valid in image repositories. */
export function repositoryOf(workspace: StoredObject): string {
  const full = `dvm/${[workspace.ecosystem, workspace.domain, workspace.app, workspace.name].join('-')}`;
  if (full.length <= MAX_REPOSITORY) return full;
  const hash = createHash('sha256').update(workspace.id).digest('hex').slice(0, 12);
  return `${full.slice(0, MAX_REPOSITORY - hash.length - 1)}-${hash}`;
}

/** What the runner needs to ask the agent for this build, fixed when it is queued. */
export interface QueuedBuildRequest {
  repository: string;
  source: { path: string } | { git: { url: string; ref?: string } };
  settings: EffectiveBuildSettings;
}

function parseInput(body: unknown): BuildRequestInput {
  const result = buildRequestSchema.safeParse(body ?? {}, { error: manifestErrorMap });
  if (result.success) return result.data;
  const errors = toFieldErrors(result.error.issues);
  throw invalid(`${summarize('The build request', errors)}.`, errors);
}

function sourceOf(app: StoredObject): QueuedBuildRequest['source'] {
  const spec = app.spec as AppSpec;
  if (spec.path !== undefined) return { path: spec.path };
  if (spec.git !== undefined) {
    return { git: { url: spec.git.url, ...(spec.git.ref !== undefined && { ref: spec.git.ref }) } };
  }
  throw invalid('The app has no source to build: set spec.path or spec.git.url.', [
    { path: 'spec.path', message: 'required: an App needs spec.path and/or spec.git.url' },
  ]);
}

function unhealthy(host: HostRecord): AppError {
  return new AppError(
    'UNAVAILABLE',
    `Host "${host.name}" is ${host.status}${host.statusReason ? `: ${host.statusReason}` : ''}; the workspace cannot be built until it is healthy again.`,
  );
}

function buildersOf(host: HostRecord): string[] | undefined {
  const builders = host.info?.builders;
  return Array.isArray(builders)
    ? builders.filter((b): b is string => typeof b === 'string')
    : undefined;
}

/** Where a build's secret values wait for the runner (in memory, never in the store). */
export interface BuildSecretsHold {
  hold(buildId: string, secrets: Record<string, string>): void;
}

export async function requestBuild(
  ctx: ActionContext & { buildSecrets?: BuildSecretsHold },
  key: ObjectKey,
  body: unknown = {},
): Promise<BuildRecord> {
  // Authorised before the body is looked at: a viewer learns nothing from a crafted one.
  const workspace = await loadWorkspace(ctx, key, 'workspace.operate');
  const input = parseInput(body);
  const [ecosystem, domain, app] = await Promise.all([
    ctx.store.ecosystems.get({ name: key.ecosystem! }),
    ctx.store.domains.get({ ecosystem: key.ecosystem, name: key.domain! }),
    ctx.store.apps.get({ ecosystem: key.ecosystem, domain: key.domain, name: key.app! }),
  ]);
  const settings = resolveBuildSettings({
    ecosystem: { spec: ecosystem.spec },
    domain: { spec: domain.spec },
    app: { spec: app.spec },
    workspace: { spec: workspace.spec },
  });
  const source = sourceOf(app);

  const placed = await ctx.store.placements.find(workspace.id);
  const host = placed
    ? await ctx.store.hosts.get(placed.host)
    : chooseHost({ spec: app.spec as AppSpec }, workspace.labels, await hostCandidates(ctx.store));
  if (host.status !== 'healthy') throw unhealthy(host);
  const offered = buildersOf(host);
  if (input.builder !== undefined && offered?.length && !offered.includes(input.builder)) {
    throw invalid(
      `Host "${host.name}" offers the ${offered.join(' and ')} builder${offered.length === 1 ? '' : 's'}, not ${input.builder}.`,
      [{ path: 'builder', message: `must be one of ${offered.join(', ')} on host ${host.name}` }],
    );
  }

  const secretIds = Object.keys(input.secrets ?? {});
  if (secretIds.length > 0 && input.builder === 'docker-api') {
    throw invalid('Build secrets need the buildkit builder.', [
      { path: 'secrets', message: 'the docker-api builder cannot mount secrets; use buildkit' },
    ]);
  }
  if (secretIds.length > 0) settings.secretIds = secretIds;
  const request: QueuedBuildRequest = { repository: repositoryOf(workspace), source, settings };
  const now = nowOf(ctx);
  const { principal } = ctx;
  return ctx.store.transaction(async (tx) => {
    const build = await tx.builds.create({
      workspaceId: workspace.id,
      host: host.name,
      requestedBy: actorOf(principal),
      ...(principal.via !== 'system' && { requestedById: principal.user.id }),
      ...(input.builder !== undefined && { requestedBuilder: input.builder }),
      ...(input.noCache !== undefined && { noCache: input.noCache }),
      request: request as unknown as JsonObject,
    });
    await tx.audit.append(
      auditEntry(
        principal,
        {
          action: 'workspace.build',
          target: objectTarget('workspace', key),
          ecosystem: key.ecosystem!,
          detail: {
            build: build.id,
            host: host.name,
            workspace: workspacePath(workspace),
            ...(input.builder !== undefined && { builder: input.builder }),
            ...(input.noCache !== undefined && { noCache: input.noCache }),
            ...(secretIds.length > 0 && { secrets: secretIds }),
          },
        },
        now,
      ),
    );
    // The values are held in memory for the runner, never written to the store.
    if (input.secrets && secretIds.length > 0) ctx.buildSecrets?.hold(build.id, input.secrets);
    return build;
  });
}
