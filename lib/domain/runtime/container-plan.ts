// What container a workspace runs as, worked out from its spec and its app's: the image, the
// source at /workspace (a bind mount of the app's host path, or a volume the agent clones the
// app's git repository into), user, env, limits, working directory and keep-alive command. Pure:
// the agent enforces the host's rules (allowed roots, never privileged, never an engine socket).
import { createHash } from 'node:crypto';
import type { AppSpec } from '@/lib/contracts/app';
import type { WorkspaceSpec as WorkspaceManifestSpec } from '@/lib/contracts/workspace';
import { AppError, invalid } from '@/lib/errors';
import type { WorkspaceSpec as ContainerSpec } from '@/lib/hosts/host-agent';
import type { StoredObject } from '@/lib/store/data-store';

export const SOURCE_TARGET = '/workspace';
/** uid:gid when the spec names no user: never root, and the dev user of generated images. */
export const DEFAULT_USER = '1000:1000';
/**
 * Keeps the container alive without a shell loop that ignores SIGTERM: `wait` returns on the
 * signal and the trap exits, so `stop` takes milliseconds instead of the 10 s kill timeout.
 */
export const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];

const MAX_CONTAINER_NAME = 128;

/** `dvm_<eco>_<dom>_<app>_<ws>`: names are DNS labels, so `_` cannot be ambiguous. */
export function containerNameOf(workspace: StoredObject): string {
  const full = ['dvm', workspace.ecosystem, workspace.domain, workspace.app, workspace.name].join(
    '_',
  );
  if (full.length <= MAX_CONTAINER_NAME) return full;
  const hash = createHash('sha256').update(workspace.id).digest('hex').slice(0, 12);
  return `${full.slice(0, MAX_CONTAINER_NAME - hash.length - 1)}_${hash}`;
}

/** The volume a git source is cloned into; per workspace, kept until the workspace is deleted. */
export function sourceVolumeOf(workspace: StoredObject): string {
  return `dvm_src_${workspace.id.replace(/[^A-Za-z0-9]/g, '').slice(0, 32)}`;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
};

/** Docker's `--memory` sizes (512m, 2G, 1.5g) and Kubernetes' (2Gi) as bytes; units are binary. */
export function memoryBytes(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([bkmgt]?)(?:i?b?)$/i.exec(value.trim());
  if (!match)
    throw invalid(`"${value}" is not a memory size.`, [
      { path: 'spec.container.resources.memory', message: 'must be a size such as 512m or 2Gi' },
    ]);
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}

function userOf(container: WorkspaceManifestSpec['container']): string {
  if (container?.user) return container.user;
  if (container?.uid !== undefined) return `${container.uid}:${container.gid ?? container.uid}`;
  return DEFAULT_USER;
}

export interface ContainerPlan {
  spec: ContainerSpec;
  /** Set when the source is a git repository cloned into this volume. */
  sourceVolume?: string;
}

/**
 * The container for `workspace` of `app`, running `image`. INVALID for settings the runtime
 * cannot honour; NOT_IMPLEMENTED for mount types that arrive later (never silently dropped).
 * `inheritedEnv` is the ecosystem's then the domain's `spec.env` (DESIGN §5: settings are
 * inherited down the hierarchy); the app's and then the workspace's own env win over it.
 */
export function planContainer(
  workspace: StoredObject,
  app: StoredObject,
  image: string,
  inheritedEnv: Record<string, string> = {},
): ContainerPlan {
  const spec = workspace.spec as WorkspaceManifestSpec;
  const appSpec = app.spec as AppSpec;
  const container = spec.container;

  const mounts: NonNullable<ContainerSpec['mounts']> = [];
  let gitSource: ContainerSpec['gitSource'];
  let sourceVolume: string | undefined;
  if (appSpec.path !== undefined) {
    mounts.push({ source: appSpec.path, target: SOURCE_TARGET });
  } else if (appSpec.git !== undefined) {
    sourceVolume = sourceVolumeOf(workspace);
    gitSource = {
      url: appSpec.git.url,
      ...(appSpec.git.ref !== undefined && { ref: appSpec.git.ref }),
      volume: sourceVolume,
      target: SOURCE_TARGET,
    };
  }
  for (const [i, mount] of (spec.mounts ?? []).entries()) {
    const type = mount.type ?? 'bind';
    if (type !== 'bind') {
      throw new AppError(
        'NOT_IMPLEMENTED',
        `spec.mounts[${i}] is a ${type} mount; only bind mounts are supported so far. Remove it or use a bind mount under the host's allowed roots.`,
      );
    }
    if (mount.destination === SOURCE_TARGET) {
      throw invalid(`spec.mounts[${i}] would hide the app's source at ${SOURCE_TARGET}.`, [
        { path: `spec.mounts[${i}].destination`, message: `must not be ${SOURCE_TARGET}` },
      ]);
    }
    mounts.push({
      source: mount.source!,
      target: mount.destination,
      ...(mount.readOnly !== undefined && { readOnly: mount.readOnly }),
    });
  }

  const env = { ...inheritedEnv, ...appSpec.env, ...spec.env };
  const cpus = container?.resources?.cpus;
  const memory = container?.resources?.memory;
  return {
    spec: {
      name: containerNameOf(workspace),
      image,
      workspace: {
        ecosystem: workspace.ecosystem!,
        domain: workspace.domain!,
        app: workspace.app!,
        workspace: workspace.name,
        workspaceId: workspace.id,
      },
      labels: {},
      command: container?.command?.length ? container.command : KEEP_ALIVE,
      env,
      workingDir: container?.workingDir ?? SOURCE_TARGET,
      mounts,
      user: userOf(container),
      ...(cpus !== undefined && { cpus: Number(cpus) }),
      ...(memory !== undefined && { memoryBytes: memoryBytes(String(memory)) }),
      ...(gitSource && { gitSource }),
    },
    ...(sourceVolume !== undefined && { sourceVolume }),
  };
}

/**
 * The image a workspace starts from: the ready image it names (`spec.image.name`), else the image
 * of its newest successful build (`latestBuild`, with the tag derived from the build's inputs).
 * Without either it cannot start: CONFLICT, saying to build it first.
 */
export function imageOf(
  workspace: StoredObject,
  path: string,
  latestBuild?: { tag?: string },
): string {
  const name = (workspace.spec as WorkspaceManifestSpec).image?.name;
  if (name) return name;
  if (latestBuild?.tag) return latestBuild.tag;
  throw new AppError(
    'CONFLICT',
    `Workspace ${path} has no image to start: build it first (POST …/build), or set spec.image.name to an image that is already on the host.`,
  );
}
