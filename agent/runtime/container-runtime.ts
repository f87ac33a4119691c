// ContainerRuntime — the agent's view of one container engine. It keeps workspace containers by
// name: `ensure` creates one if missing (never recreates), `start`/`stop`/`remove` move it
// between states, and `inspect`/`list` read state back from the engine's labels so callers
// reconcile from the runtime rather than from a cached column. Containers are never privileged,
// default to `--network none`, and bind only host paths under the allowed roots (never an
// engine socket). Failures are AppErrors: INVALID (bad spec, refused mount), NOT_FOUND (no such
// container or image), CONFLICT (the name belongs to something else), UNAVAILABLE (engine down).
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { AppError, invalid, type FieldError } from '../../lib/errors';

export type ContainerState = 'running' | 'stopped' | 'missing';

/** The label keys every workspace container carries. */
export const LABELS = {
  managed: 'io.devopsmaestro.managed',
  workspace: 'io.devopsmaestro.workspace',
  ecosystem: 'io.devopsmaestro.ecosystem',
  domain: 'io.devopsmaestro.domain',
  app: 'io.devopsmaestro.app',
} as const;

export interface WorkspaceRef {
  ecosystem: string;
  domain: string;
  app: string;
  workspace: string;
}

export interface MountSpec {
  /** Absolute host path; must lie under one of the runtime's allowed roots. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

export interface WorkspaceContainerSpec {
  /** Container name, unique on the engine (Docker rules: `[A-Za-z0-9][A-Za-z0-9_.-]*`). */
  name: string;
  image: string;
  workspace: WorkspaceRef;
  /** Keeps the container alive; overrides the image's CMD when given. */
  command?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** Extra labels; the `io.devopsmaestro.*` keys are reserved and set by the runtime. */
  labels?: Record<string, string>;
  mounts?: MountSpec[];
  /** Default `none`: the engines here have no bridge, and workspaces get network by choice. */
  networkMode?: string;
}

export interface ContainerInfo {
  name: string;
  /** Empty when the container is missing. */
  id: string;
  state: ContainerState;
  labels: Record<string, string>;
  image: string;
}

export interface ContainerRuntime {
  /** Creates the container when no container has that name; returns what exists. Does not start it. */
  ensure(spec: WorkspaceContainerSpec): Promise<ContainerInfo>;
  /** Starts the container; a running container stays running. */
  start(name: string): Promise<void>;
  /** Stops the container (SIGTERM, then SIGKILL after the timeout, default 10 s). */
  stop(name: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** Removes the container (stopping it first); a missing container is not an error. */
  remove(name: string): Promise<void>;
  /** The container's state; `missing` (not an error) when there is none. */
  inspect(name: string): Promise<ContainerInfo>;
  /** Workspace containers (managed by us) whose labels include every given key=value. */
  list(labelFilter?: Record<string, string>): Promise<ContainerInfo[]>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkContainerName(name: string, field = 'name'): void {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 128) {
    throw invalid(`"${name}" is not a valid container name.`, [
      {
        path: field,
        message: 'Use letters, digits, "_", "." and "-", starting with a letter or digit.',
      },
    ]);
  }
}

/** The labels a workspace container carries: the caller's, then ours (which win). */
export function workspaceLabels(spec: WorkspaceContainerSpec): Record<string, string> {
  const { ecosystem, domain, app, workspace } = spec.workspace;
  return {
    ...spec.labels,
    [LABELS.managed]: 'true',
    [LABELS.workspace]: `${ecosystem}/${domain}/${app}/${workspace}`,
    [LABELS.ecosystem]: ecosystem,
    [LABELS.domain]: domain,
    [LABELS.app]: app,
  };
}

/** Engine sockets by file name: mounting one hands the workspace the whole host. */
const ENGINE_SOCKET =
  /(?:^|[-_.])(?:docker|podman|containerd|buildkitd|orbstack)[-_.a-z0-9]*\.sock$/i;
const ENGINE_SOCKET_DIRS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/podman',
  '/run/containerd',
];

function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function within(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function isEngineSocket(p: string): boolean {
  return ENGINE_SOCKET.test(path.basename(p)) || ENGINE_SOCKET_DIRS.some((s) => within(p, s));
}

/**
 * Refuses any mount whose source (after resolving symlinks) is not under an allowed root, is an
 * engine socket, or contains one's directory; and any relative path. Throws INVALID naming each
 * bad mount, or returns the mounts with their sources resolved.
 */
export function checkMounts(mounts: MountSpec[], allowedRoots: readonly string[]): MountSpec[] {
  const roots = allowedRoots.filter((r) => path.isAbsolute(r)).map(realPath);
  const errors: FieldError[] = [];
  const checked = mounts.map((mount, i) => {
    const at = `mounts[${i}]`;
    if (!path.isAbsolute(mount.source)) {
      errors.push({ path: `${at}.source`, message: `"${mount.source}" is not an absolute path.` });
      return mount;
    }
    if (!path.isAbsolute(mount.target)) {
      errors.push({ path: `${at}.target`, message: `"${mount.target}" is not an absolute path.` });
    }
    const source = realPath(mount.source);
    if (isEngineSocket(mount.source) || isEngineSocket(source)) {
      errors.push({
        path: `${at}.source`,
        message: `"${mount.source}" is a container engine socket; workspaces never get one.`,
      });
    } else if (!roots.some((root) => within(source, root))) {
      errors.push({
        path: `${at}.source`,
        message:
          roots.length === 0
            ? `"${mount.source}" cannot be mounted: this host allows no host paths.`
            : `"${mount.source}" is outside the host's allowed roots (${roots.join(', ')}).`,
      });
    }
    return { ...mount, source };
  });
  if (errors.length > 0) {
    throw invalid(`Refused to mount: ${errors.map((e) => e.message).join(' ')}`, errors);
  }
  return checked;
}

export function unavailable(message: string, cause?: unknown): AppError {
  return new AppError('UNAVAILABLE', message, { cause });
}
